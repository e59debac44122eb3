// The helper the GitHub workflows call (after `npm ci` and `tsc`), as
// `node bin/tools/workflows/main.js COMMAND [options]`:
//   stacks [--github-output FILE]        the stacks by environment, and the Pulumi CLI release
//   guard --stack NAME --environment E [--environment-site SITE]
//                                        fails unless Pulumi.NAME.yaml is a site of environment E
//                                        (and SITE, the job's GitHub environment's SRCNET_SITE, is NAME)
//   environment --stack NAME             prints the site.environment of Pulumi.NAME.yaml
//   set-secrets --stack NAME             sets a test site's secrets from $SRCNET_TEST_SITE_SECRETS
// Every command takes --dir (default: the project root). Exit 0 on success, 1 when a check
// refuses, 2 for a usage error.
import { appendFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { projectRoot } from "../../components/project-files";
import { SecretsError, applySecrets, maskCommands, secretsPlan, spawnPulumi } from "./secrets";
import { StackListError, githubOutputLines, guardStack, listStacks, pulumiCliVersion, stackEnvironment, stackSite, stacksOf, type Environment } from "./stacks";

const usage = [
    "usage: node bin/tools/workflows/main.js stacks [--github-output FILE] [--dir DIR]",
    "       node bin/tools/workflows/main.js guard --stack NAME --environment production|test [--environment-site SITE] [--dir DIR]",
    "       node bin/tools/workflows/main.js environment --stack NAME [--dir DIR]",
    "       node bin/tools/workflows/main.js set-secrets --stack NAME [--dir DIR]   (reads $SRCNET_TEST_SITE_SECRETS)",
].join("\n");

class UsageError extends Error {}

const environmentOf = (value: string | undefined): Environment => {
    if (value !== "production" && value !== "test") throw new UsageError(`--environment must be production or test, not ${JSON.stringify(value ?? "")}`);
    return value;
};

function stacksCommand(dir: string, githubOutput: string | undefined): void {
    const stacks = listStacks(dir);
    const outputs = {
        production: JSON.stringify(stacksOf(stacks, "production")),
        test: JSON.stringify(stacksOf(stacks, "test")),
        "pulumi-version": pulumiCliVersion(dir),
    };
    for (const s of stacks) console.log(`${s.stack}: ${s.environment}`);
    console.log(`pulumi CLI ${outputs["pulumi-version"]}`);
    if (githubOutput) appendFileSync(githubOutput, githubOutputLines(outputs));
    else console.log(JSON.stringify(outputs));
}

function setSecretsCommand(dir: string, stack: string): void {
    // The stack must be a test site: production secrets are never set by a workflow.
    guardStack(dir, stack, "test");
    const json = process.env.SRCNET_TEST_SITE_SECRETS;
    if (json === undefined || json.trim() === "") throw new SecretsError("SRCNET_TEST_SITE_SECRETS is empty: set the repository (or environment) secret TEST_SITE_SECRETS");
    const plan = secretsPlan(stack, json, stackSite(dir, stack));
    // Masked before anything else can print one of them.
    for (const line of maskCommands(plan)) console.log(line);
    const done = applySecrets(plan, spawnPulumi);
    console.log(`set ${done.length} secret key(s) of ${stack}`);
}

function main(argv: readonly string[]): number {
    const [command, ...rest] = argv;
    try {
        const { values } = parseArgs({
            args: [...rest],
            options: {
                dir: { type: "string" },
                stack: { type: "string" },
                environment: { type: "string" },
                "environment-site": { type: "string" },
                "github-output": { type: "string" },
            },
            strict: true,
            allowPositionals: false,
        });
        const dir = values.dir ?? projectRoot();
        const stack = (): string => {
            if (!values.stack) throw new UsageError("--stack is required");
            return values.stack;
        };
        switch (command) {
            case "stacks":
                stacksCommand(dir, values["github-output"]);
                return 0;
            case "guard":
                console.log(guardStack(dir, stack(), environmentOf(values.environment), values["environment-site"]));
                return 0;
            case "environment":
                console.log(stackEnvironment(dir, stack()));
                return 0;
            case "set-secrets":
                setSecretsCommand(dir, stack());
                return 0;
            default:
                throw new UsageError(command === undefined ? "a command is required" : `unknown command ${JSON.stringify(command)}`);
        }
    } catch (err) {
        if (err instanceof UsageError || String((err as NodeJS.ErrnoException).code).startsWith("ERR_PARSE_ARGS_")) {
            console.error(`${(err as Error).message}\n${usage}`);
            return 2;
        }
        if (err instanceof StackListError || err instanceof SecretsError) {
            console.error(err.message);
            return 1;
        }
        throw err;
    }
}

process.exitCode = main(process.argv.slice(2));

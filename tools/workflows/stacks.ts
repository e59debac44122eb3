// The stacks the workflows act on, read from the stack files beside Pulumi.yaml: each site's name
// and its site.environment, so that a workflow's matrix is the list of production sites, and a
// workflow that creates and destroys a site can refuse one that is not a test site. Pure apart
// from reading files: the directory is an argument.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseYaml } from "../../components/yaml-text";

export type Environment = "production" | "test";
const environments: readonly Environment[] = ["production", "test"];

export interface StackInfo {
    /** The stack name: NAME of Pulumi.NAME.yaml. */
    readonly stack: string;
    readonly environment: Environment;
}

/** A stack file, a project file or an argument the workflows cannot act on: one line for the log. */
export class StackListError extends Error {}

const stackFilePattern = /^Pulumi\.(.+)\.yaml$/;
/** Site names (config/fields.ts siteName) are DNS labels; a stack name beyond that is refused. */
const stackNamePattern = /^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$/;

function readMapping(path: string, what: string): Record<string, unknown> {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new StackListError(`cannot read the ${what} ${path}: ${code === "ENOENT" ? "no such file" : (err as Error).message}`);
    }
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (err) {
        throw new StackListError(`the ${what} ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    if (doc === null || doc === undefined) return {};
    if (typeof doc !== "object" || Array.isArray(doc)) throw new StackListError(`the ${what} ${path} is not a YAML mapping`);
    return doc as Record<string, unknown>;
}

/** The project's name, from Pulumi.yaml: the namespace of the stack files' keys. */
export function projectName(dir: string): string {
    const name = readMapping(join(dir, "Pulumi.yaml"), "project file").name;
    if (typeof name !== "string" || name === "") throw new StackListError(`the project file ${join(dir, "Pulumi.yaml")} has no name`);
    return name;
}

/** Whether NAME can be a stack the workflows act on (a site name). */
export function isStackName(name: string): boolean {
    return stackNamePattern.test(name);
}

/** The site mapping of one stack: its file's `<project>:site` (or unqualified `site`) key. */
export function stackSite(dir: string, stack: string, project = projectName(dir)): Record<string, unknown> {
    if (!isStackName(stack)) throw new StackListError(`${JSON.stringify(stack)} is not a stack name: 1-20 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'`);
    const path = join(dir, `Pulumi.${stack}.yaml`);
    const config = readMapping(path, "stack file").config;
    if (config === undefined || config === null || typeof config !== "object" || Array.isArray(config)) {
        throw new StackListError(`the stack file ${path} has no config mapping`);
    }
    const entries = config as Record<string, unknown>;
    const site = entries[`${project}:site`] ?? entries.site;
    if (site === undefined || site === null || typeof site !== "object" || Array.isArray(site)) {
        throw new StackListError(`the stack file ${path} has no ${project}:site mapping`);
    }
    return site as Record<string, unknown>;
}

/** The environment of one stack, from its site mapping. */
export function stackEnvironment(dir: string, stack: string, project = projectName(dir)): Environment {
    const environment = stackSite(dir, stack, project).environment;
    if (!environments.includes(environment as Environment)) {
        throw new StackListError(`the stack file ${join(dir, `Pulumi.${stack}.yaml`)} has site.environment ${JSON.stringify(environment)}; it must be one of ${environments.join(", ")}`);
    }
    return environment as Environment;
}

/** Every stack file in DIR, sorted by name, each with its environment. */
export function listStacks(dir: string): StackInfo[] {
    const project = projectName(dir);
    const stacks = readdirSync(dir)
        .map((file) => stackFilePattern.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined)
        .sort();
    return stacks.map((stack) => ({ stack, environment: stackEnvironment(dir, stack, project) }));
}

/** The names of the stacks of one environment: the JSON a workflow's matrix reads. */
export function stacksOf(stacks: readonly StackInfo[], environment: Environment): string[] {
    return stacks.filter((s) => s.environment === environment).map((s) => s.stack);
}

/**
 * Refuses a stack whose environment is not the one a workflow acts on: the test-site workflow
 * creates, deploys and destroys only `test` sites, the deploy workflow updates only `production`
 * ones. With ENVIRONMENTSITE (the job's environment's variable SRCNET_SITE), also refuses an
 * environment that is not the one set up for this site. Returns the message to print when it passes.
 */
export function guardStack(dir: string, stack: string, required: Environment, environmentSite?: string): string {
    const found = stackEnvironment(dir, stack);
    if (found !== required) {
        throw new StackListError(
            `refusing stack ${stack}: its site.environment is ${found}, and this workflow acts only on ${required} sites` +
                (found === "production" ? " (a production site is never created or destroyed by a workflow)" : ""),
        );
    }
    // GitHub creates an environment that a job names and that does not exist, without reviewers
    // or anything else: one set up for the site says so in its variable SRCNET_SITE.
    if (environmentSite !== undefined && environmentSite !== stack) {
        throw new StackListError(
            `refusing stack ${stack}: this job's GitHub environment is not set up for it (its variable SRCNET_SITE is ${JSON.stringify(environmentSite)}, not ${JSON.stringify(stack)}); ` +
                "an environment GitHub made on first use has no required reviewers: set it up as the workflows' documentation says",
        );
    }
    return `stack ${stack} is a ${required} site${environmentSite !== undefined ? ", and this job's environment is set up for it" : ""}`;
}

/**
 * The Pulumi CLI release the workflows install: the release of the @pulumi/pulumi SDK that
 * package.json pins (the CLI and the SDK are released together under one version).
 */
export function pulumiCliVersion(dir: string): string {
    const path = join(dir, "package.json");
    let pkg: { dependencies?: Record<string, string> };
    try {
        pkg = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
        throw new StackListError(`cannot read ${path}: ${(err as Error).message}`);
    }
    const version = pkg.dependencies?.["@pulumi/pulumi"];
    if (version === undefined) throw new StackListError(`${path} has no dependency on @pulumi/pulumi`);
    if (!/^\d+\.\d+\.\d+$/.test(version)) throw new StackListError(`${path} pins @pulumi/pulumi as ${JSON.stringify(version)}; the workflows need an exact version (X.Y.Z) to install the same CLI release`);
    return version;
}

/** Lines for $GITHUB_OUTPUT: `name=value`, each value on one line. */
export function githubOutputLines(outputs: Readonly<Record<string, string>>): string {
    return Object.entries(outputs)
        .map(([name, value]) => {
            if (/[\r\n]/.test(value)) throw new StackListError(`output ${name} has a line break`);
            return `${name}=${value}\n`;
        })
        .join("");
}

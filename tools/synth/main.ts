// npm run synth -- [--stack NAME | --config-file PATH] [--out DIR]
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stackNameOf } from "../engine/stack-file";
import { summary } from "./summary";
import { synthesize } from "./synthesize";

const usage = "usage: npm run synth -- [--stack NAME | --config-file PATH] [--out DIR]";

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs({
            options: { stack: { type: "string" }, "config-file": { type: "string" }, out: { type: "string" }, help: { type: "boolean" } },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (err) {
        console.error(`${(err as Error).message}\n${usage}`);
        return 2;
    }
    if (args.help) {
        console.log(usage);
        return 0;
    }
    if (args.stack && args["config-file"]) {
        console.error(`give --stack or --config-file, not both\n${usage}`);
        return 2;
    }
    const configFile = resolve(args["config-file"] ?? `Pulumi.${args.stack ?? "dev"}.yaml`);
    const outDir = resolve(args.out ?? join("synth-out", stackNameOf(configFile)));

    const result = await synthesize({ configFile, outDir });
    if (result.stack.placeholders.length > 0) {
        console.error(
            `note: ${result.stack.placeholders.length} secure value(s) cannot be decrypted offline; ` +
                `the synth uses marked placeholders, still treated as secrets: ${result.stack.placeholders.join(", ")}`,
        );
    }
    if (!result.ok) {
        console.error(result.problems.join("\n"));
        return 1;
    }
    console.log(summary(result.plan, outDir));
    return 0;
}

main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
        console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
        process.exitCode = 2;
    },
);

// npm run synth -- [--stack NAME | --config-file PATH] [--out DIR] [--render]
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../../components/project-files";
import { stackNameOf } from "../engine/stack-file";
import { summary } from "./summary";
import { secretDigestKeyEnv } from "./plan";
import { synthesize } from "./synthesize";

const usage = "usage: npm run synth -- [--stack NAME | --config-file PATH] [--out DIR] [--render]";

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs({
            options: { stack: { type: "string" }, "config-file": { type: "string" }, out: { type: "string" }, render: { type: "boolean" }, help: { type: "boolean" } },
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
    // A stack by name is the project's; a config file may be anywhere.
    const configFile = args["config-file"] ? resolve(args["config-file"]) : join(projectRoot(), `Pulumi.${args.stack ?? "dev"}.yaml`);
    const outDir = resolve(args.out ?? join("synth-out", stackNameOf(configFile)));

    // Set by `npm run diff` for its two synths.
    const secretDigestKey = process.env[secretDigestKeyEnv] || undefined;
    const result = await synthesize({ configFile, outDir, render: args.render ?? false, secretDigestKey });
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
    if (result.render) {
        console.log(`rendered ${result.render.releases} Helm release(s) with the vendored charts; ${result.render.valid} object(s) valid, ${result.render.skipped.length} without a schema${result.render.skipped.length ? ` (${result.render.skipped.join(", ")})` : ""}`);
        if (result.render.problems.length > 0) {
            console.error(`${result.render.problems.length} rendering problem(s):\n${result.render.problems.map((p) => `  ${p}`).join("\n")}`);
            return 1;
        }
    }
    return 0;
}

// A program that never finishes (a dependency cycle leaves its promises pending) lets the process
// exit with nothing done: that is a failure too, and says so.
let finished = false;
process.on("exit", () => {
    if (finished) return;
    console.error("synth failed: the program never finished (a resource waits for one that waits for it?); SRCNET_DEBUG=1 shows the SDK's pending promises");
    // Registered before the SDK's own exit handler, which reports only while the exit code is 0
    // (runtime/debuggable.js:88-112): the report is asked for here instead.
    if (process.env.SRCNET_DEBUG) {
        const { leakedPromises } = require("@pulumi/pulumi/runtime/debuggable") as { leakedPromises: () => [Set<unknown>, string] };
        console.error(leakedPromises()[1]);
    }
    process.exitCode = 2;
});

// Every failure is one line for the user; SRCNET_DEBUG=1 adds the stack trace.
main().finally(() => (finished = true)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        console.error(`synth failed: ${message.split("\n")[0]}`);
        if (process.env.SRCNET_DEBUG && err instanceof Error && err.stack) console.error(err.stack);
        process.exitCode = 2;
    },
);

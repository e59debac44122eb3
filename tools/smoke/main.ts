// npm run smoke -- --stack NAME [--outputs FILE] [--json] [--ca FILE]... [--dns-server ADDR]...
//                   [--min-days N] [--timeout SECONDS]
// Post-deploy checks of a live site, from its stack config and outputs. Exit code 0: no check
// failed; 1: a check failed; 2: the checks could not run (usage, inputs).
import { Resolver } from "node:dns/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../../components/project-files";
import { readCaFile } from "../site-access/ca-file";
import { loadOutputs } from "../site-access/outputs";
import { pulumiRunner } from "../site-access/pulumi-cli";
import { SiteInputError } from "../site-access/site-config";
import { formatJson, formatTable } from "./format";
import { clientSecretEnv, loadClientSecret, loadStack } from "./inputs";
import { lookupVia, type Network } from "./net";
import { smokePlan } from "./plan";
import { failed } from "./result";
import { runSmoke } from "./runner";

const usage = [
    "usage: npm run smoke -- (--stack NAME | --config-file PATH --outputs FILE) [--outputs FILE] [--json]",
    "                        [--ca FILE]... [--dns-server ADDR[:PORT]]... [--min-days N] [--timeout SECONDS]",
    `The checks client's secret: ${clientSecretEnv}, else the stack's checksClientSecret (pulumi config get).`,
].join("\n");

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs({
            options: {
                stack: { type: "string" },
                "config-file": { type: "string" },
                outputs: { type: "string" },
                json: { type: "boolean" },
                ca: { type: "string", multiple: true },
                "dns-server": { type: "string", multiple: true },
                "min-days": { type: "string", default: "14" },
                timeout: { type: "string", default: "20" },
                help: { type: "boolean" },
            },
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
    const problems: string[] = [];
    if (!args.stack && !args["config-file"]) problems.push("give --stack NAME (or --config-file PATH)");
    if (args.stack && args["config-file"]) problems.push("give --stack or --config-file, not both");
    if (args["config-file"] && !args.outputs) problems.push("--config-file needs --outputs FILE (the stack's outputs are read with --stack)");
    const minDays = Number(args["min-days"]);
    const timeout = Number(args.timeout);
    if (!Number.isInteger(minDays) || minDays < 0) problems.push(`--min-days ${args["min-days"]} is not a whole number of days`);
    if (!(timeout > 0)) problems.push(`--timeout ${args.timeout} is not a number of seconds`);
    if (problems.length > 0) {
        console.error(`${problems.join("\n")}\n${usage}`);
        return 2;
    }

    const stackFile = args["config-file"] ? resolve(args["config-file"]) : join(projectRoot(), `Pulumi.${args.stack}.yaml`);
    const extraCa = (args.ca ?? []).flatMap((file) => readCaFile(file, "--ca"));

    const envSecret = !!process.env[clientSecretEnv];
    const stack = loadStack(stackFile, envSecret);
    const run = pulumiRunner();
    const outputs = loadOutputs(args.outputs ? { file: resolve(args.outputs) } : { stack: args.stack!, run }, stack.model);
    const plan = smokePlan(stack.model, outputs, extraCa);
    const clientSecret = plan.token ? loadClientSecret(process.env, { name: args.stack, holdsClientSecret: stack.holdsClientSecret }, run) : undefined;

    const resolver = new Resolver({ timeout: Math.round(timeout * 1000), tries: 2 });
    if (args["dns-server"]?.length) {
        try {
            resolver.setServers(args["dns-server"]);
        } catch (err) {
            throw new SiteInputError(`--dns-server ${args["dns-server"].join(", ")}: ${(err as Error).message}`);
        }
    }
    // With a chosen DNS server, connections find their addresses there too.
    const net: Network = { timeoutMs: timeout * 1000, ...(args["dns-server"]?.length ? { lookup: lookupVia(resolver) } : {}) };

    const report = await runSmoke({ plan, outputs, clientSecret, minDays }, { resolver, net });
    console.log(args.json ? formatJson(report) : formatTable(report));
    return failed(report) > 0 ? 1 : 0;
}

main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
        const known = err instanceof SiteInputError;
        const message = err instanceof Error ? err.message : String(err);
        console.error(`smoke checks could not run: ${known ? message : message.split("\n")[0]}`);
        if (process.env.SRCNET_DEBUG && err instanceof Error && err.stack) console.error(err.stack);
        process.exitCode = 2;
    },
);

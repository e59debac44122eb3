// npm run leftovers -- --stack NAME [--json]: what is still in the cloud of a site after
// `pulumi destroy`, asked through the OpenStack APIs with the login the site's provider uses.
// Exit status 0: nothing is left; 1: something is; 2: the cloud could not be asked (or bad usage).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../../components/project-files";
import { exitCodeOf, findLeftovers, textOf } from "./run";
import { readLeftoverSite } from "./site";
import { SiteInputError } from "../site-access/site-config";

const usage = "usage: npm run leftovers -- --stack NAME [--json]";

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs({ options: { stack: { type: "string" }, json: { type: "boolean", default: false } }, strict: true, allowPositionals: false }).values;
    } catch (err) {
        console.error(`${(err as Error).message}\n${usage}`);
        return 2;
    }
    if (!args.stack) {
        console.error(`--stack is required\n${usage}`);
        return 2;
    }
    const stackFile = join(projectRoot(), `Pulumi.${args.stack}.yaml`);
    if (!existsSync(stackFile)) {
        console.error(`there is no stack file ${stackFile}`);
        return 2;
    }
    let site;
    try {
        site = readLeftoverSite(stackFile);
    } catch (err) {
        if (err instanceof SiteInputError) {
            console.error(err.message);
            return 2;
        }
        throw err;
    }
    const report = await findLeftovers(site);
    const code = exitCodeOf(report);
    if (args.json) {
        console.log(JSON.stringify({ ...report, exitCode: code }, null, 2));
    } else {
        const text = textOf(report);
        if (text.stdout) console.log(text.stdout);
        if (text.stderr) console.error(text.stderr);
    }
    return code;
}

main().then(
    (code) => (process.exitCode = code),
    (err) => {
        console.error(`leftovers failed: ${(err as Error).stack ?? String(err)}`);
        process.exitCode = 2;
    },
);

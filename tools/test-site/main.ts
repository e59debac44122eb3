// npm run test-site -- --name NAME [--from dev]: writes Pulumi.<NAME>.yaml, a test site made from
// the template stack, and says which secrets to set before `pulumi up`.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../../components/project-files";
import { TestSiteError, testSiteFile } from "./template";

const usage = "usage: npm run test-site -- --name NAME [--from STACK]";

function main(): number {
    let args;
    try {
        args = parseArgs({ options: { name: { type: "string" }, from: { type: "string", default: "dev" } }, strict: true, allowPositionals: false }).values;
    } catch (err) {
        console.error(`${(err as Error).message}\n${usage}`);
        return 2;
    }
    if (!args.name) {
        console.error(`--name is required\n${usage}`);
        return 2;
    }
    const template = join(projectRoot(), `Pulumi.${args.from}.yaml`);
    const target = join(projectRoot(), `Pulumi.${args.name}.yaml`);
    if (!existsSync(template)) {
        console.error(`there is no template stack file ${template}`);
        return 2;
    }
    if (existsSync(target)) {
        console.error(`${target} exists already; a test site is made once (pulumi destroy, then remove the file, to start again)`);
        return 1;
    }
    try {
        const made = testSiteFile(readFileSync(template, "utf8"), args.name);
        writeFileSync(target, made.text, { flag: "wx" });
        console.log(`wrote ${target}`);
        console.log(`next: pulumi stack init ${args.name}; set its secrets:`);
        for (const line of made.secretsToSet) console.log(`  ${line}`);
        console.log(`then: pulumi up --stack ${args.name}, and pulumi destroy --stack ${args.name} when done`);
        return 0;
    } catch (err) {
        if (err instanceof TestSiteError) {
            console.error(err.message);
            return 1;
        }
        throw err;
    }
}

process.exitCode = main();

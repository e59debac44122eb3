// Everything generated from the code into committed files: config/site.schema.json and the
// marked blocks of README.md. `npm run schema` writes them; a test fails when they are stale.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { siteProgram } from "../../components/site/program";
import { SiteConfigError } from "../../config/load";
import { validateStackConfig } from "../../config/validate";
import { recordProgram } from "../engine/record";
import { readStackConfig } from "../engine/stack-file";
import { createTimes, defaultCreateSeconds } from "../synth/create-times";
import { diagram } from "../synth/diagram";
import { configReference } from "./config-reference";
import { stackFileSchema } from "./stack-schema";

export const schemaPath = join("config", "site.schema.json");
export const readmePath = "README.md";

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->`. */
export function replaceBlock(text: string, name: string, content: string): string {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) {
        throw new Error(`README.md has no block ${start} ... ${end}`);
    }
    return `${text.slice(0, from + start.length)}\n${content.trimEnd()}\n${text.slice(to)}`;
}

function createTimesTable(): string {
    return [
        "| Resource type | Seconds | Why |",
        "|---|---|---|",
        ...createTimes.map((t) => `| \`${t.type}${t.type.endsWith(":") || t.type.endsWith("/") ? "*" : ""}\` | ${t.seconds} | ${t.why} |`),
        `| any other type | ${defaultCreateSeconds} | a default, named in the synth summary |`,
    ].join("\n");
}

async function devDiagram(root: string): Promise<string> {
    const recording = await recordProgram(siteProgram, readStackConfig(join(root, "Pulumi.dev.yaml")));
    if (recording.error) throw recording.error;
    return ["```mermaid", diagram(recording.resources).trimEnd(), "```"].join("\n");
}

/** What the program prints for the production example with three mistakes: an open admin network, a bad RSE name, a misspelt key. */
function validationExample(root: string): string {
    const stack = readStackConfig(join(root, "Pulumi.uksrc.yaml"));
    const site = JSON.parse(stack.config["srcnet-site:site"]);
    site.openstack.adminCidrs = ["0.0.0.0/0"];
    site.storage.rse = "uksrc_storm";
    site.storage.flavour = site.storage.flavor;
    delete site.storage.flavor;
    const keys = [{ key: "site", secret: false }, ...stack.secretKeys.map((k) => ({ key: k.split(":")[1], secret: true }))];
    const result = validateStackConfig({ site, keys });
    if (result.ok) throw new Error("the validation example is unexpectedly valid");
    return ["```text", new SiteConfigError(result.problems).message, "```"].join("\n");
}

export interface GeneratedFiles {
    readonly [path: string]: string;
}

/** The generated files' contents, given the repository root. */
export async function generate(root: string): Promise<GeneratedFiles> {
    let readme = readFileSync(join(root, readmePath), "utf8");
    readme = replaceBlock(readme, "config-reference", configReference());
    readme = replaceBlock(readme, "diagram", await devDiagram(root));
    readme = replaceBlock(readme, "create-times", createTimesTable());
    readme = replaceBlock(readme, "validation-example", validationExample(root));
    return {
        [schemaPath]: `${JSON.stringify(stackFileSchema(), null, 2)}\n`,
        [readmePath]: readme,
    };
}

// Everything generated from the code into committed files: config/site.schema.json and the
// marked blocks of the documentation (README.md and docs/*.md), each block in the one page that
// holds it (generatedBlocks). `npm run schema` writes them; a test fails when they are stale.
import { readdirSync, readFileSync } from "node:fs";
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
export const docsDir = "docs";

/** The generated blocks, each with the page that holds it (paths from the repository root, with /). */
export const generatedBlocks = [
    { name: "diagram", page: readmePath },
    { name: "validation-example", page: "docs/configuration.md" },
    { name: "config-reference", page: "docs/configuration.md" },
    { name: "create-times", page: "docs/synth.md" },
] as const;

export type BlockName = (typeof generatedBlocks)[number]["name"];

/** The documentation pages: README.md and every docs/*.md, paths from the repository root. */
export function docPages(root: string): string[] {
    const docs = readdirSync(join(root, docsDir)).filter((f) => f.endsWith(".md")).sort();
    return [readmePath, ...docs.map((f) => `${docsDir}/${f}`)];
}

/** Replaces the text between `<!-- name:start -->` and `<!-- name:end -->` (the one such pair). */
export function replaceBlock(text: string, name: string, content: string, page = "the page"): string {
    const start = `<!-- ${name}:start -->`;
    const end = `<!-- ${name}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) {
        throw new Error(`${page} has no block ${start} ... ${end}`);
    }
    if (text.indexOf(start, from + 1) >= 0 || text.indexOf(end, to + 1) >= 0) {
        throw new Error(`${page} has the block ${start} ... ${end} more than once`);
    }
    return `${text.slice(0, from + start.length)}\n${content.trimEnd()}\n${text.slice(to)}`;
}

/** The names of the marked blocks a page has (each `<!-- name:start -->`). */
export function markedBlocks(text: string): string[] {
    return [...text.matchAll(/<!-- ([a-z0-9-]+):start -->/g)].map((m) => m[1]);
}

/**
 * Marked blocks that are not where generatedBlocks says, as "page: name": a block moved to
 * another page (which the generator would no longer update) or one no generator writes.
 */
export function misplacedBlocks(root: string): string[] {
    const found: string[] = [];
    for (const page of docPages(root)) {
        for (const name of markedBlocks(readFileSync(join(root, page), "utf8"))) {
            if (!generatedBlocks.some((b) => b.name === name && b.page === page)) found.push(`${page}: ${name}`);
        }
    }
    return found;
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

async function blockContent(root: string, name: BlockName): Promise<string> {
    switch (name) {
        case "diagram":
            return devDiagram(root);
        case "validation-example":
            return validationExample(root);
        case "config-reference":
            return configReference();
        case "create-times":
            return createTimesTable();
    }
}

/** The generated files' contents, given the repository root: the schema and every page that holds a block. */
export async function generate(root: string): Promise<GeneratedFiles> {
    const misplaced = misplacedBlocks(root);
    if (misplaced.length > 0) {
        throw new Error(`marked blocks that no generator writes there (see generatedBlocks in tools/docs/generated.ts): ${misplaced.join(", ")}`);
    }
    const pages: Record<string, string> = {};
    for (const { name, page } of generatedBlocks) {
        const text = pages[page] ?? readFileSync(join(root, page), "utf8");
        pages[page] = replaceBlock(text, name, await blockContent(root, name), page);
    }
    return {
        [schemaPath]: `${JSON.stringify(stackFileSchema(), null, 2)}\n`,
        ...pages,
    };
}

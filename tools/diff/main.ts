// npm run diff -- [--base REF] [--stack NAME ...] [--markdown FILE] [--json FILE] [--repo DIR]
// Exit: 0 nothing needs an approval; 3 a production site would lose or replace a data-bearing or
// protected resource; 1 a stack's config is invalid in the change; 2 the diff itself failed.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../../components/project-files";
import { diffPlans, type SiteDiff } from "./diff-plans";
import { markdownReport, textSummary } from "./report";
import { defaultBase, plansToCompare } from "./revisions";

const usage = "usage: npm run diff -- [--base REF] [--stack NAME ...] [--markdown FILE] [--json FILE] [--repo DIR]";

const exitCodes = { ok: 0, invalid: 1, failed: 2, needsApproval: 3 } as const;

async function main(): Promise<number> {
    let args;
    try {
        args = parseArgs({
            options: {
                base: { type: "string" },
                stack: { type: "string", multiple: true },
                markdown: { type: "string" },
                json: { type: "string" },
                repo: { type: "string" },
                help: { type: "boolean" },
            },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (err) {
        console.error(`${(err as Error).message}\n${usage}`);
        return exitCodes.failed;
    }
    if (args.help) {
        console.log(usage);
        return exitCodes.ok;
    }
    // The repository whose working tree is the change; by default this program's own.
    const repo = resolve(args.repo ?? projectRoot());
    const base = args.base ?? defaultBase(repo);
    const pairs = await plansToCompare(repo, base, args.stack ?? []);

    const invalid: string[] = [];
    const failed: string[] = [];
    const diffs: SiteDiff[] = [];
    for (const p of pairs) {
        if (p.headProblems) {
            invalid.push(`${p.stack}: its config is invalid in this change:\n${p.headProblems.map((l) => `  ${l}`).join("\n")}`);
            continue;
        }
        if (p.baseProblems) {
            // Without the base's plan nothing can be said about what the change does to the site.
            failed.push(`${p.stack}: the base revision ${base} does not synthesize it:\n${p.baseProblems.map((l) => `  ${l}`).join("\n")}`);
            continue;
        }
        diffs.push(diffPlans(p.stack, p.base, p.head));
    }
    const revisions = { base, head: "working tree" };
    let markdown = markdownReport(diffs, revisions);
    if (invalid.length > 0) markdown += `\n### Invalid configs\n\n\`\`\`\n${invalid.join("\n")}\n\`\`\`\n`;
    if (failed.length > 0) markdown += `\n### Sites the diff could not compare\n\n\`\`\`\n${failed.join("\n")}\n\`\`\`\n`;
    if (args.markdown) writeFileSync(resolve(args.markdown), markdown);
    if (args.json) writeFileSync(resolve(args.json), `${JSON.stringify({ base, sites: diffs, invalid, failed }, null, 2)}\n`);
    process.stdout.write(textSummary(diffs));
    if (failed.length > 0) {
        console.error([...failed, ...invalid].join("\n"));
        return exitCodes.failed;
    }
    if (invalid.length > 0) {
        console.error(invalid.join("\n"));
        return exitCodes.invalid;
    }
    return diffs.some((d) => d.approvals.length > 0) ? exitCodes.needsApproval : exitCodes.ok;
}

main().then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
        console.error(`diff failed: ${err instanceof Error ? err.message : String(err)}`);
        if (process.env.SRCNET_DEBUG && err instanceof Error && err.stack) console.error(err.stack);
        process.exitCode = exitCodes.failed;
    },
);

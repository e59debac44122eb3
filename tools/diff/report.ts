// The diff as a reviewer reads it: Markdown for the pull-request comment, and a short summary for
// the terminal. Secrets appear only as "changed".
import { isJsonObject, type Json } from "../engine/serialized";
import type { CriticalPath } from "../synth/critical-path";
import type { ChangeKind, ResourceChange, SiteDiff } from "./diff-plans";
import type { InputChange } from "./input-changes";

const verbs: Record<ChangeKind, string> = { create: "created", delete: "deleted", replace: "replaced", update: "updated" };
const symbols: Record<ChangeKind, string> = { create: "+", delete: "-", replace: "+-", update: "~" };
const order: readonly ChangeKind[] = ["replace", "delete", "create", "update"];

function counts(d: SiteDiff): string {
    const parts = order.map((k) => [k, d.changes.filter((c) => c.kind === k).length] as const).filter(([, n]) => n > 0);
    return parts.length === 0 ? "no changes" : parts.map(([k, n]) => `${n} ${verbs[k]}`).join(", ");
}

const inline = (v: Json | undefined) => {
    const text = JSON.stringify(v);
    return text.length > 160 ? `${text.slice(0, 157)}...` : text;
};

/** The lines that differ between two texts, with a line of context, at most `limit` lines. */
export function lineDiff(before: string, after: string, limit = 40): string[] {
    const a = before.split("\n");
    const b = after.split("\n");
    // Longest common subsequence by dynamic programming; texts here are user-data and Helm values.
    const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    const ops: { op: " " | "-" | "+"; line: string }[] = [];
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
        if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ op: " ", line: a[i++] }), j++;
        else if (i < a.length && (j === b.length || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push({ op: "-", line: a[i++] });
        else ops.push({ op: "+", line: b[j++] });
    }
    const keep = ops.map((o, k) => o.op !== " " || ops[k - 1]?.op === "-" || ops[k - 1]?.op === "+" || ops[k + 1]?.op === "-" || ops[k + 1]?.op === "+");
    const out: string[] = [];
    let skipped = false;
    ops.forEach((o, k) => {
        if (!keep[k]) return void (skipped = true);
        if (skipped && out.length > 0) out.push("...");
        skipped = false;
        out.push(`${o.op} ${o.line}`);
    });
    return out.length > limit ? [...out.slice(0, limit), `... ${out.length - limit} more line(s)`] : out;
}

function describeInput(c: InputChange): string[] {
    if (c.secret) return [`\`${c.path}\`: secret, changed`];
    if (typeof c.before === "string" && typeof c.after === "string" && (c.before.includes("\n") || c.after.includes("\n"))) {
        return [`\`${c.path}\`:`, "```diff", ...lineDiff(c.before, c.after), "```"];
    }
    if (Array.isArray(c.before) && Array.isArray(c.after)) {
        const text = (v: Json) => JSON.stringify(v);
        const was = new Set(c.before.map(text));
        const now = new Set(c.after.map(text));
        const removed = c.before.filter((v) => !now.has(text(v)));
        const added = c.after.filter((v) => !was.has(text(v)));
        if (removed.length + added.length === 0) return [`\`${c.path}\`: reordered`];
        return [`\`${c.path}\`:`, ...removed.map((v) => `- removed ${inline(v)}`), ...added.map((v) => `- added ${inline(v)}`)];
    }
    const content = (v: Json | undefined) => (typeof v === "string" ? v : isJsonObject(v) && typeof v.content === "string" ? v.content : undefined);
    const added = content(c.after);
    if (c.before === undefined && added?.includes("\n")) return [`\`${c.path}\`: new`, "```diff", ...lineDiff("", added).filter((l) => l !== "- "), "```"];
    if (c.before === undefined) return [`\`${c.path}\`: set to ${inline(c.after)}`];
    if (c.after === undefined) return [`\`${c.path}\`: removed (was ${inline(c.before)})`];
    return [`\`${c.path}\`: ${inline(c.before)} → ${inline(c.after)}`];
}

function describeChange(c: ResourceChange): string[] {
    const lines = [`- \`${symbols[c.kind]}\` **${c.name}** (\`${c.type}\`) ${verbs[c.kind]}${c.holdsData && (c.kind === "delete" || c.kind === "replace") ? " — holds data" : ""}`];
    if (c.because.length > 0) lines.push(`  - replaced because: ${c.because.map((b) => `\`${b}\``).join(", ")}`);
    if (c.protect) lines.push(`  - protect: ${c.protect.before} → ${c.protect.after}`);
    if (c.retainOnDelete) lines.push(`  - retainOnDelete: ${c.retainOnDelete.before} → ${c.retainOnDelete.after}`);
    for (const note of c.notes) lines.push(`  - ${note}`);
    if (c.kind === "update" || c.kind === "replace") {
        for (const input of c.inputs.slice(0, 30)) {
            const [first, ...rest] = describeInput(input);
            lines.push(`  - ${first}`, ...rest.map((r) => `    ${r}`));
        }
        if (c.inputs.length > 30) lines.push(`  - ... ${c.inputs.length - 30} more input(s)`);
    }
    return lines;
}

const pathText = (p: CriticalPath | undefined) => (p ? `${p.seconds} s` : "none");

function criticalPathLines(d: SiteDiff): string[] {
    const { before, after } = d.criticalPath;
    if (JSON.stringify(before) === JSON.stringify(after)) return [`Critical path: ${pathText(after)} (unchanged)`];
    return [`Critical path: ${pathText(before)} → ${pathText(after)}`, ...(after ? [`  now: ${after.chain.join(" → ")}`] : [])];
}

export function markdownReport(diffs: readonly SiteDiff[], revisions: { readonly base: string; readonly head: string }): string {
    const out = [`## What this change does per site`, "", `Base \`${revisions.base}\`, compared with \`${revisions.head}\`. Offline synth, as \`pulumi up\` would plan it.`, ""];
    const needing = diffs.filter((d) => d.approvals.length > 0);
    if (needing.length > 0) {
        out.push(`> [!CAUTION]`, `> A production site would lose or replace data-bearing resources; this needs an approval.`);
        for (const d of needing) for (const a of d.approvals) out.push(`> - **${d.stack}**: ${a}`);
        out.push("");
    }
    out.push("| site | environment | result |", "|---|---|---|");
    for (const d of diffs) out.push(`| ${d.stack} | ${d.environment} | ${d.status === "new" ? `new site: ${counts(d)}` : d.status === "removed" ? "stack file removed" : counts(d)} |`);
    for (const d of diffs) {
        if (d.status === "unchanged") continue;
        out.push("", `### ${d.stack}`, "");
        for (const w of d.warnings) out.push(`> ${w}`, "");
        if (d.status === "new") {
            out.push(`A new site: ${counts(d)}.`);
        } else {
            for (const kind of order) for (const c of d.changes.filter((x) => x.kind === kind)) out.push(...describeChange(c));
        }
        out.push("", ...criticalPathLines(d));
    }
    return `${out.join("\n")}\n`;
}

export function textSummary(diffs: readonly SiteDiff[]): string {
    const out: string[] = [];
    for (const d of diffs) {
        out.push(`${d.stack} (${d.environment}): ${d.status === "removed" ? "stack file removed" : d.status === "new" ? `new site, ${counts(d)}` : counts(d)}`);
        const listed = d.status === "new" ? [] : d.changes.filter((c) => c.kind !== "update" || c.protect || c.retainOnDelete);
        for (const c of listed) out.push(`  ${symbols[c.kind].padEnd(2)} ${c.name} (${c.type})${c.because.length ? `: ${c.because.join(", ")}` : ""}`);
        for (const w of d.warnings) out.push(`  note: ${w}`);
        for (const a of d.approvals) out.push(`  NEEDS APPROVAL: ${a}`);
        out.push(`  ${criticalPathLines(d)[0]}`);
    }
    return `${out.join("\n")}\n`;
}

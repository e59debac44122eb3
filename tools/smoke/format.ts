// The report as a table for people and as JSON for tools.
import { failed, type SmokeReport } from "./result";

const label = { pass: "pass", fail: "FAIL", skip: "skip" } as const;

export function counts(report: SmokeReport): { passed: number; failed: number; skipped: number } {
    const n = (s: string) => report.results.filter((r) => r.status === s).length;
    return { passed: n("pass"), failed: failed(report), skipped: n("skip") };
}

export function formatTable(report: SmokeReport): string {
    const rows = report.results.map((r) => [label[r.status], `${r.family} ${r.name}`, r.target, r.detail]);
    const head = ["STATUS", "CHECK", "TARGET", "DETAIL"];
    const widths = head.slice(0, 3).map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join("  ").trimEnd();
    const c = counts(report);
    return [
        `smoke checks of site ${report.site} (${report.environment})`,
        line(head),
        ...rows.map(line),
        `${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`,
    ].join("\n");
}

export function formatJson(report: SmokeReport): string {
    const c = counts(report);
    return JSON.stringify({ site: report.site, environment: report.environment, ok: c.failed === 0, ...c, checks: report.results }, null, 2);
}

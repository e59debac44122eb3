// The few lines the synth prints: resources per component and type, and the critical path.
import type { RecordedResource } from "../engine/record";
import type { Plan } from "./plan";
import { createSeconds } from "./create-times";

const shortType = (type: string) => type.split(":").pop() ?? type;

export function summary(plan: Plan, outDir: string): string {
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    const ownerOf = (r: RecordedResource): RecordedResource | undefined => {
        let p = r.parent ? byUrn.get(r.parent) : undefined;
        while (p && p.custom) p = p.parent ? byUrn.get(p.parent) : undefined;
        return p;
    };
    const customs = plan.resources.filter((r) => r.custom);
    const groups = new Map<string, Map<string, number>>();
    for (const r of customs) {
        const owner = ownerOf(r);
        const key = owner ? `${owner.name} (${shortType(owner.type)})` : "(stack)";
        const counts = groups.get(key) ?? new Map<string, number>();
        counts.set(shortType(r.type), (counts.get(shortType(r.type)) ?? 0) + 1);
        groups.set(key, counts);
    }
    const lines = [`${plan.project} ${plan.stack}: ${customs.length} resources in ${plan.resources.length - customs.length} components -> ${outDir}`];
    for (const [component, counts] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const total = [...counts.values()].reduce((a, b) => a + b, 0);
        const detail = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `${n} ${t}`).join(", ");
        lines.push(`  ${component}: ${total} (${detail})`);
    }
    lines.push(`critical path: ~${plan.criticalPath.seconds} s`);
    for (const urn of plan.criticalPath.chain) {
        const r = byUrn.get(urn);
        if (r) lines.push(`  ${String(createSeconds(r.type).seconds).padStart(5)} s  ${shortType(r.type)} ${r.name}`);
    }
    const unknown = [...new Set(customs.map((r) => r.type).filter((t) => !createSeconds(t).known))];
    if (unknown.length) lines.push(`create time estimated by default for: ${unknown.join(", ")}`);
    return lines.join("\n");
}

// The few lines the synth prints: resources per component and type, and the critical path.
import type { RecordedResource } from "../engine/record";
import type { Plan } from "./plan";
import { createSeconds } from "./create-times";
import { countByType, ownerFinder, shortType } from "./ownership";

export function summary(plan: Plan, outDir: string): string {
    const ownerOf = ownerFinder(plan.resources);
    const customs = plan.resources.filter((r) => r.custom);
    const groups = new Map<string, RecordedResource[]>();
    for (const r of customs) {
        const owner = ownerOf(r);
        const key = owner ? `${owner.name} (${shortType(owner.type)})` : "(stack)";
        groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const components = plan.resources.filter((r) => !r.custom && r.parent !== null).length;
    const lines = [`${plan.project} ${plan.stack}: ${customs.length} resources in ${components} components -> ${outDir}`];
    for (const [component, members] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const detail = countByType(members).map(([t, n]) => `${n} ${t}`).join(", ");
        lines.push(`  ${component}: ${members.length} (${detail})`);
    }
    const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
    lines.push(`critical path: ~${plan.criticalPath.seconds} s`);
    for (const urn of plan.criticalPath.chain) {
        const r = byUrn.get(urn);
        if (r) lines.push(`  ${String(createSeconds(r.type).seconds).padStart(5)} s  ${shortType(r.type)} ${r.name}`);
    }
    const unknown = [...new Set(customs.map((r) => r.type).filter((t) => !createSeconds(t).known))];
    if (unknown.length) lines.push(`create time estimated by default for: ${unknown.join(", ")}`);
    return lines.join("\n");
}

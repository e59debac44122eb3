// A Mermaid diagram of the site's components: each part with what it holds, and an arrow from
// a part to every part that waits for it.
import { stackType, type RecordedResource } from "../engine/record";
import { countByType, ownerFinder, shortType } from "./ownership";

export function diagram(resources: readonly RecordedResource[]): string {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const components = resources.filter((r) => !r.custom && r.type !== stackType);
    const ids = new Map(components.map((c, i) => [c.urn, `c${i}`]));
    const ownerOf = ownerFinder(resources);
    const owner = (r: RecordedResource): string | undefined => {
        const o = ownerOf(r);
        return o && ids.has(o.urn) ? o.urn : undefined;
    };
    const held = new Map<string, RecordedResource[]>();
    for (const r of resources) {
        const o = r.custom ? owner(r) : undefined;
        if (o) held.set(o, [...(held.get(o) ?? []), r]);
    }
    const edges = new Set<string>();
    for (const r of resources) {
        const to = r.custom ? owner(r) : undefined;
        for (const dep of r.dependsOn) {
            const d = byUrn.get(dep);
            const from = d ? (d.custom ? owner(d) : d.urn) : undefined;
            if (to && from && from !== to && ids.has(from)) edges.add(`  ${ids.get(from)} --> ${ids.get(to)}`);
        }
    }
    const label = (c: RecordedResource) => {
        const contents = countByType(held.get(c.urn) ?? []).map(([t, n]) => `${n} ${t}`).join("<br/>");
        return `${c.name}<br/><i>${shortType(c.type)}</i>${contents ? `<br/>${contents}` : ""}`;
    };
    // Parts nest inside the component that composes them.
    const lines = ["flowchart LR"];
    const render = (c: RecordedResource, indent: string) => {
        const inner = components.filter((x) => x.parent === c.urn);
        if (inner.length === 0) {
            lines.push(`${indent}${ids.get(c.urn)}["${label(c)}"]`);
            return;
        }
        lines.push(`${indent}subgraph ${ids.get(c.urn)}["${label(c)}"]`);
        inner.forEach((x) => render(x, `${indent}  `));
        lines.push(`${indent}end`);
    };
    components.filter((c) => !c.parent || !ids.has(c.parent)).forEach((c) => render(c, "  "));
    lines.push(...[...edges].sort());
    return `${lines.join("\n")}\n`;
}

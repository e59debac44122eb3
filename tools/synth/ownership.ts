// Which component holds each resource, and short type names for people: shared by the
// summary and the diagram.
import { providerTypePrefix, type RecordedResource } from "../engine/record";

/** `Subnet` for `openstack:networking/subnet:Subnet`; `openstack provider` for a provider. */
export function shortType(type: string): string {
    return type.startsWith(providerTypePrefix) ? `${type.slice(providerTypePrefix.length)} provider` : (type.split(":").pop() ?? type);
}

/** Returns the nearest component ancestor of a resource (the stack for top-level ones). */
export function ownerFinder(resources: readonly RecordedResource[]): (r: RecordedResource) => RecordedResource | undefined {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return (r) => {
        let p = r.parent ? byUrn.get(r.parent) : undefined;
        while (p && p.custom) p = p.parent ? byUrn.get(p.parent) : undefined;
        return p;
    };
}

/** Counts of resources by short type, sorted by type. */
export function countByType(resources: readonly RecordedResource[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(shortType(r.type), (counts.get(shortType(r.type)) ?? 0) + 1);
    return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
}

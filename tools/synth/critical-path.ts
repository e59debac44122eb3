// The longest chain of dependent creations in a recorded site: what bounds how long the first
// `pulumi up` takes, however parallel the engine is.
import type { RecordedResource } from "../engine/record";
import { createSeconds } from "./create-times";

export interface CriticalPath {
    readonly seconds: number;
    /** URNs from the first creation to the last. */
    readonly chain: readonly string[];
}

/**
 * What each custom resource waits for before it can be created: its dependencies, with a
 * component standing for every custom resource inside it (that is how the engine waits on a
 * component), and its provider.
 */
export function creationDependencies(resources: readonly RecordedResource[]): Map<string, string[]> {
    const children = new Map<string, RecordedResource[]>();
    for (const r of resources) {
        if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    }
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const customsUnder = (urn: string): string[] => {
        const r = byUrn.get(urn);
        if (!r) return [];
        if (r.custom) return [urn];
        return (children.get(urn) ?? []).flatMap((c) => customsUnder(c.urn));
    };
    const deps = new Map<string, string[]>();
    for (const r of resources) {
        if (!r.custom) continue;
        const waits = new Set(r.dependsOn.flatMap(customsUnder));
        if (r.provider) waits.add(r.provider);
        waits.delete(r.urn);
        deps.set(r.urn, [...waits].sort());
    }
    return deps;
}

export function criticalPath(resources: readonly RecordedResource[]): CriticalPath {
    const deps = creationDependencies(resources);
    const types = new Map(resources.map((r) => [r.urn, r.type]));
    const best = new Map<string, CriticalPath>();
    const visiting = new Set<string>();
    const longestEndingAt = (urn: string): CriticalPath => {
        const known = best.get(urn);
        if (known) return known;
        if (visiting.has(urn)) throw new Error(`dependency cycle through ${urn}`);
        visiting.add(urn);
        let before: CriticalPath = { seconds: 0, chain: [] };
        for (const dep of deps.get(urn) ?? []) {
            const candidate = longestEndingAt(dep);
            if (candidate.seconds > before.seconds || (candidate.seconds === before.seconds && candidate.chain.length > before.chain.length)) {
                before = candidate;
            }
        }
        visiting.delete(urn);
        const own = createSeconds(types.get(urn) ?? "").seconds;
        const path = { seconds: before.seconds + own, chain: [...before.chain, urn] };
        best.set(urn, path);
        return path;
    };
    let longest: CriticalPath = { seconds: 0, chain: [] };
    for (const urn of [...deps.keys()].sort()) {
        const path = longestEndingAt(urn);
        if (path.seconds > longest.seconds || (path.seconds === longest.seconds && path.chain.length > longest.chain.length)) longest = path;
    }
    return longest;
}

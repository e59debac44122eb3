// Kubernetes releases against the kubeVersion constraints of the charts a site installs (Helm's
// semver constraints, as the vendored charts write them: comparisons joined by spaces or commas,
// alternatives by "||"). A "-0" suffix only admits pre-releases; the release core decides here.

export type Release = readonly [number, number, number];

/** "v1.35.2" or "1.35" -> [1, 35, 2] / [1, 35, 0]; undefined if it is not a release. */
export function parseRelease(text: string): Release | undefined {
    const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
    return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function compare(a: Release, b: Release): number {
    return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

const operators: Record<string, (c: number) => boolean> = {
    "": (c) => c === 0,
    "=": (c) => c === 0,
    "!=": (c) => c !== 0,
    ">": (c) => c > 0,
    "<": (c) => c < 0,
    ">=": (c) => c >= 0,
    "=>": (c) => c >= 0,
    "<=": (c) => c <= 0,
    "=<": (c) => c <= 0,
};

/** Whether `version` meets `constraint`; throws on a constraint form this reader does not know. */
export function satisfies(version: Release, constraint: string): boolean {
    return constraint.split("||").some((group) => {
        // ">= 1.22.0-0" writes the operator apart from its version: join them first.
        const terms = group.trim().replace(/(!=|>=|<=|=>|=<|>|<|=)\s+/g, "$1").split(/[\s,]+/).filter(Boolean);
        if (terms.length === 0) throw new Error(`empty kubeVersion constraint "${constraint}"`);
        return terms.every((term) => {
            const m = /^(!=|>=|<=|=>|=<|>|<|=)?(.+)$/.exec(term)!;
            const bound = parseRelease(m[2]);
            if (!bound) throw new Error(`unsupported kubeVersion constraint "${constraint}" (term "${term}")`);
            return operators[m[1] ?? ""](compare(version, bound));
        });
    });
}

export const formatRelease = (r: Release) => `v${r.join(".")}`;

/** The release as Cluster API and image properties write it: "1.36.3" (of "v1.36.3" or "1.36.3"). */
export const releaseNumber = (text: string) => text.replace(/^v/, "");

/** The release as Kubernetes names it: "v1.36.3". */
export const releaseTag = (text: string) => `v${releaseNumber(text)}`;

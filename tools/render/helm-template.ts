// `helm template` of a vendored chart with the values a Release carries, by the real helm, which
// enforces the chart's values schema and its kubeVersion. No network: the charts' dependencies
// are vendored, and helm's homes are empty temporary directories.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { helmBinary } from "../helm/binary";
import type { KubeObject } from "./kube-schema";
import { vendoredChartDir } from "./reference";

export interface ReleaseToRender {
    readonly name: string;
    readonly namespace: string;
    readonly chart: string;
    readonly version: string;
    readonly values: unknown;
    /** The cluster's Kubernetes release, for the chart's kubeVersion and its capabilities. */
    readonly kubeVersion?: string;
    /** API versions the cluster serves (`group/version` and `group/version/Kind`), for the chart's capability checks. */
    readonly apiVersions?: readonly string[];
}

export type RenderResult = { readonly ok: true; readonly manifest: string } | { readonly ok: false; readonly error: string };

export function helmTemplate(release: ReleaseToRender): RenderResult {
    const chartDir = vendoredChartDir(release.chart, release.version);
    const home = mkdtempSync(join(tmpdir(), "srcnet-helm-"));
    try {
        const valuesFile = join(home, "values.json");
        writeFileSync(valuesFile, JSON.stringify(release.values ?? {}));
        const args = ["template", release.name, chartDir, "--namespace", release.namespace, "--include-crds", "-f", valuesFile];
        if (release.kubeVersion) args.push("--kube-version", release.kubeVersion);
        for (const api of release.apiVersions ?? []) args.push("--api-versions", api);
        const env = { PATH: process.env.PATH ?? "", HOME: home, HELM_CACHE_HOME: join(home, "cache"), HELM_CONFIG_HOME: join(home, "config"), HELM_DATA_HOME: join(home, "data") };
        const run = spawnSync(helmBinary(), args, { encoding: "utf8", env, maxBuffer: 256 * 1024 * 1024 });
        if (run.error) return { ok: false, error: `helm could not run: ${run.error.message}` };
        if (run.status !== 0) return { ok: false, error: run.stderr.trim() || `helm exited with ${run.status}` };
        return { ok: true, manifest: run.stdout };
    } finally {
        rmSync(home, { recursive: true, force: true });
    }
}

/**
 * The objects of a manifest, read as Kubernetes reads YAML (1.1), empty documents skipped: with the
 * `yaml` library, because js-yaml (the program's writer, components/yaml-text.ts) reads only 1.2.
 */
export function manifestObjects(manifest: string): KubeObject[] {
    return parseAllDocuments(manifest, { version: "1.1" })
        .map((doc) => {
            if (doc.errors.length > 0) throw new Error(`unreadable manifest: ${doc.errors[0].message}`);
            return doc.toJS() as KubeObject | null;
        })
        .filter((o): o is KubeObject => o !== null && typeof o === "object");
}

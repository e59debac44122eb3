// Where the upstream reference material lives: the real charts at their pinned releases and the
// strict Kubernetes schemas (../shared/reference beside the repository, or SRCNET_REFERENCE_DIR).
// Only the render harness reads it; `pulumi up` installs charts from their own repositories.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { projectRoot } from "../../components/project-files";

export function referenceDir(): string {
    const dir = process.env.SRCNET_REFERENCE_DIR ?? resolve(projectRoot(), "..", "shared", "reference");
    if (!existsSync(join(dir, "charts")) || !existsSync(join(dir, "kubernetes-schemas", "index.json"))) {
        throw new Error(`the reference charts and schemas are not at ${dir}; put shared/ beside the repository or set SRCNET_REFERENCE_DIR`);
    }
    return dir;
}

/** The vendored chart of a pinned release: `charts/<chart>-<version>`. */
export function vendoredChartDir(chart: string, version: string): string {
    const dir = join(referenceDir(), "charts", `${chart}-${version}`);
    if (!existsSync(join(dir, "Chart.yaml"))) {
        throw new Error(`chart ${chart} ${version} is pinned, but no vendored chart of that version is in ${join(referenceDir(), "charts")}: versions and charts move together`);
    }
    return dir;
}

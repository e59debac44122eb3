// The synth's --render step: every Helm release rendered by the real helm from the vendored
// chart, every object validated, the manifests written beside the release's values.yaml.
import type { Plan } from "./plan";
import type { Artifact } from "./artifacts";
import { manifestFiles, renderSite } from "../render/render-site";
import { crdGroupsOf, kubeVersionOf } from "../render/cluster-facts";

export interface RenderSummary {
    readonly releases: number;
    readonly valid: number;
    /** Kinds that have no schema, as apiVersion/kind. */
    readonly skipped: readonly string[];
    readonly problems: readonly string[];
}

export function renderPlan(plan: Plan): { artifacts: Artifact[]; summary: RenderSummary } {
    const site = renderSite(plan.resources, { kubeVersionFor: kubeVersionOf(plan), crdGroupsFor: crdGroupsOf(plan) });
    const artifacts = site.releases.flatMap((release) =>
        manifestFiles(release).map(({ file, content }) => ({ path: `${release.resource.name}/manifests/${file}`, content })),
    );
    const skipped = [...new Set(site.checks.filter((c) => c.status === "skipped").map((c) => c.id.split(" ")[0]))].sort();
    return {
        artifacts,
        summary: { releases: site.releases.length, valid: site.checks.filter((c) => c.status === "valid").length, skipped, problems: site.problems },
    };
}

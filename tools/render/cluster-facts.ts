// Which cluster a recorded Helm release goes to, and that cluster's Kubernetes release, from the
// plan: releases through the site's workload-cluster provider render for the site's Kubernetes
// version (stack output cluster.kubernetesVersion); others (the management cluster) for helm's own.
import { workloadProviderName } from "../../components/cluster/names";
import type { RecordedResource } from "../engine/record";
import type { Plan } from "../synth/plan";

export function kubeVersionOf(plan: Pick<Plan, "stack" | "outputs" | "resources">): (release: RecordedResource) => string | undefined {
    const outputs = (plan.outputs ?? {}) as { site?: string; cluster?: { kubernetesVersion?: string } };
    const version = outputs.cluster?.kubernetesVersion;
    const provider = plan.resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === workloadProviderName(String(outputs.site)));
    return (release) => (version && provider && release.provider === provider.urn ? version : undefined);
}

// Which cluster a recorded Helm release goes to, and that cluster's Kubernetes release, from the
// plan: releases through the site's workload-cluster provider render for the site's Kubernetes
// version (stack output cluster.kubernetesVersion); others (the management cluster) for helm's own.
import { workloadProviderName } from "../../components/cluster/names";
import type { RecordedResource } from "../engine/record";
import type { Plan } from "../synth/plan";

/** CRDs on the site's workload cluster: cert-manager's, Traefik's and CloudNativePG's, which the site installs. */
const workloadCrdGroups = ["cert-manager.io", "acme.cert-manager.io", "traefik.io", "postgresql.cnpg.io"];
/** CRDs on a Cluster API management cluster: Cluster API's, CAPO's and the addon provider's. */
const managementCrdGroups = ["cluster.x-k8s.io", "controlplane.cluster.x-k8s.io", "bootstrap.cluster.x-k8s.io", "infrastructure.cluster.x-k8s.io", "addons.stackhpc.com"];

function workloadProvider(plan: Pick<Plan, "outputs" | "resources">): RecordedResource | undefined {
    const site = String((plan.outputs as { site?: string } | null)?.site);
    return plan.resources.find((r) => r.type === "pulumi:providers:kubernetes" && r.name === workloadProviderName(site));
}

/** Which CRDs the cluster a release goes to has: the workload cluster's, or else a management cluster's. */
export function crdGroupsOf(plan: Pick<Plan, "outputs" | "resources">): (release: RecordedResource) => readonly string[] {
    const provider = workloadProvider(plan);
    return (release) => (provider && release.provider === provider.urn ? workloadCrdGroups : managementCrdGroups);
}

export function kubeVersionOf(plan: Pick<Plan, "outputs" | "resources">): (release: RecordedResource) => string | undefined {
    const version = (plan.outputs as { cluster?: { kubernetesVersion?: string } } | null)?.cluster?.kubernetesVersion;
    const provider = workloadProvider(plan);
    return (release) => (version && provider && release.provider === provider.urn ? version : undefined);
}

// Magnum labels for the site's cluster. Magnum's drivers read different labels: the Heat driver
// takes the Kubernetes release from kube_tag, the Cluster API (magnum-capi-helm) driver from the
// image's kube_version property; both are set where they apply, so either driver gets its own.
import type { SiteConfig } from "../../../config/schema";
import { cidr as parseCidr } from "../../../config/net";

export type MagnumConfig = Extract<SiteConfig["cluster"], { backend: "magnum" }>;

export function magnumLabels(c: MagnumConfig, adminCidrs: readonly string[]): Record<string, string> {
    const first = c.nodeGroups[0];
    // The Kubernetes API is reachable only from the admin networks (IPv4: Octavia allowed CIDRs).
    const allowed = adminCidrs.filter((a) => parseCidr(a).version === 4).join(",");
    const bounds = first.minCount !== undefined || first.maxCount !== undefined;
    return {
        // Heat-driver tags carry the "v" (v1.30.4); the config may leave it out.
        ...(c.kubernetesVersion ? { kube_tag: `v${c.kubernetesVersion.replace(/^v/, "")}` } : {}),
        auto_healing_enabled: String(c.autoHealing),
        auto_scaling_enabled: String(bounds),
        ...(first.minCount !== undefined ? { min_node_count: String(first.minCount) } : {}),
        ...(first.maxCount !== undefined ? { max_node_count: String(first.maxCount) } : {}),
        cinder_csi_enabled: "true",
        cloud_provider_enabled: "true",
        master_lb_floating_ip_enabled: "true",
        ...(allowed ? { master_lb_allowed_cidrs: allowed, api_master_lb_allowed_cidrs: allowed } : {}),
        ...c.labels,
    };
}

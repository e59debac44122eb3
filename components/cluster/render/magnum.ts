// Magnum labels for the site's cluster, for the driver the program supports: Magnum's Cluster API
// driver (stackhpc/magnum-capi-helm), which upstream Magnum keeps after removing its Heat driver
// in May 2026. That driver takes the Kubernetes release from the image's kube_version property,
// not from a label, and reads the labels below (magnum_capi_helm/driver.py).
import type { SiteConfig } from "../../../config/schema";
import { cidr as parseCidr } from "../../../config/net";
import type { VolumeClass } from "./platform";

export type MagnumConfig = Extract<SiteConfig["cluster"], { backend: "magnum" }>;
export type NodeGroupConfig = MagnumConfig["nodeGroups"][number];

/** Node counts as Magnum takes them: an autoscaling group starts at its minimum, a fixed one has min = max = count. */
export function nodeCounts(g: NodeGroupConfig): { count: number; min: number; max: number } {
    if (g.count !== undefined) return { count: g.count, min: g.count, max: g.count };
    return { count: g.minCount!, min: g.minCount!, max: g.maxCount! };
}

export const autoscales = (g: NodeGroupConfig) => g.count === undefined;

export interface MagnumFacts {
    readonly adminCidrs: readonly string[];
    readonly volumeClass: VolumeClass;
}

export function magnumLabels(c: MagnumConfig, f: MagnumFacts): Record<string, string> {
    const first = nodeCounts(c.nodeGroups[0]);
    // Read into the chart's apiServer.allowedCidrs, a key openstack-cluster 0.24 and later no
    // longer reads (it reads allowedCIDRs), so today it limits nothing: see apiFloatingIp.
    const allowed = f.adminCidrs.filter((a) => parseCidr(a).version === 4).join(",");
    return {
        auto_healing_enabled: String(c.autoHealing),
        // Cluster-wide; each group then scales between its own bounds, the default group between these labels.
        auto_scaling_enabled: String(c.nodeGroups.some(autoscales)),
        min_node_count: String(first.min),
        max_node_count: String(first.max),
        master_lb_floating_ip_enabled: String(c.apiFloatingIp),
        ...(allowed ? { api_master_lb_allowed_cidrs: allowed } : {}),
        // The cluster's default storage class (the one for Cinder's default volume type).
        csi_cinder_reclaim_policy: f.volumeClass.reclaimPolicy,
        csi_cinder_availability_zone: f.volumeClass.availabilityZone,
        csi_cinder_allow_volume_expansion: "true",
        ...c.labels,
    };
}

// Magnum labels for the site's cluster, for the driver the program supports: Magnum's Cluster API
// driver (stackhpc/magnum-capi-helm), which upstream Magnum keeps after removing its Heat driver
// in May 2026. That driver takes the Kubernetes release from the image's kube_version property,
// not from a label, and reads the labels below (magnum_capi_helm/driver.py). Every label is a
// cluster setting that Magnum fixes at creation: changing one replaces the cluster.
import type { SiteConfig } from "../../../config/schema";
import { groupSize, type NodeGroupConfig } from "./node-groups";
import type { VolumeClass } from "./platform";

export type MagnumConfig = Extract<SiteConfig["cluster"], { backend: "magnum" }>;

/** Node counts as Magnum takes them: an autoscaling group starts at its minimum, a fixed one has min = max = count. */
export function nodeCounts(g: NodeGroupConfig): { count: number; min: number; max: number } {
    const size = groupSize(g);
    return size.autoscales ? { count: size.min, min: size.min, max: size.max } : { count: size.count, min: size.count, max: size.count };
}

export function magnumLabels(c: MagnumConfig, volumeClass: VolumeClass): Record<string, string> {
    const first = groupSize(c.nodeGroups[0]);
    return {
        auto_healing_enabled: String(c.autoHealing),
        // Cluster-wide; each group then scales between its own bounds. The default group's bounds
        // come from these labels; without them the driver holds a fixed group at its node count.
        auto_scaling_enabled: String(c.nodeGroups.some((g) => groupSize(g).autoscales)),
        ...(first.autoscales ? { min_node_count: String(first.min), max_node_count: String(first.max) } : {}),
        // The cloud's management cluster reaches the API through it (there is no API without it).
        master_lb_floating_ip_enabled: "true",
        // Not api_master_lb_allowed_cidrs: the driver passes it as apiServer.allowedCidrs, which
        // openstack-cluster 0.24 and later do not read, so it would limit nothing.
        // The cluster's default storage class (the one for Cinder's default volume type).
        csi_cinder_reclaim_policy: volumeClass.reclaimPolicy,
        csi_cinder_availability_zone: volumeClass.availabilityZone,
        csi_cinder_allow_volume_expansion: "true",
        ...c.labels,
    };
}

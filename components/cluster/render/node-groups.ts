// A node group's size as both cluster backends take it: fixed, or autoscaling between bounds and
// starting at the lower one (openstack-cluster leaves an autoscaling group's replicas to the
// autoscaler). Validation guarantees that each group is one or the other.
import type { SiteConfig } from "../../../config/schema";

export type NodeGroupConfig = Extract<SiteConfig["cluster"], { backend: "magnum" | "capi" }>["nodeGroups"][number];

export type GroupSize = { readonly autoscales: false; readonly count: number } | { readonly autoscales: true; readonly min: number; readonly max: number };

export function groupSize(g: NodeGroupConfig): GroupSize {
    if (g.count !== undefined) return { autoscales: false, count: g.count };
    return { autoscales: true, min: g.minCount!, max: g.maxCount! };
}

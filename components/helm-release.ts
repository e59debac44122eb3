// A Helm release of a chart pinned in config/versions.ts: every release the site installs names
// its chart, version and repository the same way, so a preview shows a version change as one input.
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ChartPin } from "../config/versions";

export function pinnedRelease(
    name: string,
    pin: ChartPin,
    namespace: pulumi.Input<string>,
    values: pulumi.Input<Record<string, unknown>>,
    more: Partial<k8s.helm.v3.ReleaseArgs> = {},
): k8s.helm.v3.ReleaseArgs {
    return { name, chart: pin.chart, version: pin.version, repositoryOpts: { repo: pin.repo }, namespace, values, ...more };
}

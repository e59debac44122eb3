// The existing backend: a cluster someone else runs, given by a kubeconfig stack secret.
import type { BackendArgs, BackendCluster } from "./backend";

export function existingCluster(args: Pick<BackendArgs, "kubeconfigSecret">): BackendCluster {
    if (!args.kubeconfigSecret) {
        throw new Error("the existing backend needs the kubeconfig secret (validation requires it)");
    }
    return { kubeconfig: args.kubeconfigSecret };
}

// How long the site waits on the cloud while its cluster comes up: one deadline, from which each
// wait that depends on cloud resources is derived. (Waits in a row each get it in full: the
// Cluster API release, then the wait for the cluster's kubeconfig.)

/** Cluster API and Magnum build a cluster in about a quarter of an hour; an hour leaves room for slow clouds. */
export const clusterReadyMinutes = 60;

/**
 * Helm's wait (install, upgrade and uninstall) for a release whose readiness waits on the cloud:
 * the Cluster API release (its autoscaler mounts the kubeconfig that exists only once the API's
 * load balancer does; uninstalling waits until the cluster is gone) and the ingress controller
 * (its Service waits for an Octavia load balancer). Helm's own default, 300 s, is too short.
 */
export const cloudReleaseTimeoutSeconds = clusterReadyMinutes * 60;

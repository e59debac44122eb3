// Names of the cluster part that other parts and tools need to find.

/** The Kubernetes provider of the site's workload cluster. */
export const workloadProviderName = (sitePrefix: string) => `${sitePrefix}-k8s`;

/** The Cinder storage class the site creates on a cluster it owns. */
export const siteStorageClass = "srcnet-cinder";

// Names of the cluster part that other parts and tools need to find.

/** The Kubernetes provider of the site's workload cluster. */
export const workloadProviderName = (sitePrefix: string) => `${sitePrefix}-k8s`;

/** The Cinder storage class the site creates on a cluster it owns. */
export const siteStorageClass = "srcnet-cinder";

/** The site's cluster as its cloud knows it (Magnum's cluster, or Cluster API's); a Magnum template's name starts with it. */
export const clusterName = (sitePrefix: string) => `${sitePrefix}-k8s`;

/** The application credential of a Cluster API cluster's controllers. */
export const capiCredentialName = (sitePrefix: string) => `${sitePrefix}-capi`;

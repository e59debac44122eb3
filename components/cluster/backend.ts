// What every cluster backend takes and gives: the rest of the site sees only a kubeconfig (made
// into a Kubernetes provider) and the resource whose deletion takes the cluster's contents along.
import type * as pulumi from "@pulumi/pulumi";
import type * as openstack from "@pulumi/openstack";
import type { VolumeClass } from "./render/platform";

export interface BackendArgs {
    readonly parent: pulumi.Resource;
    readonly namePrefix: string;
    readonly openstack: openstack.Provider;
    readonly network: {
        readonly networkId: pulumi.Input<string>;
        readonly subnetId: pulumi.Input<string>;
        readonly externalNetworkId: string;
        /** The site router's address on the external network: nodes reach the API's floating IP from it. */
        readonly routerExternalIp: pulumi.Input<string>;
        /** Nodes reach the internet, and operators the API, once the subnet is routed. */
        readonly ready: pulumi.Resource;
    };
    readonly adminCidrs: readonly string[];
    readonly keyPair?: string;
    /** The cluster's default storage class, which the backend creates. */
    readonly volumeClass: VolumeClass;
    /** CA certificates (PEM) the cluster's controllers verify the cloud's endpoints with. */
    readonly cloudCaCertificates: string;
    /** A Magnum template the preflight found by name. */
    readonly existingTemplateId?: string;
    /** Keystone's endpoint and region, for credentials handed to Cluster API. */
    readonly identity?: { readonly authUrl: string; readonly region: string };
    readonly kubeconfigSecret?: pulumi.Output<string>;
    readonly managementKubeconfigSecret?: pulumi.Output<string>;
}

export interface BackendCluster {
    readonly kubeconfig: pulumi.Output<string>;
    /** Deleting this deletes the cluster; in-cluster resources are deletedWith it. Absent for an existing cluster. */
    readonly anchor?: pulumi.Resource;
}

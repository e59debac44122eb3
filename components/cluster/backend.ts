// What every cluster backend takes and gives: the rest of the site sees only a kubeconfig (made
// into a Kubernetes provider) and the resource whose deletion takes the cluster's contents along.
import type * as pulumi from "@pulumi/pulumi";
import type * as openstack from "@pulumi/openstack";

export interface BackendArgs {
    readonly parent: pulumi.Resource;
    readonly namePrefix: string;
    readonly openstack: openstack.Provider;
    readonly network: {
        readonly networkId: pulumi.Input<string>;
        readonly subnetId: pulumi.Input<string>;
        readonly externalNetworkId: string;
        /** Nodes reach the internet, and operators the API, once the subnet is routed. */
        readonly ready: pulumi.Resource;
    };
    readonly adminCidrs: readonly string[];
    readonly keyPair?: string;
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

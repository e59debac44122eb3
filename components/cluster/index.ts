// The cluster part: Magnum, Cluster API or an existing cluster behind one interface. The rest of
// the site sees a Kubernetes provider, the ingress address and class, and a few facts about the cluster.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as openstack from "@pulumi/openstack";
import type { SiteConfig } from "../../config/schema";
import { capiCluster } from "./capi";
import { existingCluster } from "./existing";
import { magnumCluster } from "./magnum";
import type { BackendArgs } from "./backend";
import { siteStorageClass, workloadProviderName } from "./names";
import { siteIngressClass, volumeZoneOf } from "../../config/derive";

export interface SiteClusterArgs extends Omit<BackendArgs, "parent" | "volumeClass"> {
    readonly config: SiteConfig["cluster"];
    readonly tags: readonly string[];
    /** External network name: the pool of the ingress floating IP. */
    readonly externalNetwork: string;
    /** Keep the volumes of deleted claims (production sites). */
    readonly retainVolumes: boolean;
    /**
     * Let a refresh drop resources of a cluster that is gone (test sites); a production cluster
     * that cannot be reached is an error to look into, not state to forget.
     */
    readonly forgetUnreachable: boolean;
}

export class SiteCluster extends pulumi.ComponentResource {
    readonly provider: k8s.Provider;
    /** The address DNS gives JupyterHub and Rucio: the ingress load balancer's floating IP. */
    readonly ingressAddress: pulumi.Output<string>;
    /** The ingress class the site's ingresses and ACME challenges use. */
    readonly ingressClass: string;
    /** In-cluster resources are deleted with this (the cluster itself); absent for an existing cluster. */
    readonly anchor?: pulumi.Resource;
    /** Prefix of the namespaces this site creates (shared clusters). */
    readonly namespacePrefix: string;
    /** Whether this site installs the ingress controller and cert-manager. */
    readonly installPlatform: boolean;
    /**
     * The storage class of user volumes and databases, when it has a name the site knows: the
     * Cluster API cluster's default, or the one an existing cluster's config names. Otherwise the
     * cluster's default is used (on Magnum, named after Cinder's default volume type).
     */
    readonly storageClass?: string;

    constructor(name: string, args: SiteClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:cluster:SiteCluster", name, {}, opts);
        const c = args.config;
        const reclaimPolicy = args.retainVolumes ? "Retain" : "Delete";
        const backendArgs = (availabilityZone: string): BackendArgs => ({ ...args, parent: this, volumeClass: { reclaimPolicy, availabilityZone } });
        const zone = volumeZoneOf(c);
        const backend =
            c.backend === "magnum" ? magnumCluster(c, backendArgs(zone!)) : c.backend === "capi" ? capiCluster(c, backendArgs(zone!)) : existingCluster(args);

        if (c.backend === "existing") {
            this.ingressAddress = pulumi.output(c.ingressAddress ?? "");
        } else if (c.ingress.floatingIp) {
            this.ingressAddress = pulumi.output(c.ingress.floatingIp);
        } else {
            // Allocated before the cluster exists, so that DNS does not wait for the cluster.
            this.ingressAddress = new openstack.networking.FloatingIp(
                `${args.namePrefix}-ingress`,
                { pool: args.externalNetwork, description: `Ingress of SRC site ${args.namePrefix}`, tags: [...args.tags] },
                { parent: this, provider: args.openstack },
            ).address;
        }
        this.provider = new k8s.Provider(
            workloadProviderName(args.namePrefix),
            { kubeconfig: backend.kubeconfig, enableServerSideApply: true, deleteUnreachable: args.forgetUnreachable },
            { parent: this },
        );
        this.anchor = backend.anchor;
        this.namespacePrefix = c.backend === "existing" && c.namespacePrefix ? `${c.namespacePrefix}-` : "";
        this.installPlatform = c.backend === "existing" ? c.installPlatform : true;
        this.ingressClass = c.backend === "existing" ? c.ingressClass : siteIngressClass;
        this.storageClass = c.backend === "existing" ? c.storageClass : c.backend === "capi" ? siteStorageClass : undefined;
        this.registerOutputs({ ingressAddress: this.ingressAddress });
    }
}

export { siteStorageClass, workloadProviderName };

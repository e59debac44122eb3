// Platform services on the site's cluster: ingress-nginx behind the ingress floating IP, the
// default storage class, and the RSE's storage areas as read-only volumes for JupyterHub. Every
// resource uses the cluster's provider and is deleted with the cluster.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { DerivedStorageArea } from "../../config/derive";
import { chartRepositories, versions } from "../versions";
import { ingressNginxValues, rseVolumeManifests, storageClassManifest, type StorageClassSpec } from "./render/platform";

export interface ClusterPlatformArgs {
    readonly namePrefix: string;
    readonly provider: k8s.Provider;
    readonly deletedWith?: pulumi.Resource;
    readonly namespacePrefix: string;
    /** Install ingress-nginx (not on a shared cluster that has one). */
    readonly installIngress: boolean;
    readonly ingressAddress: pulumi.Input<string>;
    /** Create the site's storage class (on a cluster the site owns). */
    readonly storageClass?: StorageClassSpec;
    /** The RSE's storage areas to mount in notebooks; absent without JupyterHub. */
    readonly rse?: {
        readonly name: string;
        readonly areas: readonly DerivedStorageArea[];
        readonly nfsServer: pulumi.Input<string>;
        readonly volumeSizeGb: number;
    };
}

export class ClusterPlatform extends pulumi.ComponentResource {
    /** The namespace JupyterHub runs in, holding the RSE claims. */
    readonly jupyterhubNamespace?: pulumi.Output<string>;

    constructor(name: string, args: ClusterPlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:cluster:ClusterPlatform", name, {}, opts);
        const child: pulumi.CustomResourceOptions = { parent: this, provider: args.provider, deletedWith: args.deletedWith };
        const n = (suffix: string) => `${args.namePrefix}-${suffix}`;
        const ns = (base: string) => `${args.namespacePrefix}${base}`;

        if (args.installIngress) {
            const namespace = new k8s.core.v1.Namespace(n("ingress-nginx"), { metadata: { name: ns("ingress-nginx") } }, child);
            new k8s.helm.v3.Release(
                n("ingress-nginx"),
                {
                    name: "ingress-nginx",
                    chart: "ingress-nginx",
                    version: versions.ingressNginxChart,
                    repositoryOpts: { repo: chartRepositories.ingressNginx },
                    namespace: namespace.metadata.name,
                    values: pulumi.output(args.ingressAddress).apply(ingressNginxValues),
                },
                child,
            );
        }
        if (args.storageClass) {
            new k8s.storage.v1.StorageClass(n("storage-class"), storageClassManifest(args.storageClass), child);
        }
        if (args.rse) {
            const rse = args.rse;
            const namespace = new k8s.core.v1.Namespace(n("jupyterhub"), { metadata: { name: ns("jupyterhub") } }, child);
            this.jupyterhubNamespace = namespace.metadata.name;
            for (const area of rse.areas) {
                const manifests = rseVolumeManifests(area, {
                    sitePrefix: args.namePrefix,
                    rse: rse.name,
                    namespace: namespace.metadata.name,
                    nfsServer: rse.nfsServer,
                    volumeSizeGb: rse.volumeSizeGb,
                });
                const volume = new k8s.core.v1.PersistentVolume(n(`rse-${area.name}`), manifests.volume, child);
                new k8s.core.v1.PersistentVolumeClaim(n(`rse-${area.name}`), manifests.claim, { ...child, dependsOn: [volume] });
            }
        }
        this.registerOutputs({ jupyterhubNamespace: this.jupyterhubNamespace });
    }
}

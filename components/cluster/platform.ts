// Platform services on the site's cluster: Traefik behind the ingress floating IP and the RSE's
// storage areas as read-only volumes for JupyterHub. Resources that hold nothing outside the
// cluster are deleted with it; the ingress controller is not: its Service holds an Octavia load
// balancer on the site subnet, which only the cloud controller removes, and only while the
// cluster still runs. Deleting it first lets the subnet and network go.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { DerivedStorageArea } from "../../config/derive";
import { charts } from "../../config/versions";
import { pinnedRelease } from "../helm-release";
import { rseVolumeManifests, traefikNamespace, traefikValues } from "./render/platform";
import { cloudReleaseTimeoutSeconds } from "./timeouts";

export interface ClusterPlatformArgs {
    readonly namePrefix: string;
    readonly provider: k8s.Provider;
    readonly deletedWith?: pulumi.Resource;
    readonly namespacePrefix: string;
    /** Install Traefik (not on a shared cluster that has its own ingress controller). */
    readonly installIngress: boolean;
    readonly ingressClass: string;
    /** Whether the site owns the cluster, so that its ingress class may be the cluster's default. */
    readonly ownsCluster: boolean;
    readonly ingressAddress: pulumi.Input<string>;
    /** Production: JupyterHub's namespace, where the users' home volumes are, is protected and kept. */
    readonly protectData: boolean;
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
            // Not deleted with the cluster: see the header.
            const ingress = { parent: this, provider: args.provider };
            const namespace = new k8s.core.v1.Namespace(n("traefik"), { metadata: { name: traefikNamespace(args.namespacePrefix) } }, ingress);
            new k8s.helm.v3.Release(
                n("traefik"),
                pinnedRelease(
                    "traefik",
                    charts.traefik,
                    namespace.metadata.name,
                    pulumi.output(args.ingressAddress).apply((address) => traefikValues({ address, ingressClass: args.ingressClass, defaultClass: args.ownsCluster })),
                    { timeout: cloudReleaseTimeoutSeconds },
                ),
                ingress,
            );
        }
        if (args.rse) {
            const rse = args.rse;
            // The users' home volumes (claims KubeSpawner makes, Cinder volumes) live in this
            // namespace: deleting it while the cluster runs lets the cloud remove them on a test
            // site; in production it is protected and outlives a removal from the program.
            const homes: pulumi.CustomResourceOptions = args.protectData ? { parent: this, provider: args.provider, protect: true, retainOnDelete: true } : { parent: this, provider: args.provider };
            const namespace = new k8s.core.v1.Namespace(n("jupyterhub"), { metadata: { name: ns("jupyterhub") } }, homes);
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

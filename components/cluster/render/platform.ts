// What the site installs on its cluster, as data: ingress-nginx values for large transfers behind
// an OpenStack load balancer, the Cinder storage class, and the read-only volumes of the RSE.
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { DerivedStorageArea } from "../../../config/derive";

/** The ingress class of the site's ingress controller; ACME challenges and ingresses name it. */
export const ingressClass = "nginx";

/** An hour: long enough for a large upload or download through the ingress. */
const transferTimeoutSeconds = 3600;

export function ingressNginxValues(address: string): Record<string, unknown> {
    return {
        controller: {
            replicaCount: 2,
            ingressClass,
            ingressClassResource: { name: ingressClass, enabled: true, default: true },
            service: {
                type: "LoadBalancer",
                // The floating IP allocated (or given) for the site: DNS points at it before the cluster exists.
                loadBalancerIP: address,
                annotations: {
                    // The address is the site's, not the load balancer's: keep it when the service goes.
                    "loadbalancer.openstack.org/keep-floatingip": "true",
                    "loadbalancer.openstack.org/timeout-client-data": String(transferTimeoutSeconds * 1000),
                    "loadbalancer.openstack.org/timeout-member-data": String(transferTimeoutSeconds * 1000),
                },
            },
            config: {
                // No size limit and no buffering: uploads stream through to Rucio and JupyterHub.
                "proxy-body-size": "0",
                "proxy-request-buffering": "off",
                "proxy-buffering": "off",
                "proxy-read-timeout": String(transferTimeoutSeconds),
                "proxy-send-timeout": String(transferTimeoutSeconds),
            },
        },
    };
}

export interface StorageClassSpec {
    readonly name: string;
    /** Production keeps a volume whose claim is deleted (databases, user homes). */
    readonly reclaimPolicy: "Retain" | "Delete";
}

export function storageClassManifest(spec: StorageClassSpec): k8s.storage.v1.StorageClassArgs {
    return {
        metadata: { name: spec.name, annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "cinder.csi.openstack.org",
        reclaimPolicy: spec.reclaimPolicy,
        allowVolumeExpansion: true,
        volumeBindingMode: "WaitForFirstConsumer",
    };
}

export interface RseVolumeFacts {
    readonly sitePrefix: string;
    readonly rse: string;
    /** Known at deploy time only (the namespace's and the node's address): placed as given. */
    readonly namespace: pulumi.Input<string>;
    readonly nfsServer: pulumi.Input<string>;
    readonly volumeSizeGb: number;
}

/** Labels by which JupyterHub finds the volumes of the site's RSE. */
export const rseLabels = (rse: string, area: string) => ({ "srcnet-site/rse": rse, "srcnet-site/storage-area": area });

export const rseClaimName = (area: DerivedStorageArea) => `rse-${area.name}`;

/** A read-only NFS volume of one storage area, bound to the claim JupyterHub mounts. */
export interface RseVolumeManifests {
    readonly volume: k8s.core.v1.PersistentVolumeArgs;
    readonly claim: k8s.core.v1.PersistentVolumeClaimArgs;
}

export function rseVolumeManifests(area: DerivedStorageArea, f: RseVolumeFacts): RseVolumeManifests {
    const name = `${f.sitePrefix}-rse-${area.name}`;
    const size = `${area.quotaGb ?? f.volumeSizeGb}Gi`;
    const labels = rseLabels(f.rse, area.name);
    const claim = rseClaimName(area);
    return {
        volume: {
            metadata: { name, labels },
            spec: {
                capacity: { storage: size },
                accessModes: ["ReadOnlyMany"],
                nfs: { server: f.nfsServer, path: area.rootPath, readOnly: true },
                mountOptions: ["nfsvers=4.2", "ro", "noatime"],
                // The data is the storage node's: never deleted from here.
                persistentVolumeReclaimPolicy: "Retain",
                storageClassName: "",
                claimRef: { namespace: f.namespace, name: claim },
            },
        },
        claim: {
            metadata: { name: claim, namespace: f.namespace, labels },
            spec: { accessModes: ["ReadOnlyMany"], storageClassName: "", volumeName: name, resources: { requests: { storage: size } } },
        },
    };
}

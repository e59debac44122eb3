// What the site installs on its cluster, as data: Traefik values for large transfers behind an
// OpenStack load balancer, the cluster's default storage class as the backends make it, and the
// read-only volumes of the RSE.
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type { DerivedStorageArea } from "../../../config/derive";

/** The longest single upload or download through the ingress (Traefik's read and write deadlines cover a whole request). */
export const transferSeconds = 6 * 3600;
/** How long a transfer may stall before Octavia drops it (its data timeouts are inactivity timeouts). */
export const stallSeconds = 3600;

/**
 * Where the site's Traefik runs and what its pods answer HTTPS on, for a network policy that lets
 * a pod reach it: the chart labels its pods with its name (traefik 41.3.0 templates/_helpers.tpl:97)
 * and listens for websecure on 8443 (values.yaml:1009-1012).
 */
export const traefikNamespace = (namespacePrefix: string) => `${namespacePrefix}traefik`;
export const traefikPods = { labels: { "app.kubernetes.io/name": "traefik" }, httpsPort: 8443 } as const;

export interface TraefikFacts {
    /** The floating IP DNS points at, allocated before the cluster exists. */
    readonly address: string;
    readonly ingressClass: string;
    /** Make its class the cluster's default: on a cluster the site owns, not on a shared one that may have its own default. */
    readonly defaultClass: boolean;
}

export function traefikValues(f: TraefikFacts): Record<string, unknown> {
    // Traefik streams request bodies (no buffering middleware is configured) and sets no body size
    // limit; its entry points' read deadline (60 s by default) would cut every longer upload.
    const timeouts = { respondingTimeouts: { readTimeout: `${transferSeconds}s`, writeTimeout: `${transferSeconds}s`, idleTimeout: "180s" } };
    return {
        deployment: { replicas: 2 },
        podDisruptionBudget: { enabled: true, minAvailable: 1 },
        ingressClass: { enabled: true, isDefaultClass: f.defaultClass, name: f.ingressClass },
        providers: { kubernetesIngress: { enabled: true, publishedService: { enabled: true } }, kubernetesGateway: { enabled: false } },
        ports: {
            web: {
                // HTTP to HTTPS, except ACME's HTTP-01 challenges, which cert-manager answers on port 80.
                allowACMEByPass: true,
                http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } },
                transport: timeouts,
            },
            websecure: { transport: timeouts },
        },
        service: {
            annotations: {
                // The address is the site's: the cloud controller leaves it allocated when the service goes.
                "loadbalancer.openstack.org/keep-floatingip": "true",
                "loadbalancer.openstack.org/timeout-client-data": String(stallSeconds * 1000),
                "loadbalancer.openstack.org/timeout-member-data": String(stallSeconds * 1000),
            },
            // The cloud controller binds the load balancer to this pre-allocated floating IP.
            spec: { loadBalancerIP: f.address },
        },
    };
}

/** The cluster's one default storage class, for user volumes and databases, as the backend creates it. */
export interface VolumeClass {
    /** Production keeps a volume whose claim is deleted (databases, user homes). */
    readonly reclaimPolicy: "Retain" | "Delete";
    readonly availabilityZone: string;
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

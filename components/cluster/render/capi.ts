// Values of the openstack-cluster chart (azimuth-cloud capi-helm-charts) for the site's workload
// cluster, and the clouds.yaml its controllers authenticate with (an application credential).
import { stringify } from "yaml";
import type { SiteConfig } from "../../../config/schema";

export type CapiConfig = Extract<SiteConfig["cluster"], { backend: "capi" }>;

export interface CapiFacts {
    /** Secret (in the management cluster) holding clouds.yaml. */
    readonly credentialsSecret: string;
    readonly externalNetworkId: string;
    readonly networkId: string;
    readonly subnetId: string;
    readonly adminCidrs: readonly string[];
    readonly keyPair?: string;
}

export function capiValues(c: CapiConfig, f: CapiFacts): Record<string, unknown> {
    return {
        cloudCredentialsSecretName: f.credentialsSecret,
        kubernetesVersion: c.kubernetesVersion.replace(/^v/, ""),
        machineImage: c.image,
        ...(f.keyPair ? { machineSSHKeyName: f.keyPair } : {}),
        controlPlane: { machineFlavor: c.controlPlane.flavor, machineCount: c.controlPlane.count },
        nodeGroups: c.nodeGroups.map((g) => ({
            name: g.name,
            machineFlavor: g.flavor,
            machineCount: g.count,
            ...(g.minCount !== undefined || g.maxCount !== undefined
                ? { autoscale: true, machineCountMin: g.minCount ?? g.count, machineCountMax: g.maxCount ?? g.count }
                : {}),
        })),
        // Nodes join the site's own network, where the storage node exports to them over NFS.
        clusterNetworking: {
            externalNetworkId: f.externalNetworkId,
            internalNetwork: { networkFilter: { id: f.networkId }, subnetFilter: { id: f.subnetId } },
        },
        // The Kubernetes API behind a load balancer with a floating IP, admitting the admin networks only.
        apiServer: { enableLoadBalancer: true, associateFloatingIP: true, ...(f.adminCidrs.length ? { allowedCIDRs: [...f.adminCidrs] } : {}) },
        // The site installs its own ingress and certificate manager, the same on every backend.
        addons: { ingress: { enabled: false }, certManager: { enabled: false }, monitoring: { enabled: false } },
    };
}

export interface ApplicationCredential {
    readonly authUrl: string;
    readonly region: string;
    readonly id: string;
    readonly secret: string;
}

/** The chart reads the cloud named "openstack" from this file. */
export function cloudsYaml(credential: ApplicationCredential): string {
    return stringify({
        clouds: {
            openstack: {
                auth: { auth_url: credential.authUrl, application_credential_id: credential.id, application_credential_secret: credential.secret },
                region_name: credential.region,
                interface: "public",
                identity_api_version: 3,
                auth_type: "v3applicationcredential",
            },
        },
    });
}

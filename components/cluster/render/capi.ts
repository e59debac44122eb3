// Values of the openstack-cluster chart (azimuth-cloud capi-helm-charts 0.27.0) for the site's
// workload cluster, and the clouds.yaml its controllers authenticate with (an application
// credential). Keys as the chart's values.yaml and templates read them.
import { yamlText } from "../../yaml-text";
import type { SiteConfig } from "../../../config/schema";
import { ipv4Only, isIPv4Address } from "../../../config/net";
import { releaseNumber } from "../../../config/kube-version";
import { groupSize, type NodeGroupConfig } from "./node-groups";
import { siteStorageClass } from "../names";
import type { VolumeClass } from "./platform";

export type CapiConfig = Extract<SiteConfig["cluster"], { backend: "capi" }>;

export interface CapiFacts {
    /** Secret (in the management cluster) holding clouds.yaml and cacert. */
    readonly credentialsSecret: string;
    readonly externalNetworkId: string;
    readonly networkId: string;
    readonly subnetId: string;
    readonly adminCidrs: readonly string[];
    /** The site router's external address: nodes reach the API's floating IP through its SNAT. */
    readonly routerExternalIp: string;
    readonly keyPair?: string;
    readonly volumeClass: VolumeClass;
}

/**
 * Who may reach the Kubernetes API's load balancer: the operators, the management cluster's
 * controllers, and the nodes, whose traffic to the floating IP leaves through the site router.
 * CAPO adds the cluster subnet itself, but a router only when it created it (the site made this
 * one), and keeps IPv4 entries only.
 */
export function apiAllowedCidrs(c: CapiConfig, f: Pick<CapiFacts, "adminCidrs" | "routerExternalIp">): string[] {
    // Neutron gives a router's gateway an address once it is up; without one, nodes could not join.
    if (!isIPv4Address(f.routerExternalIp)) {
        throw new Error(`the site router has no IPv4 address on the external network (got "${f.routerExternalIp}"), which the Kubernetes API must admit for the nodes to join`);
    }
    return [...new Set([...ipv4Only(f.adminCidrs), ...c.managementEgressCidrs, `${f.routerExternalIp}/32`])];
}

function nodeGroup(g: NodeGroupConfig, zone: string): Record<string, unknown> {
    const size = groupSize(g);
    const count = size.autoscales ? { autoscale: true, machineCountMin: size.min, machineCountMax: size.max } : { machineCount: size.count };
    return { name: g.name, machineFlavor: g.flavor, failureDomain: zone, ...count };
}

export function capiValues(c: CapiConfig, f: CapiFacts): Record<string, unknown> {
    const zone = c.availabilityZone;
    return {
        cloudCredentialsSecretName: f.credentialsSecret,
        kubernetesVersion: releaseNumber(c.kubernetesVersion),
        machineImage: c.image,
        ...(f.keyPair ? { machineSSHKeyName: f.keyPair } : {}),
        controlPlane: { machineFlavor: c.controlPlane.flavor, machineCount: c.controlPlane.count, failureDomains: [zone], omitFailureDomain: false },
        nodeGroups: c.nodeGroups.map((g) => nodeGroup(g, zone)),
        // Nodes join the site's own network, where the storage node exports to them over NFS.
        clusterNetworking: {
            externalNetworkId: f.externalNetworkId,
            internalNetwork: { networkFilter: { id: f.networkId }, subnetFilter: { id: f.subnetId } },
        },
        // The Kubernetes API behind a load balancer with a floating IP that admits only apiAllowedCidrs.
        apiServer: { enableLoadBalancer: true, associateFloatingIP: true, allowedCIDRs: apiAllowedCidrs(c, f) },
        addons: {
            // The site installs its own ingress and certificate manager, the same on every backend.
            ingress: { enabled: false },
            certManager: { enabled: false },
            monitoring: { enabled: false },
            // The cluster's one default storage class is the chart's, made the site's.
            openstack: {
                csiCinder: {
                    defaultStorageClass: {
                        enabled: true,
                        name: siteStorageClass,
                        isClusterDefault: true,
                        reclaimPolicy: f.volumeClass.reclaimPolicy,
                        allowVolumeExpansion: true,
                        volumeBindingMode: "WaitForFirstConsumer",
                        availabilityZone: f.volumeClass.availabilityZone,
                    },
                },
            },
        },
    };
}

export interface ApplicationCredential {
    readonly authUrl: string;
    readonly region: string;
    readonly id: string;
    readonly secret: string;
}

/**
 * The chart reads the cloud named "openstack" from this file (identityRef.cloudName is fixed).
 * Written for YAML 1.1, as openstacksdk's PyYAML reads it: a secret such as "on" stays a string.
 */
export function cloudsYaml(credential: ApplicationCredential): string {
    return yamlText({
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

/**
 * The cloud-credentials Secret's data. Without a `cacert` key the chart's cloud controller and
 * Cinder CSI run with tls-insecure=true (cluster-addons templates/openstack/cloud-config.yaml).
 */
export function cloudCredentials(credential: ApplicationCredential, caCertificates: string): Record<string, string> {
    return { "clouds.yaml": cloudsYaml(credential), cacert: caCertificates };
}

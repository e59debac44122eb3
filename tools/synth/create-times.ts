// Typical create times per resource type, in seconds, for the critical-path estimate in
// plan.json. Rough figures from OpenStack clouds of the STFC Cloud kind and from Helm installs;
// they rank chains against each other, they do not promise a duration. First match wins, so a
// type comes before the prefix that would cover it.
export interface CreateTime {
    /** A full type token, or a prefix ending in ':' or '/'. */
    readonly type: string;
    readonly seconds: number;
    readonly why: string;
}

export const createTimes: readonly CreateTime[] = [
    { type: "pulumi:providers:", seconds: 0, why: "configured in the engine, no cloud call" },
    { type: "random:", seconds: 0, why: "computed locally" },
    { type: "openstack:networking/network:Network", seconds: 5, why: "Neutron API call" },
    { type: "openstack:networking/subnet:Subnet", seconds: 5, why: "Neutron API call" },
    { type: "openstack:networking/router:Router", seconds: 10, why: "gateway port on the external network" },
    { type: "openstack:networking/routerInterface:RouterInterface", seconds: 10, why: "port creation and binding" },
    { type: "openstack:networking/secGroup:SecGroup", seconds: 2, why: "Neutron API call" },
    { type: "openstack:networking/secGroupRule:SecGroupRule", seconds: 1, why: "Neutron API call" },
    { type: "openstack:networking/port:Port", seconds: 5, why: "Neutron API call" },
    { type: "openstack:networking/floatingIp:FloatingIp", seconds: 5, why: "allocation from the external pool" },
    { type: "openstack:networking/floatingIpAssociate:FloatingIpAssociate", seconds: 5, why: "NAT set-up on the router" },
    { type: "openstack:blockstorage/volume:Volume", seconds: 20, why: "Cinder allocation of an empty volume" },
    { type: "openstack:compute/instance:Instance", seconds: 120, why: "scheduling, image copy and boot until ACTIVE" },
    { type: "openstack:containerinfra/clusterTemplate:ClusterTemplate", seconds: 5, why: "Magnum API call" },
    { type: "openstack:containerinfra/cluster:Cluster", seconds: 1200, why: "Magnum builds the control plane and default workers" },
    { type: "openstack:containerinfra/nodeGroup:NodeGroup", seconds: 600, why: "Magnum adds and joins worker nodes" },
    { type: "openstack:dns/zone:Zone", seconds: 20, why: "Designate propagates to its nameservers" },
    { type: "openstack:dns/recordSet:RecordSet", seconds: 15, why: "Designate propagates to its nameservers" },
    { type: "openstack:identity/applicationCredential:ApplicationCredential", seconds: 2, why: "Keystone API call" },
    { type: "kubernetes:helm.sh/v3:Release", seconds: 120, why: "chart install until its resources are ready" },
    { type: "kubernetes:batch/v1:Job", seconds: 120, why: "Rucio's bootstrap: waits for PostgreSQL, then creates or upgrades the schema" },
    { type: "kubernetes:", seconds: 3, why: "API server call and readiness of a simple object" },
    { type: "pulumi-nodejs:dynamic/srcnet:WorkloadKubeconfig", seconds: 900, why: "Cluster API builds the control plane and workers" },
    { type: "pulumi-nodejs:dynamic/srcnet:RseRegistration", seconds: 120, why: "waits until Rucio answers at its name with its certificate, then a few REST calls" },
    { type: "pulumi-nodejs:", seconds: 5, why: "a few REST calls (IAM clients, Rucio registration)" },
];

/** Used for a type the table does not list; the synth summary names such types. */
export const defaultCreateSeconds = 10;

export function createSeconds(type: string): { seconds: number; known: boolean } {
    const entry = createTimes.find((t) => (t.type.endsWith(":") || t.type.endsWith("/") ? type.startsWith(t.type) : type === t.type));
    return entry ? { seconds: entry.seconds, known: true } : { seconds: defaultCreateSeconds, known: false };
}

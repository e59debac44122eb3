// Which changed inputs make `pulumi up` replace a resource rather than update it, per resource type,
// as each provider decides. Paths are the program's input names ("blockDevices[*].uuid"); a change
// at, under or above a listed path replaces.
//
// OpenStack: @pulumi/openstack 3.15.2 wraps terraform-provider-openstack v1.54.1
// (pulumi/pulumi-openstack@v3.15.2:provider/go.mod). Each list below is that resource's ForceNew
// attributes in terraform-provider-openstack@v1.54.1:openstack/resource_openstack_<type>.go,
// under the names the Pulumi SDK gives them.
// Kubernetes: pulumi/pulumi-kubernetes@94977969d provider/pkg/provider/diff.go (unchanged from v4.32.0 to that commit; the program pins 4.34.2) (forceNew, metadata name and
// namespace for every kind; a Secret's type and data, a ConfigMap's data while secrets and config
// maps are immutable to the provider, its default) and helm_release.go (a release's name and namespace).
// Random: every input, since a random value is made once and never updated (pulumi-random's
// `keepers` docs: a change "will trigger recreation").
import { iamClientReplaces } from "../../components/identity/iam-client";
import { kubeconfigWaiterReplaces } from "../../components/cluster/workload-kubeconfig";
import { replacingChanges } from "../../components/rucio/rse-drift";
import type { Json } from "../engine/serialized";

const openstackForceNew: Readonly<Record<string, readonly string[]>> = {
    // block_device has every field ForceNew, so any change to the boot disk or an attached volume replaces.
    "openstack:compute/instance:Instance": ["region", "userData", "availabilityZoneHints", "availabilityZone", "networkMode", "networks", "configDrive", "keyPair", "blockDevices"],
    // size is not ForceNew: a larger size extends the volume in place (providerNotes in diff-plans.ts).
    "openstack:blockstorage/volume:Volume": ["region", "availabilityZone", "snapshotId", "sourceVolId", "imageId", "backupId", "volumeType", "consistencyGroupId", "sourceReplica"],
    "openstack:networking/network:Network": ["region", "tenantId", "valueSpecs", "availabilityZoneHints", "transparentVlan"],
    "openstack:networking/subnet:Subnet": ["region", "networkId", "cidr", "prefixLength", "tenantId", "ipVersion", "ipv6AddressMode", "ipv6RaMode", "subnetpoolId", "valueSpecs"],
    "openstack:networking/router:Router": ["region", "distributed", "tenantId", "valueSpecs", "availabilityZoneHints"],
    "openstack:networking/routerInterface:RouterInterface": ["region", "routerId", "subnetId", "portId"],
    "openstack:networking/secGroup:SecGroup": ["region", "tenantId", "deleteDefaultRules"],
    "openstack:networking/secGroupRule:SecGroupRule": ["region", "description", "direction", "ethertype", "portRangeMin", "portRangeMax", "protocol", "remoteGroupId", "remoteIpPrefix", "securityGroupId", "tenantId"],
    "openstack:networking/port:Port": ["region", "networkId", "macAddress", "tenantId", "deviceOwner", "deviceId", "valueSpecs"],
    "openstack:networking/floatingIp:FloatingIp": ["region", "address", "pool", "tenantId", "valueSpecs", "dnsName", "dnsDomain"],
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate": ["region", "floatingIp"],
    "openstack:dns/recordSet:RecordSet": ["region", "zoneId", "name", "type", "valueSpecs", "projectId"],
    "openstack:containerinfra/cluster:Cluster": ["region", "name", "projectId", "userId", "createTimeout", "discoveryUrl", "dockerVolumeSize", "flavor", "masterFlavor", "keypair", "labels", "mergeLabels", "masterCount", "fixedNetwork", "fixedSubnet", "floatingIpEnabled"],
    "openstack:containerinfra/clusterTemplate:ClusterTemplate": ["region", "projectId", "userId"],
    "openstack:containerinfra/nodeGroup:NodeGroup": ["region", "clusterId", "name", "projectId", "dockerVolumeSize", "labels", "mergeLabels", "role", "imageId", "flavorId"],
    "openstack:identity/applicationCredential:ApplicationCredential": ["region", "name", "description", "unrestricted", "secret", "projectId", "roles", "accessRules", "expiresAt"],
};

const kubernetesMetadata = ["metadata.name", "metadata.namespace"];

const kubernetesForceNew: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:core/v1:PersistentVolume": ["awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume", "flocker", "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume"].map((v) => `spec.${v}`),
    "kubernetes:core/v1:PersistentVolumeClaim": ["spec.accessModes", "spec.storageClassName", "spec.volumeName", "spec.selector"],
    "kubernetes:core/v1:Secret": ["type", "data", "stringData"],
    "kubernetes:core/v1:ConfigMap": ["data", "binaryData"],
    "kubernetes:core/v1:Service": ["spec.clusterIP"],
    "kubernetes:core/v1:ResourceQuota": ["spec.scopes"],
    "kubernetes:batch/v1:Job": ["spec.completions", "spec.parallelism", "spec.template", "spec.selector"],
    "kubernetes:apps/v1:Deployment": ["spec.selector"],
    "kubernetes:apps/v1:DaemonSet": ["spec.selector"],
    "kubernetes:apps/v1:StatefulSet": ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.serviceName", "spec.volumeClaimTemplates", "spec.selector"],
    "kubernetes:storage.k8s.io/v1:StorageClass": ["parameters", "provisioner"],
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": ["roleRef"],
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": ["roleRef"],
    // A release is found by its name in its namespace (helm_release.go's forceNewFields).
    "kubernetes:helm.sh/v3:Release": ["name", "namespace"],
    // The provider is replaced, and everything on it with it, when its kubeconfig names another
    // cluster or is unknown (provider.go DiffConfig). A secret kubeconfig cannot be read offline,
    // so any change to it counts.
    "pulumi:providers:kubernetes": ["kubeconfig", "context", "cluster", "renderYamlToDirectory", "clusterIdentifier"],
};

/** The dynamic providers' own replacement rules, from their diff functions. */
const dynamicReplaces: Readonly<Record<string, (olds: any, news: any) => readonly string[]>> = {
    "pulumi-nodejs:dynamic/srcnet:IamClient": iamClientReplaces,
    "pulumi-nodejs:dynamic/srcnet:WorkloadKubeconfig": kubeconfigWaiterReplaces,
    "pulumi-nodejs:dynamic/srcnet:RseRegistration": (olds, news) => replacingChanges(olds.rse, news.rse),
};

const isKubernetesObject = (type: string) => type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm.sh/");

/** The input paths whose change replaces a resource of this type; "*" for every input. */
export function forceNewPaths(type: string): readonly string[] {
    if (type.startsWith("random:")) return ["*"];
    if (openstackForceNew[type]) return openstackForceNew[type];
    if (isKubernetesObject(type)) return [...kubernetesMetadata, ...(kubernetesForceNew[type] ?? [])];
    return kubernetesForceNew[type] ?? [];
}

/** Whether the listed provider rules know this type (an unknown one is reported, not guessed at). */
export function knowsType(type: string): boolean {
    return type.startsWith("random:") || type in openstackForceNew || type.startsWith("kubernetes:") || type in dynamicReplaces || type.startsWith("pulumi:providers:");
}

/** A dynamic provider's replacing keys for these inputs, or undefined for any other type. */
export function dynamicReplacingKeys(type: string, olds: Json, news: Json): readonly string[] | undefined {
    const rule = dynamicReplaces[type];
    return rule ? rule(olds, news) : undefined;
}

const segments = (path: string) => path.replace(/\[(\d+|\*)\]/g, ".$1").split(".").filter((s) => s.length > 0);

/** Whether a changed path lies at, under or above a pattern ("*" matches any one segment; "*" alone every path). */
export function pathMatches(pattern: string, path: string): boolean {
    if (pattern === "*") return true;
    const want = segments(pattern);
    const got = segments(path);
    const n = Math.min(want.length, got.length);
    for (let i = 0; i < n; i++) if (want[i] !== "*" && want[i] !== got[i]) return false;
    return true;
}

/** Pulumi's replaceOnChanges option: the same path forms, where "*" means every input. */
export function replacedBy(patterns: readonly string[], changed: readonly string[]): string[] {
    return changed.filter((path) => patterns.some((p) => pathMatches(p, path)));
}

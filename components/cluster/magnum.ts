// The magnum backend: a cluster template (or an existing one), the cluster on the site's network,
// and a node group for every configured group after the first, which is the cluster's default.
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import { magnumLabels, type MagnumConfig } from "./render/magnum";
import type { BackendArgs, BackendCluster } from "./backend";

export function magnumCluster(c: MagnumConfig, args: BackendArgs): BackendCluster {
    const n = (suffix: string) => `${args.namePrefix}-${suffix}`;
    const opts = { parent: args.parent, provider: args.openstack };
    const labels = magnumLabels(c, args.adminCidrs);
    const templateId =
        args.existingTemplateId ??
        new openstack.containerinfra.ClusterTemplate(
            n("k8s"),
            {
                name: n("k8s"),
                coe: "kubernetes",
                serverType: "vm",
                image: c.image!,
                externalNetworkId: args.network.externalNetworkId,
                fixedNetwork: args.network.networkId,
                fixedSubnet: args.network.subnetId,
                masterFlavor: c.controlPlane.flavor,
                flavor: c.nodeGroups[0].flavor,
                networkDriver: "calico",
                volumeDriver: "cinder",
                // The API behind a load balancer whose floating IP admits only the admin networks; nodes get no floating IPs.
                masterLbEnabled: true,
                floatingIpEnabled: false,
                labels,
            },
            opts,
        ).id;
    const [first, ...others] = c.nodeGroups;
    const cluster = new openstack.containerinfra.Cluster(
        n("k8s"),
        {
            name: n("k8s"),
            clusterTemplateId: templateId,
            masterCount: c.controlPlane.count,
            masterFlavor: c.controlPlane.flavor,
            nodeCount: first.count,
            flavor: first.flavor,
            keypair: args.keyPair,
            fixedNetwork: args.network.networkId,
            fixedSubnet: args.network.subnetId,
            labels,
            mergeLabels: true,
        },
        { ...opts, dependsOn: [args.network.ready] },
    );
    for (const group of others) {
        new openstack.containerinfra.NodeGroup(
            n(`k8s-${group.name}`),
            { name: group.name, clusterId: cluster.id, role: "worker", flavorId: group.flavor, nodeCount: group.count, minNodeCount: group.minCount, maxNodeCount: group.maxCount },
            opts,
        );
    }
    // Magnum's kubeconfig carries an admin client certificate: a secret.
    const kubeconfig = pulumi.secret(cluster.kubeconfig.apply((k) => k["raw_config"]));
    return { kubeconfig, anchor: cluster };
}

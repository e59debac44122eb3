// The magnum backend: a cluster template (or an existing one), the cluster on the site's network,
// and a node group for every configured group after the first, which is the cluster's default.
// Magnum fixes a cluster's template, labels, flavors and control plane when it creates it, and
// refuses to change a template that a cluster uses: a change there is a new template and a new
// cluster, never an update that Magnum would refuse half-way.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import { magnumLabels, nodeCounts, type MagnumConfig } from "./render/magnum";
import type { BackendArgs, BackendCluster } from "./backend";
import { clusterName } from "./names";

export function magnumCluster(c: MagnumConfig, args: BackendArgs): BackendCluster {
    const opts = { parent: args.parent, provider: args.openstack };
    // On the cluster only: the template stays the same when a label changes.
    const labels = magnumLabels(c, args.volumeClass);
    const [first, ...others] = c.nodeGroups;
    const templateSettings = {
        coe: "kubernetes",
        serverType: "vm",
        image: c.image!,
        externalNetworkId: args.network.externalNetworkId,
        masterFlavor: c.controlPlane.flavor,
        flavor: first.flavor,
        networkDriver: "calico",
        // The API behind a load balancer; nodes get no floating IPs.
        masterLbEnabled: true,
        floatingIpEnabled: false,
    };
    // Named after its settings, so that a new template can exist beside the old until the cluster moves.
    const name = clusterName(args.namePrefix);
    const templateName = `${name}-${createHash("sha256").update(JSON.stringify(templateSettings)).digest("hex").slice(0, 8)}`;
    const templateId =
        args.existingTemplateId ??
        new openstack.containerinfra.ClusterTemplate(
            name,
            { name: templateName, ...templateSettings, fixedNetwork: args.network.networkId, fixedSubnet: args.network.subnetId },
            { ...opts, replaceOnChanges: ["*"] },
        ).id;
    const cluster = new openstack.containerinfra.Cluster(
        name,
        {
            name,
            clusterTemplateId: templateId,
            masterCount: c.controlPlane.count,
            masterFlavor: c.controlPlane.flavor,
            nodeCount: nodeCounts(first).count,
            flavor: first.flavor,
            keypair: args.keyPair,
            fixedNetwork: args.network.networkId,
            fixedSubnet: args.network.subnetId,
            labels,
            mergeLabels: true,
        },
        // A replacement takes the same name, network and ingress address: the old cluster goes first.
        { ...opts, dependsOn: [args.network.ready], deleteBeforeReplace: true },
    );
    for (const group of others) {
        // Bounds always set: the driver reads a group's own min and max, and refuses a minimum of 0.
        const counts = nodeCounts(group);
        new openstack.containerinfra.NodeGroup(
            `${name}-${group.name}`,
            { name: group.name, clusterId: cluster.id, role: "worker", flavorId: group.flavor, nodeCount: counts.count, minNodeCount: counts.min, maxNodeCount: counts.max },
            opts,
        );
    }
    // Magnum's kubeconfig carries an admin client certificate: a secret.
    const kubeconfig = pulumi.secret(cluster.kubeconfig.apply((k) => k["raw_config"]));
    return { kubeconfig, anchor: cluster };
}

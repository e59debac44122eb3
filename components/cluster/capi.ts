// The capi backend: the workload cluster is a release of the openstack-cluster chart in a
// management cluster, authenticating to OpenStack with an application credential made for it.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as openstack from "@pulumi/openstack";
import { charts } from "../../config/versions";
import { pinnedRelease } from "../helm-release";
import { capiValues, cloudCredentials, type CapiConfig } from "./render/capi";
import { WorkloadKubeconfig } from "./workload-kubeconfig";
import { cloudReleaseTimeoutSeconds, clusterReadyMinutes } from "./timeouts";
import type { BackendArgs, BackendCluster } from "./backend";
import { capiCredentialName, clusterName as clusterNameOf } from "./names";

export function capiCluster(c: CapiConfig, args: BackendArgs): BackendCluster {
    const n = (suffix: string) => `${args.namePrefix}-${suffix}`;
    if (!args.managementKubeconfigSecret || !args.identity) {
        throw new Error("the capi backend needs the management kubeconfig and the cloud's identity endpoint (validation and preflight provide both)");
    }
    const identity = args.identity;
    const management = new k8s.Provider(n("capi-management"), { kubeconfig: args.managementKubeconfigSecret, namespace: c.namespace }, { parent: args.parent });
    const onManagement = { parent: args.parent, provider: management };

    // Only this cluster's controllers use it; deleting the site revokes it. Keystone makes it only
    // for a caller that is not itself a restricted application credential (the preflight checks).
    const credential = new openstack.identity.ApplicationCredential(
        capiCredentialName(args.namePrefix),
        { name: capiCredentialName(args.namePrefix), description: `Cluster API controllers of SRC site ${args.namePrefix}` },
        { parent: args.parent, provider: args.openstack },
    );
    const credentialsSecret = n("k8s-cloud-credentials");
    const secret = new k8s.core.v1.Secret(
        n("k8s-cloud-credentials"),
        {
            metadata: { name: credentialsSecret, namespace: c.namespace },
            stringData: pulumi
                .all([credential.id, credential.secret])
                .apply(([id, secretValue]) => cloudCredentials({ authUrl: identity.authUrl, region: identity.region, id, secret: secretValue }, args.cloudCaCertificates)),
        },
        onManagement,
    );
    const clusterName = clusterNameOf(args.namePrefix);
    const release = new k8s.helm.v3.Release(
        clusterName,
        pinnedRelease(
            clusterName,
            charts.openstackCluster,
            c.namespace,
            pulumi
                .all([args.network.networkId, args.network.subnetId, args.network.routerExternalIp])
                .apply(([networkId, subnetId, routerExternalIp]) =>
                    capiValues(c, {
                        credentialsSecret,
                        externalNetworkId: args.network.externalNetworkId,
                        networkId,
                        subnetId,
                        adminCidrs: args.adminCidrs,
                        routerExternalIp,
                        keyPair: args.keyPair,
                        volumeClass: args.volumeClass,
                    }),
                ),
            // Its autoscaler waits for the cluster's kubeconfig, and uninstalling for the cluster to go.
            { timeout: cloudReleaseTimeoutSeconds },
        ),
        { ...onManagement, dependsOn: [secret, args.network.ready] },
    );
    const waiter = new WorkloadKubeconfig(
        n("k8s-kubeconfig"),
        { managementKubeconfig: args.managementKubeconfigSecret, namespace: c.namespace, clusterName, timeoutMinutes: clusterReadyMinutes },
        { parent: args.parent, dependsOn: [release] },
    );
    return { kubeconfig: pulumi.secret(waiter.kubeconfig), anchor: release };
}

import { expect } from "chai";
import { versions, chartRepositories } from "../components/versions";
import { SiteConfigError } from "../config/load";
import type { RecordedResource, Recording } from "../tools/engine/record";
import { creationDependencies } from "../tools/synth/critical-path";
import { inputsOf, named, ofType, runSite, secretsOf, siteOf } from "./harness";

const T = {
    template: "openstack:containerinfra/clusterTemplate:ClusterTemplate",
    cluster: "openstack:containerinfra/cluster:Cluster",
    nodeGroup: "openstack:containerinfra/nodeGroup:NodeGroup",
    fip: "openstack:networking/floatingIp:FloatingIp",
    k8sProvider: "pulumi:providers:kubernetes",
    release: "kubernetes:helm.sh/v3:Release",
    appCredential: "openstack:identity/applicationCredential:ApplicationCredential",
    waiter: "pulumi-nodejs:dynamic/srcnet:WorkloadKubeconfig",
    issuer: "kubernetes:cert-manager.io/v1:ClusterIssuer",
    pv: "kubernetes:core/v1:PersistentVolume",
    pvc: "kubernetes:core/v1:PersistentVolumeClaim",
    storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
};

async function run(stack: "dev" | "uksrc", change: (site: any) => void = () => undefined, secrets: Record<string, unknown> = secretsOf(stack)): Promise<Recording> {
    const site = siteOf(stack);
    change(site);
    const recording = await runSite(site, { secrets, stack });
    expect(recording.error, String(recording.error)).to.equal(undefined);
    return recording;
}

const kubernetesResources = (r: Recording) => r.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"));
const existing = { backend: "existing", namespacePrefix: "alice", nodeCidr: "172.16.0.0/16", ingressAddress: "192.0.2.80" };

/** Every URN a resource waits for, directly or through others. */
function upstream(r: Recording, urn: string): Set<string> {
    const deps = creationDependencies(r.resources);
    const seen = new Set<string>();
    const visit = (u: string) => (deps.get(u) ?? []).forEach((d) => !seen.has(d) && (seen.add(d), visit(d)));
    visit(urn);
    return seen;
}

describe("cluster: magnum backend (dev)", () => {
    let dev: Recording;
    before(async () => (dev = await run("dev")));

    it("creates a cluster template and a cluster on the site network", () => {
        const template = inputsOf(ofType(dev, T.template)[0]);
        expect(template).to.deep.include({ coe: "kubernetes", image: "fedora-coreos-40", externalNetworkId: "network-External-id", fixedNetwork: "dev-net-id", fixedSubnet: "dev-subnet-id", masterLbEnabled: true, floatingIpEnabled: false, masterFlavor: "m1.medium", flavor: "m1.large" });
        expect(template.labels).to.deep.include({ kube_tag: "v1.30.4", auto_healing_enabled: "true", cinder_csi_enabled: "true", master_lb_allowed_cidrs: "192.0.2.0/24", api_master_lb_allowed_cidrs: "192.0.2.0/24" });
        const cluster = ofType(dev, T.cluster)[0];
        expect(inputsOf(cluster)).to.deep.include({ clusterTemplateId: "dev-k8s-id", masterCount: 1, nodeCount: 2, flavor: "m1.large", keypair: "srcnet-dev", fixedNetwork: "dev-net-id", mergeLabels: true });
        expect(cluster.dependsOn).to.include(named(dev, "dev-router-subnet").urn);
    });

    it("builds the Kubernetes provider from the cluster's kubeconfig, kept secret", () => {
        const provider = ofType(dev, T.k8sProvider)[0];
        expect(inputsOf(provider)).to.deep.equal({ kubeconfig: "[secret]", enableServerSideApply: "true", deleteUnreachable: "true" });
        expect(JSON.stringify(dev.resources)).not.to.include("recording-engine-token");
    });

    it("gives every Kubernetes resource the cluster's provider and deletes it with the cluster", () => {
        const provider = ofType(dev, T.k8sProvider)[0];
        const cluster = ofType(dev, T.cluster)[0];
        const inCluster = kubernetesResources(dev);
        expect(inCluster.length).to.be.greaterThan(5);
        for (const r of inCluster) {
            expect(r.provider, r.urn).to.equal(provider.urn);
            expect(r.deletedWith, r.urn).to.equal(cluster.urn);
        }
    });

    it("allocates the ingress floating IP apart from the cluster, and gives it to ingress-nginx", () => {
        const fip = named(dev, "dev-ingress");
        expect(fip.type).to.equal(T.fip);
        expect(upstream(dev, fip.urn)).not.to.include(ofType(dev, T.cluster)[0].urn);
        const ingress = ofType(dev, T.release).find((r) => r.name === "dev-ingress-nginx")!;
        expect(inputsOf(ingress).values.controller.service.loadBalancerIP).to.equal((dev.outputs as any).cluster.ingressAddress);
    });

    it("pins every chart it installs", () => {
        const charts = ofType(dev, T.release).map((r) => [inputsOf(r).chart, inputsOf(r).version, inputsOf(r).repositoryOpts.repo]);
        expect(charts.sort()).to.deep.equal(
            [
                ["cert-manager", versions.certManagerChart, chartRepositories.certManager],
                ["ingress-nginx", versions.ingressNginxChart, chartRepositories.ingressNginx],
            ].sort(),
        );
    });

    it("creates Let's Encrypt staging and production issuers after cert-manager, and a test site uses staging", () => {
        const issuers = ofType(dev, T.issuer);
        expect(issuers.map((i) => inputsOf(i).metadata.name).sort()).to.deep.equal(["letsencrypt-production", "letsencrypt-staging"]);
        const certManager = ofType(dev, T.release).find((r) => r.name === "dev-cert-manager")!;
        for (const i of issuers) expect(i.dependsOn).to.include(certManager.urn);
        expect((dev.outputs as any).cluster.clusterIssuer).to.equal("letsencrypt-staging");
    });

    it("creates a Cinder storage class that a test site deletes with its volumes", () => {
        const sc = inputsOf(ofType(dev, T.storageClass)[0]);
        expect(sc).to.deep.include({ provisioner: "cinder.csi.openstack.org", reclaimPolicy: "Delete" });
        expect((dev.outputs as any).cluster.storageClass).to.equal("srcnet-cinder");
    });

    it("mounts each storage area read-only from the storage node over NFS", () => {
        const volumes = ofType(dev, T.pv).map(inputsOf);
        const fixedIp = (dev.outputs as any).storage.fixedIp;
        expect(volumes.map((v) => [v.metadata.name, v.spec.nfs])).to.deep.equal([
            ["dev-rse-dev", { server: fixedIp, path: "/storage/dev", readOnly: true }],
            ["dev-rse-scratch", { server: fixedIp, path: "/storage/scratch", readOnly: true }],
        ]);
        const claims = ofType(dev, T.pvc).map(inputsOf);
        expect(claims.map((c) => [c.metadata.namespace, c.metadata.name, c.spec.volumeName])).to.deep.equal([
            ["jupyterhub", "rse-dev", "dev-rse-dev"],
            ["jupyterhub", "rse-scratch", "dev-rse-scratch"],
        ]);
    });

    it("adds a node group for each group after the first", async () => {
        const r = await run("dev", (s) => s.cluster.nodeGroups.push({ name: "highmem", flavor: "m1.xlarge", count: 1, minCount: 1, maxCount: 4 }));
        expect(ofType(r, T.nodeGroup).map(inputsOf)).to.deep.equal([
            { name: "highmem", clusterId: "dev-k8s-id", role: "worker", flavorId: "m1.xlarge", nodeCount: 1, minNodeCount: 1, maxNodeCount: 4 },
        ]);
    });

    it("uses an existing template by ID, creating none", async () => {
        const r = await run("dev", (s) => {
            s.cluster.template = "k8s-1.30-stfc";
            delete s.cluster.kubernetesVersion;
            delete s.cluster.image;
        });
        expect(ofType(r, T.template)).to.deep.equal([]);
        expect(inputsOf(ofType(r, T.cluster)[0]).clusterTemplateId).to.equal("template-k8s-1.30-stfc-id");
    });

    it("keeps a floating IP the project holds instead of allocating one", async () => {
        const r = await run("dev", (s) => (s.cluster.ingress = { floatingIp: "198.51.100.7" }));
        expect(ofType(r, T.fip).map((f) => f.name)).to.deep.equal(["dev-storm"]);
        expect((r.outputs as any).cluster.ingressAddress).to.equal("198.51.100.7");
    });
});

describe("cluster: capi backend (uksrc)", () => {
    let uksrc: Recording;
    before(async () => (uksrc = await run("uksrc")));

    it("installs the pinned openstack-cluster chart in the management cluster with the site's values", () => {
        const release = ofType(uksrc, T.release).find((r) => inputsOf(r).chart === "openstack-cluster")!;
        const management = ofType(uksrc, T.k8sProvider).find((p) => p.name === "uksrc-capi-management")!;
        expect(release.provider).to.equal(management.urn);
        expect(inputsOf(release)).to.deep.include({ version: versions.openstackClusterChart, namespace: "default", name: "uksrc-k8s" });
        expect(inputsOf(release).repositoryOpts).to.deep.equal({ repo: chartRepositories.capi });
        const values = inputsOf(release).values;
        expect(values).to.deep.include({ kubernetesVersion: "1.30.4", machineImage: "ubuntu-jammy-kube-v1.30.4", cloudCredentialsSecretName: "uksrc-k8s-cloud-credentials" });
        expect(values.clusterNetworking.internalNetwork).to.deep.equal({ networkFilter: { id: "uksrc-net-id" }, subnetFilter: { id: "uksrc-subnet-id" } });
        expect(values.apiServer.allowedCIDRs).to.deep.equal(["198.51.100.0/24", "203.0.113.16/28"]);
    });

    it("hands Cluster API an application credential in a secret, never in plain sight", () => {
        expect(ofType(uksrc, T.appCredential)).to.have.length(1);
        const secret = named(uksrc, "uksrc-k8s-cloud-credentials");
        expect(inputsOf(secret).stringData).to.equal("[secret]");
        expect(JSON.stringify(uksrc.resources)).not.to.include("recording-engine-application-credential-secret");
    });

    it("waits for the workload cluster after the chart, and builds the site's provider from its kubeconfig", () => {
        const waiter = ofType(uksrc, T.waiter)[0];
        const release = ofType(uksrc, T.release).find((r) => inputsOf(r).chart === "openstack-cluster")!;
        expect(waiter.dependsOn).to.include(release.urn);
        expect(inputsOf(waiter)).to.deep.include({ managementKubeconfig: "[secret]", namespace: "default", clusterName: "uksrc-k8s", timeoutMinutes: 60, __provider: "[dynamic provider code]" });
        const site = ofType(uksrc, T.k8sProvider).find((p) => p.name === "uksrc-k8s")!;
        expect(inputsOf(site).kubeconfig).to.equal("[secret]");
        expect(site.dependsOn).to.include(waiter.urn);
    });

    it("deletes in-cluster resources with the chart release, and keeps a production cluster's unreachable resources", () => {
        const release = ofType(uksrc, T.release).find((r) => inputsOf(r).chart === "openstack-cluster")!;
        const site = ofType(uksrc, T.k8sProvider).find((p) => p.name === "uksrc-k8s")!;
        for (const r of kubernetesResources(uksrc).filter((x) => x.provider === site.urn)) expect(r.deletedWith, r.urn).to.equal(release.urn);
        expect(inputsOf(site).deleteUnreachable).to.equal("false");
        expect(inputsOf(ofType(uksrc, T.storageClass)[0]).reclaimPolicy).to.equal("Retain");
    });
});

describe("cluster: existing backend", () => {
    let r: Recording;
    before(async () => (r = await run("dev", (s) => (s.cluster = existing), { ...secretsOf("dev"), kubeconfig: "apiVersion: v1\nkind: Config\n" })));

    it("uses the kubeconfig secret, creates no cluster, and deletes in-cluster resources normally", () => {
        expect(ofType(r, T.cluster)).to.deep.equal([]);
        expect(ofType(r, T.template)).to.deep.equal([]);
        const provider = ofType(r, T.k8sProvider)[0];
        expect(inputsOf(provider).kubeconfig).to.equal("[secret]");
        for (const x of kubernetesResources(r)) {
            expect(x.provider).to.equal(provider.urn);
            expect(x.deletedWith).to.equal(undefined);
        }
    });

    it("prefixes the namespaces it creates, points DNS at the given ingress, and leaves storage classes to the cluster", () => {
        const namespaces = ofType(r, "kubernetes:core/v1:Namespace").map((n) => inputsOf(n).metadata.name);
        expect(namespaces).to.include.members(["alice-ingress-nginx", "alice-jupyterhub"]);
        expect((r.outputs as any).cluster.ingressAddress).to.equal("192.0.2.80");
        expect(ofType(r, T.storageClass)).to.deep.equal([]);
        expect(ofType(r, T.fip).map((f) => f.name)).to.deep.equal(["dev-storm"]);
    });

    it("installs no ingress controller, cert-manager or issuers on a shared cluster that has them", async () => {
        const shared = await run("dev", (s) => (s.cluster = { ...existing, installPlatform: false }), { ...secretsOf("dev"), kubeconfig: "apiVersion: v1\nkind: Config\n" });
        expect(ofType(shared, T.release)).to.deep.equal([]);
        expect(ofType(shared, T.issuer)).to.deep.equal([]);
        expect((shared.outputs as any).cluster.clusterIssuer).to.equal("letsencrypt-staging");
    });
});

describe("cluster: what waits for it", () => {
    it("creates the storage node and the DNS records in parallel with the cluster, not after it", async () => {
        const dev = await run("dev");
        const cluster = ofType(dev, T.cluster)[0].urn;
        const independent: RecordedResource[] = [named(dev, "dev-storm-data"), ...ofType(dev, "openstack:compute/instance:Instance"), ...ofType(dev, "openstack:dns/recordSet:RecordSet")];
        expect(independent.length).to.equal(5);
        for (const r of independent) expect(upstream(dev, r.urn), r.urn).not.to.include(cluster);
    });
});

describe("preflight: names the cloud does not know", () => {
    const notFound = () => {
        throw new Error("Your query returned no results. Please change your search criteria and try again.");
    };

    it("reports an unknown cluster template with its path, and creates nothing", async () => {
        const site = siteOf("dev");
        site.cluster.template = "no-such-template";
        delete site.cluster.kubernetesVersion;
        delete site.cluster.image;
        const r = await runSite(site, { secrets: secretsOf("dev"), invokes: { "openstack:containerinfra/getClusterTemplate:getClusterTemplate": notFound } });
        expect(r.error).to.be.instanceOf(SiteConfigError);
        // The engine carries the cloud's reason in parentheses; the recording engine's invokes give none.
        expect((r.error as Error).message).to.include('site.cluster.template: cluster template "no-such-template" was not found in the cloud (');
        expect(r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))).to.deep.equal([]);
    });

    it("reports a Cluster API site whose cloud lists no public identity endpoint, and creates nothing", async () => {
        const r = await runSite(siteOf("uksrc"), {
            secrets: secretsOf("uksrc"),
            invokes: {
                "openstack:identity/getAuthScope:getAuthScope": (inputs) => ({ ...inputs, id: "scope", region: "RegionOne", serviceCatalogs: [{ id: "nova", name: "nova", type: "compute", endpoints: [] }] }),
            },
        });
        expect(r.error).to.be.instanceOf(SiteConfigError);
        expect((r.error as SiteConfigError).problems).to.deep.equal([
            { where: "site.openstack", message: "the cloud's service catalog has no public identity endpoint, which Cluster API's credentials need" },
        ]);
        expect(r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))).to.deep.equal([]);
    });

    it("reports every unknown name at once", async () => {
        const r = await runSite(siteOf("dev"), {
            secrets: secretsOf("dev"),
            invokes: {
                "openstack:networking/getNetwork:getNetwork": notFound,
                "openstack:images/getImage:getImage": notFound,
                "openstack:compute/getFlavor:getFlavor": notFound,
                "openstack:compute/getKeypair:getKeypair": notFound,
                "openstack:dns/getDnsZone:getDnsZone": notFound,
            },
        });
        const problems = (r.error as SiteConfigError).problems.map((p) => p.where);
        expect(problems).to.deep.equal(["site.openstack.externalNetwork", "site.storage.image", "site.storage.flavor", "site.openstack.keyPair", "site.dns.zone"]);
    });
});

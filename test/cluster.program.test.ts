import { expect } from "chai";
import { charts } from "../config/versions";
import { SiteConfigError } from "../config/load";
import type { RecordedResource, Recording } from "../tools/engine/record";
import type { CloudHttpOverride } from "../components/site/cloud-http";
import { inputsOf, named, ofType, runSite, secretsOf, siteOf, upstream } from "./harness";

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
    namespace: "kubernetes:core/v1:Namespace",
};

const releaseOf = (r: Recording, chart: string) => ofType(r, T.release).find((x) => inputsOf(x).chart === chart)!;
const traefikOf = (r: Recording) => releaseOf(r, "traefik");

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
describe("cluster: magnum backend (dev)", () => {
    let dev: Recording;
    before(async () => (dev = await run("dev")));

    it("creates a cluster template and a cluster on the site network", () => {
        const template = inputsOf(ofType(dev, T.template)[0]);
        expect(template).to.deep.include({ coe: "kubernetes", image: "ubuntu-noble-kube-v1.36.3", externalNetworkId: "network-External-id", fixedNetwork: "dev-net-id", fixedSubnet: "dev-subnet-id", masterLbEnabled: true, floatingIpEnabled: false, masterFlavor: "m1.medium", flavor: "m1.large" });
        expect(template.name).to.match(/^dev-k8s-[0-9a-f]{8}$/);
        const cluster = ofType(dev, T.cluster)[0];
        expect(inputsOf(cluster)).to.deep.include({ clusterTemplateId: "dev-k8s-id", masterCount: 1, nodeCount: 2, flavor: "m1.large", keypair: "srcnet-dev", fixedNetwork: "dev-net-id", mergeLabels: true });
        expect(inputsOf(cluster).labels).to.deep.include({ auto_healing_enabled: "true", csi_cinder_reclaim_policy: "Delete", csi_cinder_availability_zone: "nova" });
        expect(cluster.dependsOn).to.include(named(dev, "dev-router-subnet").urn);
    });

    // Magnum refuses to change a template a cluster uses, and fixes a cluster's labels at creation.
    it("keeps the labels off the template, and replaces a changed template and its cluster instead of updating them", async () => {
        const template = ofType(dev, T.template)[0];
        expect(inputsOf(template)).to.not.have.property("labels");
        expect(template.replaceOnChanges).to.deep.equal(["*"]);
        expect(ofType(dev, T.cluster)[0].deleteBeforeReplace).to.equal(true);
        // A new image is a template of another name, created beside the old one before the cluster moves.
        const other = await run("dev", (s) => Object.assign(s.cluster, { image: "ubuntu-noble-kube-v1.36.4", kubernetesVersion: "v1.36.4" }));
        expect(inputsOf(ofType(other, T.template)[0]).name).to.not.equal(inputsOf(template).name);
        // A label alone leaves the template as it is.
        const healed = await run("dev", (s) => (s.cluster.autoHealing = false));
        expect(inputsOf(ofType(healed, T.template)[0]).name).to.equal(inputsOf(template).name);
    });

    it("builds the Kubernetes provider from the cluster's kubeconfig, kept secret", () => {
        const provider = ofType(dev, T.k8sProvider)[0];
        expect(inputsOf(provider)).to.deep.equal({ kubeconfig: "[secret]", enableServerSideApply: "true", deleteUnreachable: "true" });
        expect(JSON.stringify(dev.resources)).not.to.include("recording-engine-token");
    });

    it("gives every Kubernetes resource the cluster's provider, and deletes it with the cluster unless it holds a cloud resource", () => {
        const provider = ofType(dev, T.k8sProvider)[0];
        const cluster = ofType(dev, T.cluster)[0];
        const inCluster = kubernetesResources(dev);
        expect(inCluster.length).to.be.greaterThan(5);
        // The ingress's Service holds a load balancer; JupyterHub's namespace and release hold volumes (the users' homes,
        // the hub's database), and so do Rucio's namespace and its database's release (CloudNativePG's claims).
        const holders = [traefikOf(dev).urn, named(dev, "dev-traefik").urn, named(dev, "dev-jupyterhub").urn, releaseOf(dev, "jupyterhub").urn, dev.resources.find((r) => r.name === "dev-rucio" && r.type === "kubernetes:core/v1:Namespace")!.urn, releaseOf(dev, "cluster").urn];
        for (const r of inCluster) {
            expect(r.provider, r.urn).to.equal(provider.urn);
            expect(r.deletedWith, r.urn).to.equal(holders.includes(r.urn) ? undefined : cluster.urn);
        }
    });

    // Deleting the ingress controller's Service is what makes the cloud controller remove its Octavia
    // load balancer; deleted with the cluster instead, the VIP's port would keep the subnet alive.
    it("tears the ingress controller down before the cluster, and the cluster before the subnet", () => {
        const traefik = traefikOf(dev);
        const cluster = ofType(dev, T.cluster)[0];
        expect(traefik.deletedWith).to.equal(undefined);
        expect(upstream(dev, traefik.urn), "Traefik waits for (so is deleted before) the cluster").to.include(cluster.urn);
        expect(upstream(dev, cluster.urn), "the cluster waits for (so is deleted before) the subnet").to.include(named(dev, "dev-subnet").urn);
    });

    it("allocates the ingress floating IP apart from the cluster, and gives it to Traefik", () => {
        const fip = named(dev, "dev-ingress");
        expect(fip.type).to.equal(T.fip);
        expect(upstream(dev, fip.urn)).not.to.include(ofType(dev, T.cluster)[0].urn);
        expect(inputsOf(traefikOf(dev)).values.service.spec.loadBalancerIP).to.equal((dev.outputs as any).cluster.ingressAddress);
    });

    it("pins every chart it installs", () => {
        const pinned = ofType(dev, T.release).map((r) => [inputsOf(r).chart, inputsOf(r).version, inputsOf(r).repositoryOpts.repo]);
        expect(pinned.sort()).to.deep.equal(
            [
                [charts.certManager.chart, charts.certManager.version, charts.certManager.repo],
                [charts.traefik.chart, charts.traefik.version, charts.traefik.repo],
                [charts.cloudnativePg.chart, charts.cloudnativePg.version, charts.cloudnativePg.repo],
                [charts.postgresCluster.chart, charts.postgresCluster.version, charts.postgresCluster.repo],
                [charts.rucioServer.chart, charts.rucioServer.version, charts.rucioServer.repo],
                [charts.rucioDaemons.chart, charts.rucioDaemons.version, charts.rucioDaemons.repo],
                [charts.rucioWebui.chart, charts.rucioWebui.version, charts.rucioWebui.repo],
                [charts.jupyterhub.chart, charts.jupyterhub.version, charts.jupyterhub.repo],
            ].sort(),
        );
    });

    // Helm waits (install and uninstall, so teardown waits until the load balancer is gone) unless skipAwait.
    it("gives Helm as long as the cluster's deadline for a release that waits on a load balancer, and lets it wait", () => {
        expect(inputsOf(traefikOf(dev))).to.include({ timeout: 3600 });
        expect(inputsOf(traefikOf(dev))).to.not.have.property("skipAwait");
    });

    it("creates Let's Encrypt staging and production issuers after cert-manager, and a test site uses staging", () => {
        const issuers = ofType(dev, T.issuer);
        expect(issuers.map((i) => inputsOf(i).metadata.name).sort()).to.deep.equal(["letsencrypt-production", "letsencrypt-staging"]);
        const certManager = ofType(dev, T.release).find((r) => r.name === "dev-cert-manager")!;
        for (const i of issuers) expect(i.dependsOn).to.include(certManager.urn);
        expect((dev.outputs as any).cluster.clusterIssuer).to.equal("letsencrypt-staging");
    });

    // Magnum's driver makes the default class (named after Cinder's default volume type); a second default would be ambiguous.
    it("creates no storage class of its own: Magnum's default one, configured by labels, is the only default", () => {
        expect(ofType(dev, T.storageClass)).to.deep.equal([]);
        expect((dev.outputs as any).cluster).to.not.have.property("storageClass");
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
        const r = await run("dev", (s) => s.cluster.nodeGroups.push({ name: "highmem", flavor: "m1.xlarge", minCount: 1, maxCount: 4 }, { name: "gpu", flavor: "g1.large", count: 2 }));
        expect(ofType(r, T.nodeGroup).map(inputsOf)).to.deep.equal([
            { name: "gpu", clusterId: "dev-k8s-id", role: "worker", flavorId: "g1.large", nodeCount: 2, minNodeCount: 2, maxNodeCount: 2 },
            { name: "highmem", clusterId: "dev-k8s-id", role: "worker", flavorId: "m1.xlarge", nodeCount: 1, minNodeCount: 1, maxNodeCount: 4 },
        ]);
        expect(inputsOf(ofType(r, T.cluster)[0]).labels.auto_scaling_enabled).to.equal("true");
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
        const release = releaseOf(uksrc, "openstack-cluster");
        const management = ofType(uksrc, T.k8sProvider).find((p) => p.name === "uksrc-capi-management")!;
        expect(release.provider).to.equal(management.urn);
        expect(inputsOf(release)).to.deep.include({ version: charts.openstackCluster.version, namespace: "default", name: "uksrc-k8s", timeout: 3600 });
        expect(inputsOf(release)).to.not.have.property("skipAwait");
        expect(inputsOf(release).repositoryOpts).to.deep.equal({ repo: charts.openstackCluster.repo });
        const values = inputsOf(release).values;
        expect(values).to.deep.include({ kubernetesVersion: "1.36.3", machineImage: "ubuntu-noble-kube-v1.36.3", cloudCredentialsSecretName: "uksrc-k8s-cloud-credentials" });
        expect(values.clusterNetworking.internalNetwork).to.deep.equal({ networkFilter: { id: "uksrc-net-id" }, subnetFilter: { id: "uksrc-subnet-id" } });
    });

    it("admits the admin networks, the management cluster and the site router to the API", () => {
        const values = inputsOf(releaseOf(uksrc, "openstack-cluster")).values;
        const router = (uksrc.outputs as any).network.routerExternalIp;
        expect(router).to.match(/^198\.51\.100\.\d+$/);
        expect(values.apiServer.allowedCIDRs).to.deep.equal(["198.51.100.0/24", "203.0.113.16/28", "203.0.113.200/32", `${router}/32`]);
    });

    it("makes the chart's storage class the site's only default, retained in production", () => {
        const values = inputsOf(releaseOf(uksrc, "openstack-cluster")).values;
        expect(values.addons.openstack.csiCinder.defaultStorageClass).to.deep.include({ name: "srcnet-cinder", isClusterDefault: true, reclaimPolicy: "Retain", availabilityZone: "nova" });
        expect(ofType(uksrc, T.storageClass)).to.deep.equal([]);
        expect((uksrc.outputs as any).cluster.storageClass).to.equal("srcnet-cinder");
    });

    it("hands Cluster API an application credential in a secret, never in plain sight", () => {
        expect(ofType(uksrc, T.appCredential)).to.have.length(1);
        const secret = named(uksrc, "uksrc-k8s-cloud-credentials");
        // With cacert, the cluster's controllers verify the cloud's TLS (the chart sets tls-insecure without it).
        expect(inputsOf(secret).stringData).to.deep.equal({ cacert: "[secret]", "clouds.yaml": "[secret]" });
        expect(JSON.stringify(uksrc.resources)).not.to.include("recording-engine-application-credential-secret");
    });

    it("waits for the workload cluster after the chart, and builds the site's provider from its kubeconfig", () => {
        const waiter = ofType(uksrc, T.waiter)[0];
        const release = releaseOf(uksrc, "openstack-cluster");
        expect(waiter.dependsOn).to.include(release.urn);
        expect(inputsOf(waiter)).to.deep.include({ managementKubeconfig: "[secret]", namespace: "default", clusterName: "uksrc-k8s", timeoutMinutes: 60, __provider: "[dynamic provider code]" });
        const site = ofType(uksrc, T.k8sProvider).find((p) => p.name === "uksrc-k8s")!;
        expect(inputsOf(site).kubeconfig).to.equal("[secret]");
        expect(site.dependsOn).to.include(waiter.urn);
    });

    it("deletes in-cluster resources with the chart release, but the ingress controller before it; keeps a production cluster's unreachable resources", () => {
        const release = releaseOf(uksrc, "openstack-cluster");
        const site = ofType(uksrc, T.k8sProvider).find((p) => p.name === "uksrc-k8s")!;
        const holders = [traefikOf(uksrc).urn, named(uksrc, "uksrc-traefik").urn, named(uksrc, "uksrc-jupyterhub").urn, releaseOf(uksrc, "jupyterhub").urn];
        for (const r of kubernetesResources(uksrc).filter((x) => x.provider === site.urn)) expect(r.deletedWith, r.urn).to.equal(holders.includes(r.urn) ? undefined : release.urn);
        // CAPO removes only its own API load balancer; the ingress's goes with its Service, while the cluster runs.
        expect(upstream(uksrc, traefikOf(uksrc).urn)).to.include(release.urn);
        expect(inputsOf(site).deleteUnreachable).to.equal("false");
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
        const namespaces = ofType(r, T.namespace).map((n) => inputsOf(n).metadata.name);
        expect(namespaces).to.include.members(["alice-traefik", "alice-jupyterhub"]);
        expect((r.outputs as any).cluster.ingressAddress).to.equal("192.0.2.80");
        expect(ofType(r, T.storageClass)).to.deep.equal([]);
        expect(ofType(r, T.fip).map((f) => f.name)).to.deep.equal(["dev-storm"]);
    });

    it("installs no ingress controller, cert-manager or issuers on a shared cluster that has them, and uses its ingress class", async () => {
        const shared = await run("dev", (s) => (s.cluster = { ...existing, installPlatform: false, ingressClass: "nginx" }), { ...secretsOf("dev"), kubeconfig: "apiVersion: v1\nkind: Config\n" });
        // Rucio's own releases (deploy mode) still go on the shared cluster; the platform's do not.
        const platform: string[] = [charts.traefik.chart, charts.certManager.chart];
        expect(ofType(shared, T.release).filter((x) => platform.includes(inputsOf(x).chart)).map((x) => x.name)).to.deep.equal([]);
        expect(ofType(shared, T.issuer)).to.deep.equal([]);
        expect((shared.outputs as any).cluster).to.include({ clusterIssuer: "letsencrypt-staging", ingressClass: "nginx" });
    });

    it("names its own Traefik's class as configured, and solves ACME challenges through it", async () => {
        const own = await run("dev", (s) => (s.cluster = { ...existing, ingressClass: "site-a" }), { ...secretsOf("dev"), kubeconfig: "apiVersion: v1\nkind: Config\n" });
        // Not the shared cluster's default class: that may be another controller's.
        expect(inputsOf(traefikOf(own)).values.ingressClass).to.deep.equal({ enabled: true, isDefaultClass: false, name: "site-a" });
        for (const issuer of ofType(own, T.issuer)) expect(inputsOf(issuer).spec.acme.solvers).to.deep.equal([{ http01: { ingress: { ingressClassName: "site-a" } } }]);
    });
});

describe("cluster: what waits for it", () => {
    it("creates the storage node and the DNS records in parallel with the cluster, not after it", async () => {
        const dev = await run("dev");
        const cluster = ofType(dev, T.cluster)[0].urn;
        const independent: RecordedResource[] = [named(dev, "dev-storm-data"), ...ofType(dev, "openstack:compute/instance:Instance"), ...ofType(dev, "openstack:dns/recordSet:RecordSet")];
        // The data volume, the VM, and a record each for storm, jupyter, rucio and rucio-ui.
        expect(independent.length).to.equal(6);
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
            { where: "site.openstack", message: "the cloud's service catalog has no public identity endpoint, which the cluster's credentials need" },
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
        expect(problems).to.deep.equal([
            "site.openstack.externalNetwork",
            "site.storage.image",
            "site.storage.flavor",
            "site.openstack.keyPair",
            "site.dns.zone",
            "site.cluster.image",
            "site.cluster.controlPlane.flavor",
            "site.cluster.nodeGroups[0].flavor",
        ]);
    });

    it("reports a Cluster API node image built for another release, and a flavor once per place that names it", async () => {
        const site = siteOf("uksrc");
        site.cluster.nodeGroups.push({ name: "more", flavor: "l3.huge", count: 1 }, { name: "again", flavor: "l3.huge", count: 1 });
        const looked: string[] = [];
        const r = await runSite(site, {
            stack: "uksrc",
            secrets: secretsOf("uksrc"),
            invokes: {
                "openstack:images/getImage:getImage": (inputs) => ({ ...inputs, id: "img", properties: { kube_version: "v1.35.7" } }),
                "openstack:compute/getFlavor:getFlavor": (inputs) => {
                    looked.push(String(inputs.name));
                    if (inputs.name === "l3.huge") throw new Error("no flavor");
                    return { ...inputs, id: "f", ram: 8192 };
                },
            },
        });
        expect((r.error as SiteConfigError).problems.map((p) => `${p.where}: ${p.message.split(" (")[0]}`)).to.deep.equal([
            "site.cluster.nodeGroups[1].flavor: flavor \"l3.huge\" was not found in the cloud",
            "site.cluster.nodeGroups[2].flavor: flavor \"l3.huge\" was not found in the cloud",
            'site.cluster.image: image "ubuntu-noble-kube-v1.36.3" is built for Kubernetes v1.35.7',
        ]);
        expect(looked.filter((f) => f === "l3.huge")).to.have.length(1);
    });

    const appCredentialLogin = (restricted: boolean): CloudHttpOverride => async (request) =>
        request.url.endsWith("/v3/auth/tokens") ? { status: 200, body: { token: { methods: ["application_credential"], application_credential: { id: "ac", name: "site", restricted } } } } : undefined;

    for (const stack of ["uksrc", "dev"] as const) {
        it(`${stack}: refuses to build the cluster when the site logs in with a restricted application credential`, async () => {
            const r = await runSite(siteOf(stack), { stack, secrets: secretsOf(stack), http: appCredentialLogin(true) });
            expect(r.error).to.be.instanceOf(SiteConfigError);
            const [problem, ...more] = (r.error as SiteConfigError).problems;
            expect(more).to.deep.equal([]);
            expect(problem.where).to.equal(stack === "uksrc" ? "site.openstack.applicationCredentialId" : "site.openstack.cloud");
            expect(problem.message).to.match(/^the site logs in with a restricted application credential, and Keystone creates no application credential for one \(/);
            expect(problem.message).to.include(stack === "uksrc" ? "the capi backend creates an application credential" : "Magnum's Cluster API driver creates an application credential");
            expect(r.resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))).to.deep.equal([]);
        });
    }

    it("verifies Keystone with the CA the config names", async () => {
        const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        const seen: (string | undefined)[] = [];
        const site = siteOf("uksrc");
        site.openstack.caCertificate = pem;
        const r = await runSite(site, { stack: "uksrc", secrets: secretsOf("uksrc"), http: async (request) => (seen.push(request.ca), undefined) });
        expect(r.error).to.equal(undefined);
        expect(seen).to.deep.equal([pem]);
    });

    it("builds the cluster with an unrestricted application credential, and asks Keystone with the site's own token", async () => {
        const asked: string[] = [];
        const http: CloudHttpOverride = async (request) => {
            asked.push(`${request.url} ${request.headers["x-auth-token"]} ${request.headers["x-subject-token"]}`);
            return appCredentialLogin(false)(request);
        };
        const r = await runSite(siteOf("uksrc"), { stack: "uksrc", secrets: secretsOf("uksrc"), http });
        expect(r.error).to.equal(undefined);
        expect(asked).to.deep.equal(["https://keystone.cloud.invalid:5000/v3/auth/tokens recording-engine-keystone-token recording-engine-keystone-token"]);
    });

    it("asks nothing of Keystone for an existing cluster, which makes no credentials", async () => {
        const site = siteOf("dev");
        site.cluster = existing;
        const r = await runSite(site, { secrets: { ...secretsOf("dev"), kubeconfig: "apiVersion: v1\nkind: Config\n" }, http: appCredentialLogin(true) });
        expect(r.error).to.equal(undefined);
    });

    it("reports a Keystone that cannot say, rather than guessing", async () => {
        const r = await runSite(siteOf("dev"), { secrets: secretsOf("dev"), http: async () => ({ status: 503, body: "unavailable" }) });
        expect((r.error as SiteConfigError).problems).to.deep.equal([
            {
                where: "site.openstack.cloud",
                message: "Keystone could not say whether the site's login may create the cluster's credentials (Keystone answered HTTP 503 to validating the site's own token; its certificate is checked against the public roots)",
            },
        ]);
    });

    it("reports a Magnum node image built for another release, or without the properties Magnum's driver reads", async () => {
        const image = (properties: Record<string, string>) => ({ "openstack:images/getImage:getImage": (inputs: Record<string, unknown>) => ({ ...inputs, id: `image-${String(inputs.name)}`, properties }) });
        const other = await runSite(siteOf("dev"), { secrets: secretsOf("dev"), invokes: image({ os_distro: "ubuntu", kube_version: "v1.35.7" }) });
        expect((other.error as SiteConfigError).problems).to.deep.equal([
            {
                where: "site.cluster.image",
                message: 'image "ubuntu-noble-kube-v1.36.3" is built for Kubernetes v1.35.7 (its kube_version property), not v1.36.3; use an image built for v1.36.3, or set kubernetesVersion to v1.35.7',
            },
        ]);
        const bare = await runSite(siteOf("dev"), { secrets: secretsOf("dev"), invokes: image({}) });
        expect((bare.error as SiteConfigError).problems.map((p) => p.message)).to.deep.equal([
            'image "ubuntu-noble-kube-v1.36.3" has os_distro unset; Magnum\'s Cluster API driver takes images with os_distro ubuntu or flatcar',
            'image "ubuntu-noble-kube-v1.36.3" has no kube_version property, from which Magnum\'s Cluster API driver takes the Kubernetes release',
        ]);
    });

    it("reports an availability zone the cloud does not have, each in its own service", async () => {
        const site = siteOf("uksrc");
        site.cluster.availabilityZone = "ceph";
        const zones = (names: string[]) => (inputs: Record<string, unknown>) => ({ ...inputs, id: "zones", names });
        const r = await runSite(site, { stack: "uksrc", secrets: secretsOf("uksrc"), invokes: { "openstack:compute/getAvailabilityZones:getAvailabilityZones": zones(["nova", "gpu"]) } });
        expect((r.error as SiteConfigError).problems).to.deep.equal([
            // The volumes follow the nodes' zone unless volumeAvailabilityZone says otherwise.
            { where: "site.cluster.availabilityZone", message: '"ceph" is not one of Cinder\'s availability zones (nova)' },
            { where: "site.cluster.availabilityZone", message: '"ceph" is not one of Nova\'s availability zones (nova, gpu)' },
        ]);
        site.cluster.availabilityZone = "gpu";
        site.cluster.volumeAvailabilityZone = "nova";
        const split = await runSite(site, { stack: "uksrc", secrets: secretsOf("uksrc"), invokes: { "openstack:compute/getAvailabilityZones:getAvailabilityZones": zones(["nova", "gpu"]) } });
        expect(split.error).to.equal(undefined);
        const values = inputsOf(releaseOf(split, "openstack-cluster")).values;
        expect(values.nodeGroups[0].failureDomain).to.equal("gpu");
        expect(values.addons.openstack.csiCinder.defaultStorageClass.availabilityZone).to.equal("nova");
    });
});

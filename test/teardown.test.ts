// Teardown: `pulumi destroy` of a test site leaves nothing in the cloud. Read from the recorded
// plan (protect, retainOnDelete, deletedWith, dependencies) and from the objects the real charts
// render from the recorded values:
// - nothing is protected or retained;
// - an in-cluster resource that makes the cluster's controllers create something in the cloud (a
//   LoadBalancer Service: an Octavia load balancer whose VIP port sits on the site subnet; a claim of
//   a cloud storage class: a Cinder volume) is deleted while the cluster still runs. Pulumi deletes
//   a resource before everything it waits for, so the cluster must be in the resource's dependency
//   closure; and the resource must not be `deletedWith` the cluster, since Pulumi then skips its
//   delete when the cluster goes too, and nothing is left running to remove the cloud resource
//   (Magnum and the Cluster API remove their own API load balancer, not the cloud controller's or
//   Cinder CSI's: cluster-api-janitor-openstack exists for exactly that, README.md:10-14,
//   azimuth-cloud/cluster-api-janitor-openstack@9a0ab9a, and the site cannot count on one).
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { workloadProviderName } from "../components/cluster/names";
import { crdGroupsOf, kubeVersionOf } from "../tools/render/cluster-facts";
import type { KubeObject } from "../tools/render/kube-schema";
import { vendoredChartDir } from "../tools/render/reference";
import { releaseType, renderSite, type SiteRender } from "../tools/render/render-site";
import type { RecordedResource, Recording } from "../tools/engine/record";
import { buildPlan } from "../tools/synth/plan";
import { inputsOf, keysWith, named, problemsOf, runStack, secretsOf, siteOf, upstream } from "./harness";

const clusterType = "openstack:containerinfra/cluster:Cluster";
const namespaceType = "kubernetes:core/v1:Namespace";

/** A claim asks for a cloud volume unless it names the empty class (bound only to a given volume, as the RSE's NFS claims are). */
const claimsCloudVolume = (spec: { storageClassName?: unknown } | undefined) => spec !== undefined && spec.storageClassName !== "";

/** What an object makes the cluster's controllers create in the cloud, if anything. */
export function cloudHoldingOf(o: KubeObject): string | undefined {
    const spec = (o as { spec?: any }).spec;
    if (o.kind === "Service" && spec?.type === "LoadBalancer") return "an Octavia load balancer (the cloud controller's, for a LoadBalancer Service)";
    if (o.kind === "PersistentVolumeClaim" && claimsCloudVolume(spec)) return "a Cinder volume (Cinder CSI's, for a claim of the default or a named class)";
    if (o.kind === "StatefulSet" && (spec?.volumeClaimTemplates ?? []).some((t: any) => claimsCloudVolume(t.spec ?? {}))) return "Cinder volumes (the StatefulSet's claims)";
    // CloudNativePG makes a claim per instance from spec.storage (and spec.walStorage), of its
    // storageClass or else the default class (cloudnative-pg@v1.30.0:api/v1/cluster_types.go:2249-2255).
    if (String(o.apiVersion).startsWith("postgresql.cnpg.io/") && o.kind === "Cluster" && (spec?.storage || spec?.walStorage)) return "Cinder volumes (the claims CloudNativePG makes from spec.storage)";
    return undefined;
}

/** The chart's own default of a values path, from the vendored chart. */
function chartDefault(chart: string, version: string, path: readonly string[]): unknown {
    const values = parse(readFileSync(join(vendoredChartDir(chart, version), "values.yaml"), "utf8"));
    return path.reduce<any>((v, k) => v?.[k], values);
}

export interface Holder {
    readonly resource: RecordedResource;
    readonly holds: string;
}

/** The resource whose deletion deletes the site's cluster: the Magnum cluster, or the openstack-cluster release in the management cluster. */
export function clusterAnchor(r: Recording): RecordedResource | undefined {
    return r.resources.find((x) => x.type === clusterType) ?? r.resources.find((x) => x.type === releaseType && inputsOf(x).chart === "openstack-cluster");
}

/**
 * The in-cluster resources that hold a cloud resource: an object the program registers, a release
 * whose rendered objects include one, and the namespace where JupyterHub's spawner makes the users'
 * home claims at run time (z2jh `singleuser.storage.type: dynamic`, the chart's default).
 */
export function cloudHolders(r: Recording, rendered: SiteRender): Holder[] {
    const site = String((r.outputs as { site?: string }).site);
    const provider = r.resources.find((x) => x.type === "pulumi:providers:kubernetes" && x.name === workloadProviderName(site));
    const inCluster = (x: RecordedResource) => provider !== undefined && x.provider === provider.urn;
    const holders: Holder[] = [];
    for (const x of r.resources.filter((x) => x.custom && inCluster(x) && x.type !== releaseType)) {
        const holds = cloudHoldingOf(x.inputs as KubeObject);
        if (holds) holders.push({ resource: x, holds });
    }
    for (const release of rendered.releases.filter((rel) => inCluster(rel.resource))) {
        const holds = release.objects.map(cloudHoldingOf).filter((h): h is string => h !== undefined);
        if (holds.length) holders.push({ resource: release.resource, holds: [...new Set(holds)].join("; ") });
        if (release.chart === "jupyterhub") {
            const storage = inputsOf(release.resource).values?.singleuser?.storage?.type ?? chartDefault(release.chart, release.version, ["singleuser", "storage", "type"]);
            if (storage === "dynamic") {
                const ns = r.resources.find((x) => x.type === namespaceType && inCluster(x) && inputsOf(x).metadata?.name === inputsOf(release.resource).namespace);
                if (!ns) throw new Error(`no namespace resource for ${release.resource.name}'s namespace ${inputsOf(release.resource).namespace}`);
                holders.push({ resource: ns, holds: "Cinder volumes (the home claims JupyterHub's spawner makes in it)" });
            }
        }
    }
    return holders;
}

/** Every way a recorded test site would leave something behind on `pulumi destroy`, one line each. */
export function teardownViolations(r: Recording, rendered: SiteRender): string[] {
    const problems: string[] = [];
    for (const x of r.resources) {
        if (x.protect) problems.push(`${x.name} (${x.type}) is protected: destroy refuses it`);
        if (x.retainOnDelete) problems.push(`${x.name} (${x.type}) is retained on delete: destroy leaves it in the cloud`);
    }
    const anchor = clusterAnchor(r);
    if (!anchor) return problems;
    for (const h of cloudHolders(r, rendered)) problems.push(...holderViolations(r, anchor, h));
    return problems;
}

function holderViolations(r: Recording, anchor: RecordedResource, h: Holder): string[] {
    const problems: string[] = [];
    if (h.resource.deletedWith !== undefined) {
        const withName = r.resources.find((x) => x.urn === h.resource.deletedWith)?.name ?? h.resource.deletedWith;
        problems.push(`${h.resource.name} holds ${h.holds}, but is deletedWith ${withName}: its delete is skipped and the cloud resource stays`);
    }
    if (!upstream(r, h.resource.urn).has(anchor.urn)) problems.push(`${h.resource.name} holds ${h.holds}, but does not wait for ${anchor.name}: it may be deleted after the cluster is gone`);
    return problems;
}

function render(r: Recording): SiteRender {
    const plan = buildPlan(r);
    const rendered = renderSite(r.resources, { kubeVersionFor: kubeVersionOf(plan), crdGroupsFor: crdGroupsOf(plan) });
    expect(rendered.problems, "every release renders").to.deep.equal([]);
    return rendered;
}

/** uksrc, a production site, as a test environment: valid as such (checked below). */
const asTest = (site: any) => (site.environment = "test");

const testSites: Record<string, () => Promise<Recording>> = {
    "dev (magnum)": () => runStack("dev"),
    "uksrc as a test site (capi)": () => runStack("uksrc", asTest),
    "dev with a zone of its own and a second node group": () =>
        runStack("dev", (s) => {
            s.dns.createZone = true;
            s.cluster.nodeGroups.push({ name: "burst", flavor: "m1.large", minCount: 1, maxCount: 3 });
        }),
};

describe("teardown: a test site leaves nothing behind", function () {
    this.timeout(180000);

    it("uksrc as a test environment is a valid site", () => {
        const site = siteOf("uksrc");
        asTest(site);
        expect(problemsOf(site, keysWith(Object.keys(secretsOf("uksrc"))))).to.deep.equal([]);
    });

    for (const [label, record] of Object.entries(testSites)) {
        describe(label, () => {
            let r: Recording;
            let rendered: SiteRender;
            before(async () => {
                r = await record();
                rendered = render(r);
            });

            it("is a test site that builds its own cluster", () => {
                expect((r.outputs as any).environment).to.equal("test");
                expect(clusterAnchor(r), "the cluster").to.not.equal(undefined);
            });

            it("protects nothing and retains nothing", () => {
                expect(r.resources.filter((x) => x.protect || x.retainOnDelete).map((x) => x.name)).to.deep.equal([]);
            });

            it("finds the in-cluster holders of cloud resources: the ingress's load balancer and the volumes", () => {
                const holders = cloudHolders(r, rendered);
                const site = String((r.outputs as any).site);
                const lb = holders.filter((h) => /load balancer/.test(h.holds)).map((h) => h.resource.name);
                expect(lb, "Traefik's Service is the one LoadBalancer").to.deep.equal([`${site}-traefik`]);
                const volumes = holders.filter((h) => /volume/.test(h.holds)).map((h) => h.resource.name);
                // The hub's database claim (z2jh hub.db.type sqlite-pvc) and the users' homes.
                expect(volumes).to.include.members([`${site}-jupyterhub`]);
                expect(holders.filter((h) => h.resource.type === namespaceType).map((h) => h.resource.name)).to.deep.equal([`${site}-jupyterhub`]);
                if ((r.outputs as any).rucio.mode === "deploy") expect(volumes, "Rucio's PostgreSQL").to.include(`${site}-rucio-db`);
                // The RSE's claims bind the NFS volumes the site makes: no cloud volume.
                for (const x of r.resources.filter((x) => x.type === "kubernetes:core/v1:PersistentVolumeClaim")) expect(cloudHoldingOf(x.inputs as KubeObject), x.name).to.equal(undefined);
            });

            it("deletes every in-cluster holder of a cloud resource while the cluster runs: after its own delete, not with the cluster's", () => {
                expect(teardownViolations(r, rendered)).to.deep.equal([]);
            });

            it("deletes the cluster before the subnet its load balancers sit on", () => {
                const site = String((r.outputs as any).site);
                expect(upstream(r, clusterAnchor(r)!.urn)).to.include(named(r, `${site}-subnet`).urn);
            });
        });
    }

    // The check finds each way of breaking the rule (so that a green run means something).
    describe("the check itself", () => {
        let r: Recording;
        let rendered: SiteRender;
        before(async () => {
            r = await runStack("dev");
            rendered = render(r);
        });
        const changed = (name: string, change: Partial<RecordedResource>): Recording => ({
            ...r,
            resources: r.resources.map((x) => (x.name === name && x.custom ? { ...x, ...change } : x)),
        });

        it("reports an ingress controller deleted with the cluster", () => {
            const broken = changed("dev-traefik", { deletedWith: clusterAnchor(r)!.urn });
            const lines = teardownViolations(broken, render(broken));
            expect(lines.join("\n")).to.match(/dev-traefik holds an Octavia load balancer .*deletedWith dev-k8s/);
        });

        it("reports a holder that does not wait for the cluster", () => {
            const anchor = clusterAnchor(r)!.urn;
            // Every in-cluster resource waits for the cluster through its provider today, so this rule
            // guards a future holder put on a provider that does not (another cluster's, say): cut
            // every path from the database release to the cluster to stand for one.
            const broken: Recording = { ...r, resources: r.resources.map((x) => (x.name === "dev-rucio-db" && x.custom ? { ...x, provider: null, dependsOn: [], parent: null } : x)) };
            expect(upstream(broken, named(broken, "dev-rucio-db").urn).has(anchor)).to.equal(false);
            expect(teardownViolations(broken, rendered).join("\n")).to.match(/dev-rucio-db holds Cinder volumes .* does not wait for dev-k8s/);
        });

        it("reports a protected or retained resource", () => {
            const lines = teardownViolations(changed("dev-storm-data", { protect: true, retainOnDelete: true }), rendered);
            expect(lines).to.include.members(["dev-storm-data (openstack:blockstorage/volume:Volume) is protected: destroy refuses it", "dev-storm-data (openstack:blockstorage/volume:Volume) is retained on delete: destroy leaves it in the cloud"]);
        });
    });
});

describe("teardown: a production site's load balancer goes before its cluster too", function () {
    this.timeout(120000);
    let r: Recording;
    let rendered: SiteRender;
    before(async () => {
        r = await runStack("uksrc");
        rendered = render(r);
    });

    it("deletes Traefik, and its load balancer with it, while the cluster runs", () => {
        const anchor = clusterAnchor(r)!;
        const lb = cloudHolders(r, rendered).filter((h) => /load balancer/.test(h.holds));
        expect(lb.map((h) => h.resource.name)).to.deep.equal(["uksrc-traefik"]);
        for (const h of lb) expect(holderViolations(r, anchor, h)).to.deep.equal([]);
    });
});

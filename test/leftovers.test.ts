// npm run leftovers: its query planning and result filtering as plain functions, the names it
// looks for held to what the program registers, and the tool itself (in process and as the CLI)
// against the loopback OpenStack stand-in (test/openstack/), whose list rules have their own test.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync as makeTemp, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deriveSite } from "../config/derive";
import { siteSchema } from "../config/schema";
import { LoginError, resolveLogin, tokenRequest, type LoginLookup } from "../tools/leftovers/credentials";
import { endpointOf, type CatalogEntry } from "../tools/leftovers/keystone";
import { factsOf, followUps, judge, leftoversOf, planQueries, services, UnfilteredAnswer, type Item, type Query } from "../tools/leftovers/plan";
import { exitCodeOf, findLeftovers, nextLink, tableOf, textOf } from "../tools/leftovers/run";
import { leftoverSite, readLeftoverSite, type LeftoverSite } from "../tools/leftovers/site";
import { crdGroupsOf, kubeVersionOf } from "../tools/render/cluster-facts";
import { renderSite } from "../tools/render/render-site";
import type { Recording } from "../tools/engine/record";
import { buildPlan } from "../tools/synth/plan";
import { inputsOf, ofType, repoRoot, runStack, siteOf, stackFile } from "./harness";
import { FakeOpenStack, type Project } from "./openstack/cloud";

/** Scratch directories of these tests, removed at the end. */
const scratch: string[] = [];
const mkdtempSync = (prefix: string) => {
    const dir = makeTemp(prefix);
    scratch.push(dir);
    return dir;
};
after(() => scratch.forEach((d) => rmSync(d, { recursive: true, force: true })));

const siteFor = (stack: "dev" | "uksrc", change: (s: any) => void = () => undefined): LeftoverSite => {
    const site = siteOf(stack);
    change(site);
    return leftoverSite(deriveSite(siteSchema.parse(site)), stack);
};

/** A file system of a few files, for the login lookup. */
function files(env: Record<string, string | undefined>, content: Record<string, string>, home = "/home/op", cwd = "/work"): LoginLookup {
    const read = (p: string) => {
        if (!(p in content)) throw new Error(`ENOENT ${p}`);
        return content[p];
    };
    return { env, home, cwd, exists: (p) => p in content, read };
}

describe("leftovers: the site's names, as the program registers them", function () {
    this.timeout(120000);
    let dev: Recording;
    let uksrc: Recording;
    before(async () => {
        dev = await runStack("dev");
        uksrc = await runStack("uksrc");
    });

    it("reads the site from its stack file: tag, zone and hostnames, cluster", () => {
        const site = readLeftoverSite(stackFile("dev"));
        expect(site).to.deep.include({ stack: "dev", name: "dev", tag: "site:dev", tags: ["srcnet-site", "site:dev", "environment:test"] });
        expect(site.dns).to.deep.equal({ zone: "srcnet.example.org", createZone: false, hostnames: ["storm.dev.srcnet.example.org", "jupyter.dev.srcnet.example.org", "rucio.dev.srcnet.example.org", "rucio-ui.dev.srcnet.example.org"] });
        expect(site.cluster).to.deep.include({ backend: "magnum", name: "dev-k8s", nodePrefix: "dev-k8s-" });
        expect(readLeftoverSite(stackFile("uksrc")).cluster).to.deep.include({ backend: "capi", name: "uksrc-k8s", capiNamespace: "default", applicationCredential: "uksrc-capi" });
    });

    it("looks for the Magnum cluster and template by the names the program gives them", () => {
        const site = siteFor("dev");
        const cluster = ofType(dev, "openstack:containerinfra/cluster:Cluster")[0];
        expect(inputsOf(cluster).name).to.equal(site.cluster.name);
        expect(new RegExp(`^${site.cluster.cloudNames[0]}$`).test(inputsOf(cluster).name)).to.equal(true);
        expect(inputsOf(ofType(dev, "openstack:containerinfra/clusterTemplate:ClusterTemplate")[0]).name).to.match(site.cluster.templateName!);
        expect(siteFor("dev", (s) => (s.cluster.template = "shared-template")).cluster.templateName, "an existing template is not the site's").to.equal(undefined);
    });

    it("looks for the Cluster API cluster and its credential by the names the program gives them", () => {
        const site = siteFor("uksrc");
        const release = ofType(uksrc, "kubernetes:helm.sh/v3:Release").find((r) => inputsOf(r).chart === "openstack-cluster")!;
        expect(inputsOf(release).name).to.equal(site.cluster.name);
        expect(inputsOf(release).namespace).to.equal(site.cluster.capiNamespace);
        expect(inputsOf(ofType(uksrc, "openstack:identity/applicationCredential:ApplicationCredential")[0]).name).to.equal(site.cluster.applicationCredential);
    });

    it("looks for the record sets the program creates", () => {
        const names = ofType(dev, "openstack:dns/recordSet:RecordSet").map((r) => inputsOf(r).name).sort();
        expect(names).to.deep.equal(siteFor("dev").dns!.hostnames.map((h) => `${h}.`).sort());
    });

    it("recognises the load balancer the cloud controller makes for the rendered Traefik Service", () => {
        for (const [r, stack, cloudName] of [
            [dev, "dev", "dev-k8s-a1b2c3d4e5f6"],
            [uksrc, "uksrc", "uksrc-k8s"],
        ] as const) {
            const plan = buildPlan(r);
            const rendered = renderSite(r.resources.filter((x) => x.type === "kubernetes:helm.sh/v3:Release" && inputsOf(x).chart === "traefik"), { kubeVersionFor: kubeVersionOf(plan), crdGroupsFor: crdGroupsOf(plan) });
            const service = rendered.releases[0].objects.find((o: any) => o.kind === "Service" && o.spec?.type === "LoadBalancer")!;
            // cloud-provider-openstack@v1.36.0:pkg/openstack/loadbalancer.go:100-101,369-371
            const lbName = `kube_service_${cloudName}_${service.metadata!.namespace ?? inputsOf(rendered.releases[0].resource).namespace}_${service.metadata!.name}`;
            const site = siteFor(stack);
            const q = planQueries(site).find((x) => x.match.by === "cluster-load-balancer")!;
            expect(judge(site, q, { id: "lb", name: lbName }, factsOf(site, new Map())), lbName).to.match(/cloud controller/);
        }
    });
});

describe("leftovers: query planning", () => {
    const dev = siteFor("dev");
    const uksrc = siteFor("uksrc");
    const byKey = (qs: Query[], key: string) => qs.find((q) => q.key === key)!;

    it("asks Neutron for each kind by the site's tag (tags=, all of them)", () => {
        const qs = planQueries(dev);
        const neutron = qs.filter((q) => q.service === "network");
        expect(neutron.map((q) => q.path)).to.deep.equal(["networks", "subnets", "routers", "ports", "security-groups", "floatingips"].map((p) => `/${p}?tags=site%3Adev`));
        expect(neutron.map((q) => q.collection)).to.deep.equal(["networks", "subnets", "routers", "ports", "security_groups", "floatingips"]);
    });

    it("asks Nova at microversion 2.26 by tag, and for the cluster's nodes by an anchored name", () => {
        const qs = planQueries(dev);
        const tagged = byKey(qs, "compute servers site:dev");
        expect(tagged.path).to.equal("/servers/detail?tags=site%3Adev");
        expect(tagged.headers).to.deep.equal({ "X-OpenStack-Nova-API-Version": "2.26" });
        expect(new URLSearchParams(byKey(qs, "compute servers of the cluster").path.split("?")[1]).get("name")).to.equal("^dev-k8s-");
    });

    it("asks Cinder with a metadata dictionary of the site's tag", () => {
        const q = byKey(planQueries(dev), "block-storage volumes site:dev");
        expect(JSON.parse(new URLSearchParams(q.path.split("?")[1]).get("metadata")!)).to.deep.equal({ "site:dev": "true" });
    });

    it("asks Magnum only for a Magnum site, Keystone for the credential only for a Cluster API site", () => {
        expect(planQueries(dev).filter((q) => q.service === "container-infra").map((q) => q.path)).to.deep.equal(["/clusters", "/clustertemplates"]);
        expect(planQueries(dev, "user-1").some((q) => q.service === "identity")).to.equal(false);
        expect(planQueries(uksrc).some((q) => q.service === "container-infra")).to.equal(false);
        expect(byKey(planQueries(uksrc, "user-1"), "identity application credentials").path).to.equal("/users/user-1/application_credentials?name=uksrc-capi");
    });

    it("asks Designate for the zone, then for the A record of each hostname in it", () => {
        expect(byKey(planQueries(dev), "dns zones").path).to.equal("/zones?name=srcnet.example.org.");
        const next = followUps(dev, new Map([["dns zones", [{ id: "z1", name: "srcnet.example.org." }, { id: "z2", name: "elsewhere.org." }]]]));
        expect(next.map((q) => q.path)).to.deep.equal(dev.dns!.hostnames.map((h) => `/zones/z1/recordsets?name=${h}.&type=A`));
        expect(planQueries(siteFor("dev", (s) => (s.dns = { provider: "external" }))).some((q) => q.service === "dns")).to.equal(false);
    });

    it("reaches each API below its catalog endpoint, versioned or not", () => {
        expect(services.network.root("https://neutron:9696")).to.equal("https://neutron:9696/v2.0");
        expect(services.network.root("https://neutron:9696/v2.0/")).to.equal("https://neutron:9696/v2.0");
        expect(services.dns.root("https://designate:9001/")).to.equal("https://designate:9001/v2");
        expect(services["load-balancer"].root("https://octavia:9876/v2.0")).to.equal("https://octavia:9876/v2");
        expect(services["container-infra"].root("https://magnum:9511/v1")).to.equal("https://magnum:9511/v1");
        expect(services.identity.root("https://keystone:5000")).to.equal("https://keystone:5000/v3");
        expect(services["block-storage"].root("https://cinder:8776/v3/p1")).to.equal("https://cinder:8776/v3/p1");
    });
});

describe("leftovers: result filtering", () => {
    const dev = siteFor("dev");
    const qs = planQueries(dev);
    const q = (key: string) => qs.find((x) => x.key === key)!;
    const facts = factsOf(dev, new Map());

    it("keeps what carries the site's tag, whatever the API answered", () => {
        expect(judge(dev, q("network networks site:dev"), { id: "n", name: "dev-net", tags: ["site:dev"] }, facts)).to.equal("tagged site:dev");
        expect(judge(dev, q("network networks site:dev"), { id: "n", name: "x", tags: ["site:dev-2", "srcnet-site"] }, facts)).to.equal(undefined);
    });

    it("fails on an answer to a tag query whose items show no tags (a filter the service did not apply)", () => {
        expect(() => judge(dev, q("compute servers site:dev"), { id: "s", name: "anything" }, facts)).to.throw(UnfilteredAnswer, /Nova \(compute\).*did not apply the tag filter/);
        const { leftovers, problems } = leftoversOf(dev, qs, new Map([["compute servers site:dev", [{ id: "s", name: "anything" }]]]));
        expect(leftovers).to.deep.equal([]);
        expect(problems.map((p) => p.service)).to.deep.equal(["compute"]);
    });

    it("recognises what the cluster made: nodes, Cinder CSI's volumes, the cloud controller's and Cluster API's load balancers", () => {
        expect(judge(dev, q("compute servers of the cluster"), { id: "1", name: "dev-k8s-abcdefghijkl-control-plane-x" }, facts)).to.match(/node/);
        expect(judge(dev, q("compute servers of the cluster"), { id: "1", name: "dev-k8s-storm", tags: ["site:dev-k8s"] }, facts), "a site named dev-k8s").to.equal(undefined);
        const csi = q("block-storage volumes of the cluster");
        expect(judge(dev, csi, { id: "v", name: "pvc-1", metadata: { "cinder.csi.openstack.org/cluster": "dev-k8s-abcdefghijkl" } }, facts)).to.match(/Cinder CSI/);
        expect(judge(dev, csi, { id: "v", name: "pvc-1", metadata: { "cinder.csi.openstack.org/cluster": "dev-k8s-abc" } }, facts)).to.equal(undefined);
        const lb = q("load-balancer loadbalancers of the cluster");
        expect(judge(dev, lb, { id: "l", name: "kube_service_dev-k8s-abcdefghijkl_traefik_traefik" }, facts)).to.match(/cloud controller/);
        expect(judge(dev, lb, { id: "l", name: "renamed", tags: ["kube_service_dev-k8s_traefik_traefik"] }, facts)).to.match(/cloud controller/);
        expect(judge(dev, lb, { id: "l", name: "x", description: "Kubernetes external service traefik/traefik from cluster dev-k8s" }, facts)).to.match(/description/);
        expect(judge(dev, lb, { id: "l", name: "kube_service_other-k8s_traefik_traefik" }, facts)).to.equal(undefined);
        const uksrc = siteFor("uksrc");
        const capiLb = planQueries(uksrc).find((x) => x.match.by === "cluster-load-balancer")!;
        expect(judge(uksrc, capiLb, { id: "l", name: "k8s-clusterapi-cluster-default-uksrc-k8s-kubeapi" }, factsOf(uksrc, new Map()))).to.match(/Cluster API/);
    });

    it("adds the Magnum cluster's UUID and release while it is there, and the site's networks", () => {
        const answers = new Map<string, Item[]>([
            ["container-infra clusters", [{ uuid: "0f9a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b", name: "dev-k8s", stack_id: "dev-k8s-zz99yy88xx77" }]],
            ["network networks site:dev", [{ id: "net-1", name: "dev-net", tags: ["site:dev"] }]],
        ]);
        const more = factsOf(dev, answers);
        const lb = q("load-balancer loadbalancers of the cluster");
        expect(judge(dev, lb, { id: "l", name: "lb", description: "Kubernetes external service a/b from cluster 0f9a1b2c-3d4e-4f50-8a6b-7c8d9e0f1a2b" }, more)).to.match(/description/);
        expect(judge(dev, lb, { id: "l", name: "somebody's", vip_network_id: "net-1" }, more)).to.match(/site's network/);
        expect(judge(dev, lb, { id: "l", name: "somebody's", vip_network_id: "net-1" }, facts)).to.equal(undefined);
    });

    it("reports each resource once, under the first query that finds it", () => {
        const volume = { id: "v1", name: "dev-storm-data", metadata: { "site:dev": "true", "cinder.csi.openstack.org/cluster": "dev-k8s" } };
        const { leftovers } = leftoversOf(dev, qs, new Map([["block-storage volumes site:dev", [volume]], ["block-storage volumes of the cluster", [volume]]]));
        expect(leftovers).to.deep.equal([{ kind: "volume", id: "v1", name: "dev-storm-data", service: "block-storage", why: "metadata site:dev=true" }]);
    });

    it("takes the record of a hostname only, and the zone only when the site created it", () => {
        const [rs] = followUps(dev, new Map([["dns zones", [{ id: "z", name: "srcnet.example.org." }]]]));
        expect(judge(dev, rs, { id: "r", name: "storm.dev.srcnet.example.org.", type: "A" }, facts)).to.match(/hostname/);
        expect(judge(dev, rs, { id: "r", name: "storm.dev.srcnet.example.org.", type: "TXT" }, facts)).to.equal(undefined);
        expect(judge(dev, q("dns zones"), { id: "z", name: "srcnet.example.org." }, facts)).to.equal(undefined);
        const own = siteFor("dev", (s) => (s.dns.createZone = true));
        expect(judge(own, planQueries(own).find((x) => x.key === "dns zones")!, { id: "z", name: "srcnet.example.org." }, factsOf(own, new Map()))).to.match(/created/);
    });

    it("pages through each API's next link", () => {
        expect(nextLink({ networks_links: [{ rel: "next", href: "http://n/v2.0/networks?marker=a" }] }, "networks", "http://n/v2.0/networks")).to.equal("http://n/v2.0/networks?marker=a");
        expect(nextLink({ links: { next: "/v2/zones?marker=b" } }, "zones", "http://d/v2/zones")).to.equal("http://d/v2/zones?marker=b");
        expect(nextLink({ next: "http://m/v1/clusters?marker=c" }, "clusters", "http://m/v1/clusters")).to.equal("http://m/v1/clusters?marker=c");
        expect(nextLink({ networks_links: [{ rel: "previous", href: "x" }], links: { next: null } }, "networks", "http://n/")).to.equal(undefined);
    });

    it("prints a table of type, id and name, and exits 0, 1 or 2", () => {
        expect(tableOf([{ kind: "network", id: "n-1", name: "dev-net", service: "network", why: "" }])).to.equal("TYPE     ID   NAME\nnetwork  n-1  dev-net");
        expect(exitCodeOf({ leftovers: [], errors: [] })).to.equal(0);
        expect(exitCodeOf({ leftovers: [{ kind: "network", id: "n", name: "", service: "network", why: "" }], errors: [] })).to.equal(1);
        expect(exitCodeOf({ leftovers: [{ kind: "network", id: "n", name: "", service: "network", why: "" }], errors: [{ service: "compute", query: "q", message: "m" }] })).to.equal(2);
    });
});

describe("leftovers: the login the provider uses", () => {
    const clouds = `clouds:
  openstack:
    auth:
      auth_url: https://keystone.example.org:5000/v3
      username: op
      project_name: srcnet
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    regions:
      - name: RegionTwo
        values:
          auth:
            auth_url: https://keystone-two.example.org:5000
`;

    it("takes a clouds.yaml entry as the provider does, with secure.yaml's password over it", () => {
        const at = files({}, { "/work/clouds.yaml": clouds, "/home/op/.config/openstack/secure.yaml": "clouds:\n  openstack:\n    auth:\n      password: from-secure\n" });
        const login = resolveLogin({ cloud: "openstack" }, at);
        expect(login).to.deep.include({ region: "RegionOne", interface: "public", source: "cloud openstack of /work/clouds.yaml" });
        expect(login.auth).to.deep.include({ authUrl: "https://keystone.example.org:5000/v3", username: "op", password: "from-secure", projectName: "srcnet" });
        expect(tokenRequest(login)).to.deep.equal({
            auth: { identity: { methods: ["password"], password: { user: { name: "op", domain: { name: "Default" }, password: "from-secure" } } }, scope: { project: { name: "srcnet", domain: { name: "Default" } } } },
        });
    });

    it("takes the region's own values, OS_CLIENT_CONFIG_FILE first, and fills what is empty from OS_*", () => {
        const at = files({ OS_CLIENT_CONFIG_FILE: "/etc/site/clouds.yaml", OS_PASSWORD: "from-env", OS_USERNAME: "ignored" }, { "/etc/site/clouds.yaml": clouds, "/work/clouds.yaml": "clouds: {}\n" });
        const login = resolveLogin({ cloud: "openstack", region: "RegionTwo" }, at);
        expect(login.auth).to.deep.include({ authUrl: "https://keystone-two.example.org:5000", username: "op", password: "from-env" });
        expect(login.region).to.equal("RegionTwo");
    });

    it("without a cloud: the OS_* variables and the site's application credential, its secret from OS_APPLICATION_CREDENTIAL_SECRET", () => {
        const at = files({ OS_AUTH_URL: "https://keystone.example.org:5000", OS_APPLICATION_CREDENTIAL_SECRET: "s", OS_ENDPOINT_TYPE: "internalURL" }, {});
        const login = resolveLogin({ applicationCredentialId: "abc" }, at);
        expect(login.interface).to.equal("internal");
        expect(tokenRequest(login)).to.deep.equal({ auth: { identity: { methods: ["application_credential"], application_credential: { id: "abc", secret: "s" } } } });
        expect(() => tokenRequest(resolveLogin({ applicationCredentialId: "abc" }, files({ OS_AUTH_URL: "https://k" }, {})))).to.throw(LoginError, /OS_APPLICATION_CREDENTIAL_SECRET/);
    });

    it("with a cloud, leaves the site's application credential aside, as the provider does (gophercloud/utils terraform/auth/config.go:103-133)", () => {
        const login = resolveLogin({ cloud: "openstack", applicationCredentialId: "abc" }, files({ OS_PASSWORD: "p" }, { "/work/clouds.yaml": clouds }));
        expect(login.auth.applicationCredentialId).to.equal(undefined);
        expect(tokenRequest(login)).to.have.nested.property("auth.identity.methods[0]", "password");
    });

    it("says what is missing: the cloud's entry, or any Keystone URL", () => {
        expect(() => resolveLogin({ cloud: "elsewhere" }, files({}, { "/work/clouds.yaml": clouds }))).to.throw(LoginError, /cloud elsewhere .* is not in \/work\/clouds.yaml/);
        expect(() => resolveLogin({ cloud: "openstack" }, files({}, {}))).to.throw(LoginError, /needs a clouds.yaml/);
        expect(() => resolveLogin({}, files({}, {}))).to.throw(LoginError, /OS_AUTH_URL/);
    });

    it("picks the catalog endpoint of the interface, in the region", () => {
        const catalog: CatalogEntry[] = [
            { type: "network", endpoints: [{ interface: "public", region: "RegionOne", url: "https://one" }, { interface: "public", region_id: "RegionTwo", url: "https://two" }, { interface: "internal", region: "RegionTwo", url: "http://two-internal" }] },
        ];
        expect(endpointOf(catalog, ["network"], "public", "RegionTwo")).to.equal("https://two");
        expect(endpointOf(catalog, ["network"], "internal", "RegionTwo")).to.equal("http://two-internal");
        expect(endpointOf(catalog, ["network"], "public")).to.equal("https://one");
        expect(endpointOf(catalog, ["dns"], "public")).to.equal(undefined);
    });
});

// --- against the stand-in

interface Scenario {
    readonly cloud: FakeOpenStack;
    readonly project: Project;
    /** kind and name of every resource the tool must list. */
    readonly expected: readonly string[];
}

/** What another site, another project and near misses leave: the tool lists none of it. */
function distractors(cloud: FakeOpenStack, project: Project): void {
    const other = cloud.project("someone-else");
    cloud.addNeutron("networks", project, { name: "other-net", tags: ["srcnet-site", "site:other", "environment:test"] });
    cloud.addNeutron("networks", project, { name: "dev-2-net", tags: ["srcnet-site", "site:dev-2", "environment:test"] });
    cloud.addNeutron("networks", project, { name: "untagged-site-net", tags: ["srcnet-site", "environment:test"] });
    cloud.addNeutron("networks", other, { name: "their-dev-net", tags: ["site:dev"] });
    cloud.addServer(project, "my-dev-k8s-box");
    cloud.addServer(project, "dev-k8s-storm", ["srcnet-site", "site:dev-k8s", "environment:test"]);
    cloud.addServer(other, "dev-storm", ["site:dev"]);
    cloud.addVolume(project, "not-quite", { "site:dev": "false" });
    cloud.addVolume(project, "pvc-other", { "cinder.csi.openstack.org/cluster": "other-k8s-abcdefghijkl" });
    cloud.addLoadBalancer(project, "kube_service_other-k8s_traefik_traefik");
    cloud.addLoadBalancer(project, "unrelated");
    cloud.addMagnumCluster(project, "other-k8s");
    cloud.addMagnumTemplate(project, "dev-k8s-custom");
    const zone = cloud.addZone(project, "srcnet.example.org.");
    cloud.addRecordset(zone, "storm.other.srcnet.example.org.", "A", ["203.0.113.1"]);
    cloud.addRecordset(zone, "jupyter.dev.srcnet.example.org.", "TXT", ['"kept"']);
}

/** A dev site whose destroy stopped half-way: the cluster failed to delete, and its load balancer kept the network. */
function halfDestroyedDev(cloud: FakeOpenStack, project: Project): string[] {
    const tags = ["srcnet-site", "site:dev", "environment:test"];
    const net = cloud.addNeutron("networks", project, { name: "dev-net", tags });
    cloud.addNeutron("subnets", project, { name: "dev-subnet", network_id: net.id, tags });
    cloud.addNeutron("security-groups", project, { name: "dev-web", tags });
    cloud.addNeutron("floatingips", project, { floating_ip_address: "203.0.113.80", description: "Ingress of SRC site dev", tags });
    cloud.addNeutron("ports", project, { name: "octavia-lb-vip", network_id: net.id, device_owner: "Octavia" });
    const release = "dev-k8s-abcdefghijkl";
    cloud.addServer(project, `${release}-default-worker-1`);
    cloud.addVolume(project, "dev-storm-data", { "srcnet-site": "true", "site:dev": "true", "environment:test": "true" });
    cloud.addVolume(project, "pvc-0b1c", { "cinder.csi.openstack.org/cluster": release, "csi.storage.k8s.io/pvc/name": "hub-db-dir" });
    cloud.addLoadBalancer(project, `kube_service_${release}_traefik_traefik`, { tags: [`kube_service_${release}_traefik_traefik`], vip_network_id: net.id });
    cloud.addMagnumCluster(project, "dev-k8s", { status: "DELETE_FAILED", stack_id: release });
    cloud.addMagnumTemplate(project, "dev-k8s-0a1b2c3d");
    cloud.addRecordset(cloud.zones.find((z) => z.name === "srcnet.example.org.")!, "jupyter.dev.srcnet.example.org.", "A", ["203.0.113.80"]);
    return [
        "network dev-net",
        "subnet dev-subnet",
        "security-group dev-web",
        "floating-ip 203.0.113.80",
        `server ${release}-default-worker-1`,
        "volume dev-storm-data",
        "volume pvc-0b1c",
        `load-balancer kube_service_${release}_traefik_traefik`,
        "magnum-cluster dev-k8s",
        "magnum-cluster-template dev-k8s-0a1b2c3d",
        "dns-recordset jupyter.dev.srcnet.example.org.",
    ];
}

async function devCloud(options: { leftovers: boolean; pageSize?: number; novaMax?: string }): Promise<Scenario> {
    const cloud = await new FakeOpenStack({ pageSize: options.pageSize ?? 2, novaMax: options.novaMax }).start();
    const project = cloud.project("srcnet-dev");
    cloud.user("srcnet-operator", "operator-password", project);
    distractors(cloud, project);
    const expected = options.leftovers ? halfDestroyedDev(cloud, project) : [];
    return { cloud, project, expected };
}

/** A directory with the clouds.yaml the dev stack's `openstack.cloud: openstack` names. */
function cloudsDir(cloud: FakeOpenStack, entries = ""): string {
    const dir = mkdtempSync(join(tmpdir(), "leftovers-"));
    writeFileSync(
        join(dir, "clouds.yaml"),
        `clouds:
  openstack:
    auth:
      auth_url: ${cloud.authUrl}
      username: srcnet-operator
      password: operator-password
      project_name: srcnet-dev
      user_domain_name: default
      project_domain_name: default
    region_name: ${cloud.region}
${entries}`,
    );
    return dir;
}

const lookupIn = (dir: string, env: Record<string, string> = {}): LoginLookup => ({ env: { OS_CLIENT_CONFIG_FILE: join(dir, "clouds.yaml"), ...env }, home: dir, cwd: dir, exists: existsSync, read: (p) => readFileSync(p, "utf8") });

const main = join(repoRoot, "bin", "tools", "leftovers", "main.js");

/** The CLI as `npm run leftovers` runs it (after the build), asynchronously: the stand-in answers from this process. */
function cli(args: string[], dir: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        execFile(process.execPath, [main, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", HOME: dir, OS_CLIENT_CONFIG_FILE: join(dir, "clouds.yaml"), ...env } }, (err, stdout, stderr) =>
            resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
    });
}

const listed = (leftovers: readonly { kind: string; name: string }[]) => leftovers.map((l) => `${l.kind} ${l.name}`).sort();

describe("leftovers: against the OpenStack stand-in", function () {
    this.timeout(60000);
    const site = () => readLeftoverSite(stackFile("dev"));

    describe("a dev site whose destroy stopped half-way", () => {
        let s: Scenario;
        let dir: string;
        before(async () => {
            s = await devCloud({ leftovers: true });
            dir = cloudsDir(s.cloud);
        });
        after(() => s.cloud.stop());

        it("lists exactly what is left of the site, through every page, and nothing of others", async () => {
            const report = await findLeftovers(site(), { lookup: lookupIn(dir) });
            expect(report.errors).to.deep.equal([]);
            expect(listed(report.leftovers)).to.deep.equal([...s.expected].sort());
            expect(exitCodeOf(report)).to.equal(1);
            expect(report.login).to.equal(`cloud openstack of ${join(dir, "clouds.yaml")}`);
        });

        it("asks with the APIs' own filters: Neutron and Nova by tag (Nova at 2.26), Cinder by a metadata dictionary, Designate by name and type", () => {
            const gets = s.cloud.log.filter((l) => l.method === "GET" && !l.search.has("marker"));
            const neutron = gets.filter((l) => l.service === "network");
            expect(neutron.map((l) => l.path).sort()).to.deep.equal(["floatingips", "networks", "ports", "routers", "security-groups", "subnets"].map((c) => `/network/v2.0/${c}`).sort());
            for (const l of neutron) expect(l.search.get("tags")).to.equal("site:dev");
            const tagged = gets.find((l) => l.service === "compute" && l.search.has("tags"))!;
            expect(tagged.headers["x-openstack-nova-api-version"]).to.equal("2.26");
            const cinder = gets.find((l) => l.service === "volume" && l.search.has("metadata"))!;
            expect(JSON.parse(cinder.search.get("metadata")!)).to.deep.equal({ "site:dev": "true" });
            const records = gets.filter((l) => l.service === "dns" && l.path.endsWith("/recordsets"));
            expect(records.map((l) => `${l.search.get("name")} ${l.search.get("type")}`).sort()).to.deep.equal(site().dns!.hostnames.map((h) => `${h}. A`).sort());
            expect(gets.every((l) => l.path.startsWith("/identity") || typeof l.headers["x-auth-token"] === "string")).to.equal(true);
        });

        it("as the CLI: prints the table, and exits 1", async () => {
            const r = await cli(["--stack", "dev"], dir);
            expect(r.code, r.stderr).to.equal(1);
            const lines = r.stdout.trim().split("\n");
            expect(lines[0]).to.match(/^TYPE\s+ID\s+NAME$/);
            expect(lines.slice(1, 1 + s.expected.length).map((l) => l.split(/\s+/).filter((_, i) => i !== 1).join(" ")).sort()).to.deep.equal([...s.expected].sort());
            expect(lines[lines.length - 1]).to.equal(`${s.expected.length} resources of site dev (stack dev, tag site:dev) are left`);
        });

        it("as the CLI with --json: the leftovers with their IDs and why each is the site's", async () => {
            const r = await cli(["--stack", "dev", "--json"], dir);
            expect(r.code, r.stderr).to.equal(1);
            const out = JSON.parse(r.stdout);
            expect(out).to.deep.include({ stack: "dev", site: "dev", tag: "site:dev", exitCode: 1, errors: [] });
            expect(listed(out.leftovers)).to.deep.equal([...s.expected].sort());
            const lb = out.leftovers.find((l: any) => l.kind === "load-balancer");
            expect(lb.id).to.equal(String(s.cloud.loadbalancers.find((x) => x.name === lb.name)!.id));
            expect(lb.why).to.match(/cloud controller/);
        });

        it("fails clearly, naming the service, when an API errors, and says the listing is incomplete (exit 2)", async () => {
            s.cloud.fail("compute", 500, { computeFault: { code: 500, message: "Unexpected API Error." } });
            try {
                const r = await cli(["--stack", "dev"], dir);
                expect(r.code).to.equal(2);
                expect(r.stderr).to.match(/^error: Nova \(compute\) answered HTTP 500 to GET http:\/\/127\.0\.0\.1:\d+\/compute\/v2\.1\/servers\/detail\?tags=site%3Adev: Unexpected API Error\.$/m);
                expect(r.stderr).to.match(/the listing of site dev .* is incomplete: Nova \(compute\) could not be asked/);
                // What the other services answered is still listed.
                expect(r.stdout).to.include("dev-net");
            } finally {
                s.cloud.clearFaults();
            }
        });

        it("fails naming Keystone when the login is refused", async () => {
            const wrong = mkdtempSync(join(tmpdir(), "leftovers-"));
            writeFileSync(join(wrong, "clouds.yaml"), readFileSync(join(dir, "clouds.yaml"), "utf8").replace("operator-password", "wrong"));
            const refused = await cli(["--stack", "dev"], wrong);
            expect(refused.code).to.equal(2);
            expect(refused.stderr).to.match(/error: Keystone \(identity\) refused the login from cloud openstack of .*: HTTP 401 to POST http:\/\/127\.0\.0\.1:\d+\/identity\/v3\/auth\/tokens: The request you have made requires authentication\./);
        });
    });

    it("exits 0 and says so when nothing of the site is left (other sites' and projects' resources are there)", async () => {
        const s = await devCloud({ leftovers: false });
        try {
            const r = await cli(["--stack", "dev"], cloudsDir(s.cloud));
            expect(r.code, r.stderr).to.equal(0);
            expect(r.stdout.trim()).to.equal("nothing of site dev (stack dev, tag site:dev) is left");
        } finally {
            await s.cloud.stop();
        }
    });

    it("refuses to judge servers from a Nova without microversion 2.26 (406): exit 2, naming Nova", async () => {
        const s = await devCloud({ leftovers: false, novaMax: "2.25" });
        try {
            const report = await findLeftovers(site(), { lookup: lookupIn(cloudsDir(s.cloud)) });
            expect(report.errors.map((e) => e.service)).to.deep.equal(["compute", "compute"]);
            expect(report.errors[0].message).to.match(/Nova \(compute\) answered HTTP 406 .*maximum is 2\.25/);
            expect(exitCodeOf(report)).to.equal(2);
        } finally {
            await s.cloud.stop();
        }
    });

    it("a Cluster API site (uksrc): its credential, the cluster's load balancers and volumes, by the cluster's name", async () => {
        const cloud = await new FakeOpenStack({ pageSize: 3 }).start();
        try {
            const project = cloud.project("uksrc");
            const user = cloud.user("uksrc-deployer", "unused", project);
            const login = cloud.appCredential(user, "uksrc-deployer-login", "login-secret");
            cloud.appCredential(user, "uksrc-capi", "capi-secret");
            cloud.appCredential(user, "other-capi", "x");
            cloud.addLoadBalancer(project, "kube_service_uksrc-k8s_traefik_traefik");
            cloud.addLoadBalancer(project, "k8s-clusterapi-cluster-default-uksrc-k8s-kubeapi");
            cloud.addLoadBalancer(project, "k8s-clusterapi-cluster-default-other-k8s-kubeapi");
            cloud.addVolume(project, "pvc-9", { "cinder.csi.openstack.org/cluster": "uksrc-k8s" });
            cloud.addServer(project, "uksrc-k8s-control-plane-abcde");
            const dir = mkdtempSync(join(tmpdir(), "leftovers-"));
            // uksrc's stack names cloud stfc-srcnet and region RegionOne; the login is an application credential.
            writeFileSync(join(dir, "clouds.yaml"), `clouds:\n  stfc-srcnet:\n    auth_type: v3applicationcredential\n    auth:\n      auth_url: ${cloud.authUrl}\n      application_credential_id: ${login.id}\n      application_credential_secret: login-secret\n`);
            const r = await cli(["--stack", "uksrc", "--json"], dir);
            const out = JSON.parse(r.stdout);
            expect(out.errors).to.deep.equal([]);
            expect(r.code).to.equal(1);
            expect(listed(out.leftovers)).to.deep.equal(
                ["application-credential uksrc-capi", "load-balancer k8s-clusterapi-cluster-default-uksrc-k8s-kubeapi", "load-balancer kube_service_uksrc-k8s_traefik_traefik", "server uksrc-k8s-control-plane-abcde", "volume pvc-9"].sort(),
            );
        } finally {
            await cloud.stop();
        }
    });

    it("skips a service the catalog lacks when the site does not need it, and fails for one it needs", async () => {
        const cloud = await new FakeOpenStack({ services: ["identity", "network", "compute", "volumev3", "container-infra"] }).start();
        try {
            const project = cloud.project("srcnet-dev");
            cloud.user("srcnet-operator", "operator-password", project);
            const report = await findLeftovers(site(), { lookup: lookupIn(cloudsDir(cloud)) });
            expect(report.skipped.map((x) => x.service)).to.deep.equal(["load-balancer", "load-balancer"]);
            expect(report.errors.map((e) => e.message)).to.deep.equal(["Designate (dns) has no public endpoint in region RegionOne in the catalog (types dns)"]);
            expect(textOf(report).stderr).to.match(/^error: Designate \(dns\) has no public endpoint/);
        } finally {
            await cloud.stop();
        }
    });

    it("refuses bad usage with exit 2", async () => {
        const dir = mkdtempSync(join(tmpdir(), "leftovers-"));
        expect((await cli([], dir)).code).to.equal(2);
        expect((await cli(["--stack", "nosuch"], dir)).stderr).to.match(/there is no stack file .*Pulumi\.nosuch\.yaml/);
        expect((await cli(["--stack", "dev", "--bogus"], dir)).code).to.equal(2);
    });
});

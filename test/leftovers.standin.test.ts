// The OpenStack stand-in (test/openstack/) answers as the API references say the services do, rule
// by rule, asked directly over HTTP, so that the leftovers tool's tests rest on the APIs' rules and
// not on what the tool assumes.
import { expect } from "chai";
import { FakeOpenStack, type Project } from "./openstack/cloud";

interface Answer {
    readonly status: number;
    readonly headers: Headers;
    readonly body: any;
}

describe("OpenStack stand-in: the list rules of the API references", function () {
    this.timeout(20000);
    let cloud: FakeOpenStack;
    let project: Project;
    let other: Project;
    let token: string;

    const get = async (path: string, headers: Record<string, string> = {}): Promise<Answer> => {
        const res = await fetch(`${cloud.url}${path}`, { headers: { "x-auth-token": token, ...headers } });
        const text = await res.text();
        return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    };
    const names = (a: Answer, key: string) => (a.body[key] as any[]).map((x) => x.name ?? x.floating_ip_address).sort();
    /** Every page of a list (the stand-in pages by 2), following the next links as each API gives them. */
    const all = async (path: string, key: string, headers: Record<string, string> = {}): Promise<string[]> => {
        const items: any[] = [];
        let next: string | undefined = path;
        while (next) {
            const a = await get(next, headers);
            expect(a.status, `${next}: ${JSON.stringify(a.body)}`).to.equal(200);
            items.push(...a.body[key]);
            const href: string | undefined = a.body[`${key}_links`]?.find((l: any) => l.rel === "next")?.href ?? a.body.links?.next ?? a.body.next;
            next = href?.slice(cloud.url.length);
        }
        return items.map((x) => x.name ?? x.floating_ip_address).sort();
    };

    before(async () => {
        cloud = await new FakeOpenStack({ pageSize: 2, novaMax: "2.96" }).start();
        project = cloud.project("site-project");
        other = cloud.project("someone-else");
        cloud.user("operator", "s3cret", project);
        const login = await fetch(`${cloud.authUrl}/auth/tokens`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ auth: { identity: { methods: ["password"], password: { user: { name: "operator", domain: { id: "default" }, password: "s3cret" } } }, scope: { project: { id: project.id } } } }),
        });
        expect(login.status).to.equal(201);
        token = login.headers.get("x-subject-token")!;
        cloud.addNeutron("networks", project, { name: "red-blue", tags: ["red", "blue"] });
        cloud.addNeutron("networks", project, { name: "red", tags: ["red"] });
        cloud.addNeutron("networks", project, { name: "blue", tags: ["blue"] });
        cloud.addNeutron("networks", project, { name: "plain", tags: [] });
        cloud.addNeutron("networks", other, { name: "theirs-red", tags: ["red"] });
        cloud.addNeutron("networks", other, { name: "shared-red", tags: ["red"], shared: true });
    });
    after(() => cloud.stop());

    describe("Keystone v3", () => {
        it("issues a token in X-Subject-Token with the project's catalog for a password login (authenticate-v3.inc:7-19)", async () => {
            const res = await fetch(`${cloud.authUrl}/auth/tokens`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ auth: { identity: { methods: ["password"], password: { user: { name: "operator", domain: { name: "default" }, password: "s3cret" } } }, scope: { project: { name: "site-project", domain: { id: "default" } } } } }),
            });
            expect(res.status).to.equal(201);
            const body = (await res.json()) as any;
            expect(res.headers.get("x-subject-token")).to.be.a("string");
            expect(body.token.project.id).to.equal(project.id);
            expect(body.token.catalog.map((e: any) => e.type)).to.include.members(["network", "compute", "volumev3", "dns", "load-balancer", "container-infra", "identity"]);
        });

        it("refuses a wrong password with 401, and a list without a valid token with 401", async () => {
            const res = await fetch(`${cloud.authUrl}/auth/tokens`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ auth: { identity: { methods: ["password"], password: { user: { name: "operator", domain: { id: "default" }, password: "wrong" } } } } }),
            });
            expect(res.status).to.equal(401);
            expect((await fetch(`${cloud.url}/network/v2.0/networks`, { headers: { "x-auth-token": "nope" } })).status).to.equal(401);
        });

        it("scopes an application credential's token to its own project and refuses a scope in the request (application-credentials.inc:108-180)", async () => {
            const user = cloud.users[0];
            const credential = cloud.appCredential(user, "ci", "ci-secret");
            const login = (scope?: unknown) =>
                fetch(`${cloud.authUrl}/auth/tokens`, {
                    method: "POST",
                    headers: { "content-type": "application/json" },
                    body: JSON.stringify({ auth: { identity: { methods: ["application_credential"], application_credential: { id: credential.id, secret: "ci-secret" } }, ...(scope ? { scope } : {}) } }),
                });
            const ok = await login();
            expect(ok.status).to.equal(201);
            expect(((await ok.json()) as any).token.project.id).to.equal(project.id);
            expect((await login({ project: { id: project.id } })).status).to.equal(401);
        });
    });

    describe("Neutron", () => {
        it("tags=a,b: only resources with every tag (parameters.yaml:1792-1799)", async () => {
            expect(await all("/network/v2.0/networks?tags=red,blue", "networks")).to.deep.equal(["red-blue"]);
        });

        it("tags-any=a,b: resources with any of them (parameters.yaml:1784-1791); not-tags, not-tags-any exclude (1161-1176)", async () => {
            expect(await all("/network/v2.0/networks?tags-any=red,blue", "networks")).to.deep.equal(["blue", "red", "red-blue", "shared-red"]);
            expect(await all("/network/v2.0/networks?not-tags=red,blue", "networks")).to.deep.equal(["blue", "plain", "red", "shared-red"]);
            expect(await all("/network/v2.0/networks?not-tags-any=red,blue", "networks")).to.deep.equal(["plain"]);
        });

        it("a tag is matched whole: site:dev is not site:dev-2 nor a prefix of it", async () => {
            cloud.addNeutron("subnets", project, { name: "dev2", tags: ["site:dev-2"] });
            cloud.addNeutron("subnets", project, { name: "dev", tags: ["site:dev"] });
            expect(await all("/network/v2.0/subnets?tags=site:dev", "subnets")).to.deep.equal(["dev"]);
            expect(await all(`/network/v2.0/subnets?tags=${encodeURIComponent("site:dev")}`, "subnets")).to.deep.equal(["dev"]);
        });

        it("lists the project's own, and networks shared with it (networks.inc:400-406)", async () => {
            expect(await all("/network/v2.0/networks?tags=red", "networks")).to.deep.equal(["red", "red-blue", "shared-red"]);
        });

        it("different fields AND, a field repeated ORs (intro.inc:128-145)", async () => {
            expect(await all("/network/v2.0/networks?name=red&name=blue", "networks")).to.deep.equal(["blue", "red"]);
            expect(await all("/network/v2.0/networks?name=red&tags=blue", "networks")).to.deep.equal([]);
        });

        it("an unknown filter is a 400 with filter-validation, not ignored (intro.inc:167-171)", async () => {
            const a = await get("/network/v2.0/networks?colour=red");
            expect(a.status).to.equal(400);
            expect(a.body.NeutronError.message).to.match(/colour/);
        });

        it("pages with limit and marker, and a next link in networks_links until the last page (intro.inc:190-290)", async () => {
            const first = await get("/network/v2.0/networks");
            expect(first.body.networks).to.have.length(2);
            const next = first.body.networks_links.find((l: any) => l.rel === "next").href as string;
            expect(next).to.match(/marker=/);
            const seen = [...first.body.networks];
            let href: string | undefined = next;
            while (href) {
                const a = await get(href.slice(cloud.url.length));
                seen.push(...a.body.networks);
                href = a.body.networks_links?.find((l: any) => l.rel === "next")?.href;
            }
            expect(seen.map((n) => n.name).sort()).to.deep.equal(["blue", "plain", "red", "red-blue", "shared-red"]);
        });
    });

    describe("Nova", () => {
        before(() => {
            cloud.addServer(project, "dev-storm", ["site:dev", "srcnet-site"]);
            cloud.addServer(project, "dev-k8s-abc-node-1");
            cloud.addServer(project, "my-dev-k8s-box");
            cloud.addServer(other, "dev-theirs", ["site:dev"]);
        });

        it("without a microversion: 2.1, which ignores the tags filter and shows no tags (servers.inc:153-154, parameters.yaml:1385-1393)", async () => {
            const a = await get("/compute/v2.1/servers/detail?tags=site:dev");
            expect(a.headers.get("x-openstack-nova-api-version")).to.equal("2.1");
            expect(a.body.servers.every((s: any) => !("tags" in s))).to.equal(true);
            expect(await all("/compute/v2.1/servers/detail?tags=site:dev", "servers")).to.deep.equal(["dev-k8s-abc-node-1", "dev-storm", "my-dev-k8s-box"]);
        });

        it("at 2.26: tags filters, and every server shows its tags", async () => {
            const a = await get("/compute/v2.1/servers/detail?tags=site:dev,srcnet-site", { "X-OpenStack-Nova-API-Version": "2.26" });
            expect(a.headers.get("x-openstack-nova-api-version")).to.equal("2.26");
            expect(names(a, "servers")).to.deep.equal(["dev-storm"]);
            expect(a.body.servers[0].tags).to.deep.equal(["site:dev", "srcnet-site"]);
        });

        it("prefers OpenStack-API-Version, answers latest with the maximum and 406 outside the range (microversions.rst:118-131)", async () => {
            expect((await get("/compute/v2.1/servers/detail", { "OpenStack-API-Version": "compute 2.30", "X-OpenStack-Nova-API-Version": "2.1" })).headers.get("x-openstack-nova-api-version")).to.equal("2.30");
            expect((await get("/compute/v2.1/servers/detail", { "X-OpenStack-Nova-API-Version": "latest" })).headers.get("x-openstack-nova-api-version")).to.equal("2.96");
            const a = await get("/compute/v2.1/servers/detail", { "X-OpenStack-Nova-API-Version": "2.200" });
            expect(a.status).to.equal(406);
        });

        it("name is a regular expression matched anywhere in the name (parameters.yaml:1211-1224)", async () => {
            expect(await all("/compute/v2.1/servers/detail?name=dev-k8s-", "servers")).to.deep.equal(["dev-k8s-abc-node-1", "my-dev-k8s-box"]);
            expect(await all(`/compute/v2.1/servers/detail?name=${encodeURIComponent("^dev-k8s-")}`, "servers")).to.deep.equal(["dev-k8s-abc-node-1"]);
        });

        it("silently ignores a filter outside the user's whitelist (servers.inc:153-154)", async () => {
            expect(await all("/compute/v2.1/servers/detail?host=compute-1", "servers", { "X-OpenStack-Nova-API-Version": "2.26" })).to.have.length(3);
        });
    });

    describe("Cinder", () => {
        const volumes = `/volume/v3/PROJECT/volumes/detail`;
        const path = (q: string) => `${volumes.replace("PROJECT", project.id)}?${q}`;
        before(() => {
            cloud.addVolume(project, "tagged", { "site:dev": "true", "srcnet-site": "true" });
            cloud.addVolume(project, "half", { "site:dev": "true" });
            cloud.addVolume(project, "csi", { "cinder.csi.openstack.org/cluster": "dev-k8s" });
            cloud.addVolume(other, "theirs", { "site:dev": "true" });
        });

        it("metadata is a dictionary, every pair of which a volume must have (parameters.yaml:420-426, db/api.py:3148-3160)", async () => {
            const q = (m: object) => path(`metadata=${encodeURIComponent(JSON.stringify(m))}`);
            expect(await all(q({ "site:dev": "true" }), "volumes")).to.deep.equal(["half", "tagged"]);
            expect(await all(q({ "site:dev": "true", "srcnet-site": "true" }), "volumes")).to.deep.equal(["tagged"]);
            expect(await all(q({ "site:dev": "false" }), "volumes")).to.deep.equal([]);
        });

        it("reads the value as a Python literal: a dict with single quotes too (volume/api.py:2342-2370)", async () => {
            expect(await all(path(`metadata=${encodeURIComponent("{'site:dev': 'true'}")}`), "volumes")).to.deep.equal(["half", "tagged"]);
        });

        it("a metadata value that is not a dictionary matches nothing, silently (db/api.py:3124-3128, 2776-2777)", async () => {
            const a = await get(path("metadata=site:dev"));
            expect(a.status).to.equal(200);
            expect(a.body.volumes).to.deep.equal([]);
        });

        it("drops an unknown filter before 3.31 and refuses it from 3.31 (volumes-v3-volumes.inc:69-73)", async () => {
            expect(await all(path("colour=red"), "volumes")).to.have.length(3);
            expect((await get(path("colour=red"), { "OpenStack-API-Version": "volume 3.31" })).status).to.equal(400);
        });

        it("lists only the token's project, whose ID is in the path", async () => {
            expect((await get(`${volumes.replace("PROJECT", other.id)}`)).status).to.equal(403);
        });
    });

    describe("Designate", () => {
        before(() => {
            const zone = cloud.addZone(project, "srcnet.example.org.");
            cloud.addRecordset(zone, "jupyter.dev.srcnet.example.org.", "A", ["203.0.113.9"]);
            cloud.addRecordset(zone, "jupyter.dev.srcnet.example.org.", "TXT", ["\"x\""]);
            cloud.addRecordset(zone, "storm.dev.srcnet.example.org.", "A", ["203.0.113.10"]);
        });
        const zoneId = () => String(cloud.zones[0].id);

        it("filters by exact name, * a wildcard (rest.py:55-75, base.py:128-139)", async () => {
            expect(await all("/dns/v2/zones?name=srcnet.example.org.", "zones")).to.deep.equal(["srcnet.example.org."]);
            expect(await all("/dns/v2/zones?name=srcnet.example.org", "zones")).to.deep.equal([]);
            expect(await all(`/dns/v2/zones/${zoneId()}/recordsets?name=*.dev.srcnet.example.org.`, "recordsets")).to.have.length(3);
            const a = await get(`/dns/v2/zones/${zoneId()}/recordsets?name=jupyter.dev.srcnet.example.org.&type=A`);
            expect(a.body.recordsets.map((r: any) => r.type)).to.deep.equal(["A"]);
        });

        it("refuses an unknown filter and a filter given twice with 400", async () => {
            expect((await get("/dns/v2/zones?colour=red")).status).to.equal(400);
            expect((await get("/dns/v2/zones?name=a.&name=b.")).status).to.equal(400);
        });

        it("pages with links.next", async () => {
            const a = await get(`/dns/v2/zones/${zoneId()}/recordsets?name=*.dev.srcnet.example.org.`);
            expect(a.body.recordsets).to.have.length(2);
            expect(a.body.links.next).to.match(/marker=/);
        });

        it("answers 404 for a zone of another project", async () => {
            const theirs = cloud.addZone(other, "other.example.org.");
            expect((await get(`/dns/v2/zones/${String(theirs.id)}/recordsets`)).status).to.equal(404);
        });
    });

    describe("Octavia", () => {
        before(() => {
            cloud.addLoadBalancer(project, "lb-red-blue", { tags: ["red", "blue"] });
            cloud.addLoadBalancer(project, "lb-red", { tags: ["red"] });
        });

        it("tags=a,b: every tag; the key repeated means the same (general.inc:175-191)", async () => {
            expect(await all("/load-balancer/v2/lbaas/loadbalancers?tags=red,blue", "loadbalancers")).to.deep.equal(["lb-red-blue"]);
            expect(await all("/load-balancer/v2/lbaas/loadbalancers?tags=red&tags=blue", "loadbalancers")).to.deep.equal(["lb-red-blue"]);
            expect(await all("/load-balancer/v2/lbaas/loadbalancers?tags-any=blue,red", "loadbalancers")).to.deep.equal(["lb-red", "lb-red-blue"]);
        });

        it("filters by top-level attributes, ANDed (general.inc:141-160)", async () => {
            expect(await all("/load-balancer/v2/lbaas/loadbalancers?name=lb-red&tags=red", "loadbalancers")).to.deep.equal(["lb-red"]);
            expect(await all("/load-balancer/v2/lbaas/loadbalancers?name=lb-red&tags=blue", "loadbalancers")).to.deep.equal([]);
        });
    });

    describe("Magnum", () => {
        it("lists every cluster of the project, and refuses a filter it does not take (cluster.py:400-412)", async () => {
            cloud.addMagnumCluster(project, "dev-k8s");
            cloud.addMagnumCluster(other, "dev-k8s");
            expect(await all("/container-infra/v1/clusters", "clusters")).to.deep.equal(["dev-k8s"]);
            expect((await get("/container-infra/v1/clusters?name=dev-k8s")).status).to.equal(400);
        });
    });

    describe("faults", () => {
        afterEach(() => cloud.clearFaults());

        it("answers every request of a failing service with its status", async () => {
            cloud.fail("compute", 503);
            expect((await get("/compute/v2.1/servers/detail")).status).to.equal(503);
            expect((await get("/network/v2.0/networks")).status).to.equal(200);
        });
    });
});

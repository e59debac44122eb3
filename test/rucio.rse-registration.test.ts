import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { serializeFunction } from "@pulumi/pulumi/runtime/closure/serializeClosure";
import { mkdirSync, writeFileSync } from "node:fs";
import { canonicalAttribute, missingAccounts, planRseOps, replacingChanges, type ObservedRse } from "../components/rucio/rse-drift";
import { parseRucioJson } from "../components/rucio/rucio-api";
import { rseRegistrationProvider, type RseProtocolSpec, type RseRegistrationInputs, type RseRegistrationOutputs, type RseSpec } from "../components/rucio/rse-registration";
import { FaultProxy } from "./iam/fault-proxy";
import { rejection, repoRoot } from "./harness";
import { rucioToken, startRucio, type RucioServer } from "./rucio/test-server";

const provider = rseRegistrationProvider as Required<typeof rseRegistrationProvider>;

const davs = (hostname = "storm.test.example.org", port = 8443): RseProtocolSpec => ({
    scheme: "davs",
    hostname,
    port,
    prefix: "/data/",
    impl: "rucio.rse.protocols.gfal.Default",
    domains: { lan: { read: 1, write: 1, delete: 1 }, wan: { read: 1, write: 1, delete: 1, third_party_copy_read: 1, third_party_copy_write: 1 } },
});

let serial = 0;
/** RSE and account names are never reused after a delete: every test makes its own. */
const fresh = (tag: string) => `${tag}-${process.pid % 1000}-${++serial}`;

function specOf(name: string, account: string, over: Partial<RseSpec> = {}): RseSpec {
    return {
        name,
        deterministic: true,
        rseType: "DISK",
        protocol: davs(),
        attributes: { fts: "https://fts3.test.example.org:8446", oidc_support: true, oidc_base_path: "/", verify_checksum: true, lfn2pfn_algorithm: "hash", site: "test-site", quota_weight: 5 },
        peers: [
            { rse: "PEER-A", distance: 1 },
            { rse: "PEER-B", distance: 3 },
        ],
        accounts: [
            { account, bytes: 10_000_000, scopes: [`${account}.data`] },
            { account: "root", bytes: -1, scopes: [] },
        ],
        createAccounts: true,
        ...over,
    };
}

describe("RSE drift: what Rucio holds against what the site asks for (pure)", () => {
    const want = specOf("SITE-RSE", "svc");
    const held: ObservedRse = {
        deterministic: true,
        rseType: "DISK",
        volatile: false,
        protocols: [davs()],
        // As Rucio returns them: booleans typed, the rest as text.
        attributes: { fts: "https://fts3.test.example.org:8446", oidc_support: "true", oidc_base_path: "/", verify_checksum: "true", lfn2pfn_algorithm: "hash", site: "test-site", quota_weight: "5" },
        distances: [
            { peer: "PEER-A", to: 1, from: 1 },
            { peer: "PEER-B", to: 3, from: 3 },
        ],
        accounts: [
            { account: "svc", exists: true, limit: 10_000_000, scopes: ["svc.data", "svc.other"] },
            { account: "root", exists: true, limit: -1, scopes: [] },
        ],
    };
    const whys = (want2: RseSpec, have: ObservedRse, before?: RseSpec) => planRseOps(want2, have, before).map((o) => o.why);

    it("finds nothing to do when Rucio holds the spec, whatever the types of attribute values", () => {
        expect(planRseOps(want, held)).to.deep.equal([]);
        expect(["true", "True", true].map(canonicalAttribute)).to.deep.equal(["true", "true", "true"]);
        expect([5, "5", "hash"].map(canonicalAttribute)).to.deep.equal(["5", "5", "hash"]);
    });

    it("names each difference and the operation that mends it", () => {
        const drifted: ObservedRse = {
            ...held,
            volatile: true,
            protocols: [{ ...davs(), prefix: "/elsewhere/", domains: { ...davs().domains, lan: { read: 0, write: 1, delete: 1 } } }],
            attributes: { ...held.attributes, fts: "https://other:8446", quota_weight: undefined as unknown as string },
            distances: [
                { peer: "PEER-A", to: 1 },
                { peer: "PEER-B", to: 2, from: 3 },
            ],
            accounts: [
                { account: "svc", exists: true, limit: 1, scopes: [] },
                { account: "root", exists: true, scopes: [] },
            ],
        };
        delete (drifted.attributes as Record<string, string>).quota_weight;
        expect(planRseOps(want, drifted).map((o) => [o.op.op, o.why])).to.deep.equal([
            ["updateRse", "RSE SITE-RSE has volatile true"],
            ["updateProtocol", 'protocol davs://storm.test.example.org:8443 has prefix "/elsewhere/" instead of "/data/", lan read priority 0 instead of 1'],
            ["setAttribute", 'attribute fts is "https://other:8446" instead of "https://fts3.test.example.org:8446"'],
            ["setAttribute", "attribute quota_weight is missing"],
            ["setDistance", "the distance from PEER-A to SITE-RSE is missing"],
            ["setDistance", "the distance from SITE-RSE to PEER-B is 2 instead of 3"],
            ["addScope", "account svc has no scope svc.data"],
            ["setLimit", "the limit of svc on SITE-RSE is 1 bytes instead of 10000000 bytes"],
            ["setLimit", "the limit of root on SITE-RSE is none instead of no limit"],
        ]);
        const distanceOps = planRseOps(want, drifted).filter((o) => o.op.op === "setDistance").map((o) => o.op);
        // POST for a missing distance, PUT for one that exists (PUT on a missing pair does nothing).
        expect(distanceOps).to.deep.equal([
            { op: "setDistance", from: "PEER-A", to: "SITE-RSE", distance: 1, exists: false },
            { op: "setDistance", from: "SITE-RSE", to: "PEER-B", distance: 3, exists: true },
        ]);
    });

    it("removes what an earlier spec had and this one has not, and only that", () => {
        const before = specOf("SITE-RSE", "svc", { attributes: { ...want.attributes, legacy: "x" }, peers: [...want.peers, { rse: "PEER-OLD", distance: 5 }], accounts: [...want.accounts, { account: "gone", bytes: 1, scopes: ["gone.x"] }], protocol: davs("old.example.org", 443) });
        const have: ObservedRse = {
            ...held,
            protocols: [davs(), davs("old.example.org", 443)],
            attributes: { ...held.attributes, legacy: "x" },
            distances: [...held.distances, { peer: "PEER-OLD", to: 5 }],
            accounts: [...held.accounts, { account: "gone", exists: true, limit: 1, scopes: ["gone.x"] }],
        };
        expect(planRseOps(want, have, before).map((o) => o.op)).to.deep.equal([
            { op: "deleteProtocol", protocol: davs("old.example.org", 443) },
            { op: "deleteAttribute", key: "legacy" },
            // Only the direction Rucio has.
            { op: "deleteDistance", from: "SITE-RSE", to: "PEER-OLD" },
            // The account and its scope stay; the limit on this RSE was the site's.
            { op: "deleteLimit", account: "gone" },
        ]);
    });

    it("moves the protocol: the old identity goes before the new one is added", () => {
        const before = specOf("SITE-RSE", "svc", { protocol: davs("storm.test.example.org", 443) });
        const have = { ...held, protocols: [davs("storm.test.example.org", 443)] };
        expect(planRseOps(want, have, before).map((o) => o.op.op)).to.deep.equal(["deleteProtocol", "addProtocol"]);
    });

    it("creates a missing account only when the site may, with an email Rucio requires", () => {
        const have = { ...held, accounts: [{ account: "svc", exists: false, scopes: [] }, held.accounts[1]] };
        expect(planRseOps(want, have)[0].op).to.deep.equal({ op: "addAccount", account: "svc", email: "svc@storm.test.example.org" });
        expect(missingAccounts(want, have)).to.deep.equal([]);
        const central = { ...want, createAccounts: false };
        expect(planRseOps(central, have).map((o) => o.op.op)).not.to.include("addAccount");
        expect(missingAccounts(central, have)).to.deep.equal(["svc"]);
    });

    it("replaces the RSE only for a new name, deterministic or type", () => {
        expect(replacingChanges(want, { ...want, name: "OTHER" })).to.deep.equal(["rse.name"]);
        expect(replacingChanges(want, { ...want, deterministic: false, rseType: "TAPE" })).to.deep.equal(["rse.deterministic", "rse.rseType"]);
        expect(replacingChanges(want, { ...want, volatile: true, attributes: {}, peers: [], accounts: [], protocol: davs("x", 1) })).to.deep.equal([]);
    });

    it("whys read as sentences for a preview", () => {
        expect(whys(want, { ...held, protocols: [] })).to.deep.equal(["protocol davs://storm.test.example.org:8443 is missing"]);
    });
});

describe("RseRegistration against the real Rucio server", function () {
    this.timeout(60_000);
    let rucio: RucioServer;
    let token = "";
    const proxy = new FaultProxy(() => rucio.url);

    /** Rucio's REST API, directly (not through the fault proxy), to look and to change things behind the program's back. */
    const rest = async (method: string, path: string, json?: unknown) => {
        const answer = await fetch(`${rucio.url}${path}`, {
            method,
            headers: { "X-Rucio-Auth-Token": token, ...(json !== undefined ? { "content-type": "application/json" } : {}), accept: path.includes("usage") ? "application/x-json-stream" : "application/json" },
            body: json === undefined ? undefined : JSON.stringify(json),
        });
        const text = await answer.text();
        let body: any = text;
        try {
            body = text ? parseRucioJson(text) : undefined;
        } catch {
            // text
        }
        return { status: answer.status, body };
    };
    const ok = async (method: string, path: string, json?: unknown) => {
        const a = await rest(method, path, json);
        if (a.status >= 300) throw new Error(`${method} ${path}: HTTP ${a.status} ${JSON.stringify(a.body)}`);
        return a.body;
    };
    const distance = async (from: string, to: string) => (await ok("GET", `/rses/${from}/distances/${to}`)).map((d: any) => d.distance);
    const limit = async (account: string, rse: string) => (await ok("GET", `/accounts/${account}/limits/local/${rse}`))[rse];
    /** The rows of the server's database that still name an RSE, table by table. */
    const rowsNaming = (rseId: string, tables: string[]) =>
        JSON.parse(
            execFileSync("/usr/bin/python3", ["-c", `import sqlite3, sys, json; c = sqlite3.connect(sys.argv[1]); print(json.dumps({t: c.execute(f"select count(*) from {t} where " + ("src_rse_id = ? or dest_rse_id = ?" if t == "distances" else "rse_id = ?"), (sys.argv[2],) * (2 if t == "distances" else 1)).fetchone()[0] for t in sys.argv[3:]}))`, join(rucio.dir, "run", "rucio.db"), rseId, ...tables], {
                encoding: "utf8",
            }),
        );

    const inputs = (rse: RseSpec, over: Partial<RseRegistrationInputs> = {}): RseRegistrationInputs => ({
        server: { serverUrl: proxy.url, authUrl: proxy.url },
        auth: { method: "userpass", account: rucio.account, username: rucio.username, password: rucio.password },
        rse,
        deadlineSeconds: 20,
        attemptTimeoutSeconds: 2,
        ...over,
    });
    const writes = () => proxy.seen.filter((r) => !r.startsWith("GET "));

    before(async () => {
        rucio = await startRucio();
        token = await rucioToken(rucio);
        await proxy.start();
        for (const rse of ["PEER-A", "PEER-B", "OTHER-X"]) await ok("POST", `/rses/${rse}`);
        // A peer's distance to an RSE that is none of the site's: it must stay.
        await ok("POST", "/rses/PEER-A/distances/OTHER-X", { distance: 7 });
    });
    after(async () => {
        await proxy.stop();
        await rucio?.stop();
    });
    beforeEach(() => proxy.clear());

    it("creates the RSE with its protocol, attributes, distances both ways, limits and scopes; a second run changes nothing", async () => {
        const name = fresh("CREATE");
        const account = fresh("svc").toLowerCase();
        const spec = specOf(name, account);
        const created = await provider.create(inputs(spec));
        expect(created.id).to.equal(name);
        const outs = created.outs as RseRegistrationOutputs;

        expect(await ok("GET", `/rses/${name}`)).to.deep.include({ deterministic: true, rse_type: "DISK", volatile: false });
        const protocols = await ok("GET", `/rses/${name}/protocols`);
        expect(protocols).to.have.length(1);
        expect(protocols[0]).to.deep.include({ scheme: "davs", hostname: "storm.test.example.org", port: 8443, prefix: "/data/", impl: "rucio.rse.protocols.gfal.Default", domains: davs().domains });
        expect(await ok("GET", `/rses/${name}/attr/`)).to.deep.include({ fts: "https://fts3.test.example.org:8446", oidc_support: true, oidc_base_path: "/", verify_checksum: true, lfn2pfn_algorithm: "hash", site: "test-site", quota_weight: "5" });
        expect([await distance(name, "PEER-A"), await distance("PEER-A", name), await distance(name, "PEER-B"), await distance("PEER-B", name)]).to.deep.equal([[1], [1], [3], [3]]);
        expect(await limit(account, name)).to.equal(10_000_000);
        expect(await limit("root", name)).to.equal(Infinity);
        expect(await ok("GET", `/accounts/${account}`)).to.deep.include({ account_type: "SERVICE", status: "ACTIVE" });
        expect(await ok("GET", `/accounts/${account}/scopes/`)).to.deep.equal([`${account}.data`]);
        expect(outs.created).to.deep.equal({
            accounts: [account],
            scopes: [{ account, scope: `${account}.data` }],
            limits: [account, "root"],
            distances: [
                { from: name, to: "PEER-A" },
                { from: "PEER-A", to: name },
                { from: name, to: "PEER-B" },
                { from: "PEER-B", to: name },
            ],
        });

        expect(await provider.diff(name, outs, inputs(spec))).to.deep.include({ changes: false, replaces: [] });
        const read = await provider.read(name, outs);
        expect(read.id).to.equal(name);
        expect(await provider.diff(name, read.props as RseRegistrationOutputs, inputs(spec))).to.deep.include({ changes: false });
        proxy.clear();
        await provider.update(name, read.props as RseRegistrationOutputs, inputs(spec));
        expect(writes(), "an update with nothing to mend writes nothing").to.deep.equal([]);
    });

    describe("drift made by hand in Rucio: read notices it, diff reports it, update restores it in place", () => {
        const name = fresh("DRIFT");
        const account = fresh("drift").toLowerCase();
        const spec = specOf(name, account);
        let state: RseRegistrationOutputs;
        before(async () => {
            state = (await provider.create(inputs(spec))).outs as RseRegistrationOutputs;
        });

        const cases: { name: string; byHand: () => Promise<unknown>; why: RegExp; restored: () => Promise<unknown> }[] = [
            {
                name: "an attribute changed",
                byHand: () => ok("POST", `/rses/${name}/attr/fts`, { value: "https://elsewhere:8446" }),
                why: /^attribute fts is "https:\/\/elsewhere:8446" instead of "https:\/\/fts3\.test\.example\.org:8446"$/,
                restored: async () => expect((await ok("GET", `/rses/${name}/attr/`)).fts).to.equal("https://fts3.test.example.org:8446"),
            },
            {
                name: "an attribute removed",
                byHand: () => ok("DELETE", `/rses/${name}/attr/quota_weight`),
                why: /^attribute quota_weight is missing$/,
                restored: async () => expect((await ok("GET", `/rses/${name}/attr/`)).quota_weight).to.equal("5"),
            },
            {
                name: "the protocol altered",
                byHand: () => ok("PUT", `/rses/${name}/protocols/davs/storm.test.example.org/8443`, { prefix: "/moved/", domains: { lan: { read: 0 } } }),
                why: /^protocol davs:\/\/storm\.test\.example\.org:8443 has prefix "\/moved\/" instead of "\/data\/", lan read priority 0 instead of 1$/,
                restored: async () => {
                    const protocols = await ok("GET", `/rses/${name}/protocols`);
                    expect(protocols).to.have.length(1);
                    expect(protocols[0]).to.deep.include({ prefix: "/data/", domains: davs().domains });
                },
            },
            {
                name: "the protocol deleted",
                byHand: () => ok("DELETE", `/rses/${name}/protocols/davs/storm.test.example.org/8443`),
                why: /^protocol davs:\/\/storm\.test\.example\.org:8443 is missing$/,
                restored: async () => expect((await ok("GET", `/rses/${name}/protocols`)).map((p: any) => p.prefix)).to.deep.equal(["/data/"]),
            },
            {
                name: "a distance deleted",
                byHand: () => ok("DELETE", `/rses/PEER-B/distances/${name}`),
                why: new RegExp(`^the distance from PEER-B to ${name} is missing$`),
                restored: async () => expect(await distance("PEER-B", name)).to.deep.equal([3]),
            },
            {
                name: "an account limit changed",
                byHand: () => ok("POST", `/accountlimits/local/${account}/${name}`, { bytes: 1 }),
                why: new RegExp(`^the limit of ${account} on ${name} is 1 bytes instead of 10000000 bytes$`),
                restored: async () => expect(await limit(account, name)).to.equal(10_000_000),
            },
        ];

        for (const c of cases) {
            it(c.name, async () => {
                await c.byHand();
                // Without a refresh the state still says all is well: only read sees Rucio.
                expect(await provider.diff(name, state, inputs(spec))).to.deep.include({ changes: false });
                const read = (await provider.read(name, state)).props as RseRegistrationOutputs;
                expect(planRseOps(spec, read.observed, read.rse).map((o) => o.why)).to.satisfy((w: string[]) => w.length === 1 && c.why.test(w[0]), `drift seen: ${JSON.stringify(planRseOps(spec, read.observed, read.rse).map((o) => o.why))}`);
                expect(await provider.diff(name, read, inputs(spec))).to.deep.include({ changes: true, replaces: [] });
                state = (await provider.update(name, read, inputs(spec))).outs as RseRegistrationOutputs;
                await c.restored();
                const again = (await provider.read(name, state)).props as RseRegistrationOutputs;
                expect(await provider.diff(name, again, inputs(spec))).to.deep.include({ changes: false });
            });
        }
    });

    it("changes in place what the site config changes, and removes what it no longer names", async () => {
        const name = fresh("INPLACE");
        const account = fresh("inplace").toLowerCase();
        const before = specOf(name, account, { attributes: { ...specOf(name, account).attributes, legacy: "x" } });
        const state = (await provider.create(inputs(before))).outs as RseRegistrationOutputs;
        const { legacy: _legacy, ...attributes } = before.attributes;
        void _legacy;
        const after = specOf(name, account, {
            volatile: true,
            protocol: davs("storm.test.example.org", 443),
            attributes: { ...attributes, site: "renamed-site" },
            peers: [{ rse: "PEER-A", distance: 2 }],
            accounts: [{ account: "root", bytes: 5_000, scopes: [] }],
        });
        expect(await provider.diff(name, state, inputs(after))).to.deep.include({ changes: true, replaces: [] });
        const outs = (await provider.update(name, state, inputs(after))).outs as RseRegistrationOutputs;

        expect((await ok("GET", `/rses/${name}`)).volatile).to.equal(true);
        expect((await ok("GET", `/rses/${name}/protocols`)).map((p: any) => `${p.hostname}:${p.port}`)).to.deep.equal(["storm.test.example.org:443"]);
        const attrs = await ok("GET", `/rses/${name}/attr/`);
        expect(attrs.site).to.equal("renamed-site");
        expect(attrs).not.to.have.property("legacy");
        expect([await distance(name, "PEER-A"), await distance("PEER-A", name), await distance(name, "PEER-B"), await distance("PEER-B", name)]).to.deep.equal([[2], [2], [], []]);
        // The account the site no longer names keeps its scope; its limit here is gone.
        expect(await limit(account, name)).to.equal(null);
        expect(await ok("GET", `/accounts/${account}/scopes/`)).to.deep.equal([`${account}.data`]);
        expect(await limit("root", name)).to.equal(5_000);
        expect(outs.created.distances).to.deep.equal([
            { from: name, to: "PEER-A" },
            { from: "PEER-A", to: name },
        ]);
        expect(outs.created.limits).to.deep.equal(["root"]);
        expect(await provider.diff(name, (await provider.read(name, outs)).props as RseRegistrationOutputs, inputs(after))).to.deep.include({ changes: false });
    });

    it("replaces only for a new name, deterministic or type, making the new RSE first", async () => {
        const name = fresh("REPLACE");
        const spec = specOf(name, fresh("replace").toLowerCase());
        const state = (await provider.create(inputs(spec))).outs as RseRegistrationOutputs;
        expect(await provider.diff(name, state, inputs({ ...spec, name: `${name}-NEW` }))).to.deep.include({ changes: true, replaces: ["rse.name"], deleteBeforeReplace: false });
        expect(await provider.diff(name, state, inputs({ ...spec, deterministic: false }))).to.deep.include({ replaces: ["rse.deterministic"] });
        expect(await provider.diff(name, state, inputs({ ...spec, rseType: "TAPE" }))).to.deep.include({ replaces: ["rse.rseType"] });
        // The same name with another type cannot be made: Rucio keeps the name. The old RSE stays as it was.
        const err = await rejection(provider.create(inputs({ ...spec, rseType: "TAPE" })));
        expect(err.message).to.equal(
            `RSE ${name} already exists in Rucio at ${proxy.url} with deterministic=true and type DISK; the site asks for deterministic=true and type TAPE. It is not taken over: a different RSE needs a new name (Rucio never gives a deleted RSE's name to a new one)`,
        );
        expect((await ok("GET", `/rses/${name}`)).rse_type).to.equal("DISK");
    });

    it("refuses a peer that does not exist, naming it, before anything is made", async () => {
        const name = fresh("NOPEER");
        const spec = specOf(name, fresh("nopeer").toLowerCase(), { peers: [{ rse: "PEER-A", distance: 1 }, { rse: "NO-SUCH-PEER", distance: 2 }] });
        const err = await rejection(provider.create(inputs(spec)));
        expect(err.message).to.equal(`the peer RSE NO-SUCH-PEER of ${name} does not exist in Rucio at ${proxy.url}; nothing was changed. Check the peer names in the site config (RSE names are upper case) or have the peers registered first`);
        expect(writes()).to.deep.equal([]);
        expect((await rest("GET", `/rses/${name}`)).status).to.equal(404);
    });

    it("refuses an account a central Rucio does not have, naming it, before anything is made", async () => {
        const name = fresh("NOACCOUNT");
        const missing = fresh("missing").toLowerCase();
        const err = await rejection(provider.create(inputs(specOf(name, missing, { createAccounts: false }))));
        expect(err.message).to.match(new RegExp(`^the Rucio account ${missing} does not exist in Rucio at ${proxy.url}; nothing was changed\\. A central Rucio's administrators create accounts: ask them for ${missing}`));
        expect(writes()).to.deep.equal([]);
        expect((await rest("GET", `/rses/${name}`)).status).to.equal(404);
    });

    it("refuses wrong credentials with a message naming the account and the auth URL, carrying no password", async () => {
        const name = fresh("DENIED");
        const secret = "wrong-password-for-the-test-6b2d";
        const err = await rejection(provider.create(inputs(specOf(name, "root"), { auth: { method: "userpass", account: "root", username: rucio.username, password: secret } })));
        expect(err.message).to.match(new RegExp(`^Rucio at ${proxy.url}/auth/userpass refused the login of Rucio account root \\(userpass, username ddmlab\\): HTTP 401`));
        expect(err.message).not.to.include(secret);
        expect((await rest("GET", `/rses/${name}`)).status).to.equal(404);
    });

    it("completes an update across a restart of the server in its middle, within the deadline", async () => {
        const name = fresh("RESTART");
        const spec = specOf(name, fresh("restart").toLowerCase());
        const state = (await provider.create(inputs(spec))).outs as RseRegistrationOutputs;
        const changed = { ...spec, attributes: { ...spec.attributes, site: "after-restart", fts: "https://fts-b.test.example.org:8446" }, peers: [{ rse: "PEER-A", distance: 4 }, ...spec.peers.slice(1)] };
        // The first attribute write is held at the proxy; the server restarts while it waits.
        proxy.inject("POST", new RegExp(`^/rses/${name}/attr/`), { hang: true });
        const update = provider.update(name, state, inputs(changed, { deadlineSeconds: 30, attemptTimeoutSeconds: 1 }));
        for (let i = 0; i < 100 && !proxy.seen.some((r) => r.startsWith(`POST /rses/${name}/attr/`)); i++) await new Promise((r) => setTimeout(r, 50));
        await rucio.restart();
        const outs = (await update).outs as RseRegistrationOutputs;
        const attrs = await ok("GET", `/rses/${name}/attr/`);
        expect([attrs.site, attrs.fts]).to.deep.equal(["after-restart", "https://fts-b.test.example.org:8446"]);
        expect([await distance(name, "PEER-A"), await distance("PEER-A", name)]).to.deep.equal([[4], [4]]);
        const again = (await provider.read(name, outs)).props as RseRegistrationOutputs;
        expect(planRseOps(changed, again.observed, again.rse).map((o) => o.why)).to.deep.equal([]);
        expect(await provider.diff(name, again, inputs(changed, { deadlineSeconds: 30, attemptTimeoutSeconds: 1 }))).to.deep.include({ changes: false });
    });

    it("rides out 5xx, 429 and requests that get no answer", async () => {
        const name = fresh("FAULTS");
        proxy.inject("POST", new RegExp(`^/rses/${name}/protocols/davs$`), { status: 503 }, 2);
        proxy.inject("POST", new RegExp(`^/rses/${name}/attr/fts$`), { status: 429, retryAfter: "1" });
        proxy.inject("GET", new RegExp(`^/rses/PEER-B$`), { hang: true });
        const started = Date.now();
        const outs = (await provider.create(inputs(specOf(name, fresh("faults").toLowerCase()), { attemptTimeoutSeconds: 0.5 }))).outs as RseRegistrationOutputs;
        expect(Date.now() - started).to.be.at.least(1000);
        expect(proxy.seen.filter((r) => r === `POST /rses/${name}/protocols/davs`)).to.have.length(3);
        expect(proxy.seen.filter((r) => r === "GET /rses/PEER-B")).to.have.length.at.least(2);
        expect(outs.observed.protocols).to.have.length(1);
    });

    it("makes nothing twice when answers are lost after Rucio acted", async () => {
        const name = fresh("LOST");
        const account = fresh("lost").toLowerCase();
        for (const path of [`/rses/${name}`, `/rses/${name}/protocols/davs`, `/rses/${name}/distances/PEER-A`, `/accounts/${account}`, `/accounts/${account}/scopes/${account}.data`]) {
            proxy.inject("POST", new RegExp(`^${path}$`), { forwardThenHang: true });
        }
        const outs = (await provider.create(inputs(specOf(name, account), { attemptTimeoutSeconds: 0.5 }))).outs as RseRegistrationOutputs;
        // Each create was sent again after its lost answer, and Rucio said it has it (409).
        expect(proxy.seen.filter((r) => r === `POST /rses/${name}`)).to.have.length(2);
        expect(await ok("GET", `/rses/${name}/protocols`)).to.have.length(1);
        expect(await distance(name, "PEER-A")).to.deep.equal([1]);
        expect(await ok("GET", `/accounts/${account}/scopes/`)).to.deep.equal([`${account}.data`]);
        // Made by this create, though the answer saying so was lost.
        expect(outs.created.accounts).to.deep.equal([account]);
        expect(outs.created.scopes).to.deep.equal([{ account, scope: `${account}.data` }]);
    });

    it("deletes only what the site created: a peer's other distances, and accounts it did not make, stay", async () => {
        const name = fresh("DELETE");
        const made = fresh("made").toLowerCase();
        const kept = fresh("kept").toLowerCase();
        await ok("POST", `/accounts/${kept}`, { type: "USER", email: `${kept}@example.org` });
        await ok("POST", `/accountlimits/local/${kept}/OTHER-X`, { bytes: 123 });
        const spec = specOf(name, made, { peers: [{ rse: "PEER-A", distance: 1 }], accounts: [{ account: made, bytes: 100, scopes: [`${made}.data`] }, { account: kept, bytes: 200, scopes: [] }] });
        const outs = (await provider.create(inputs(spec))).outs as RseRegistrationOutputs;
        expect(outs.created.accounts).to.deep.equal([made]);
        const rseId = (await ok("GET", `/rses/${name}`)).id;
        expect(rowsNaming(rseId, ["distances", "account_limits", "rse_protocols"])).to.deep.equal({ distances: 2, account_limits: 2, rse_protocols: 1 });

        await provider.delete(name, outs);
        expect((await rest("GET", `/rses/${name}`)).status).to.equal(404);
        expect(rowsNaming(rseId, ["distances", "account_limits", "rse_protocols"])).to.deep.equal({ distances: 0, account_limits: 0, rse_protocols: 0 });
        expect(await distance("PEER-A", "OTHER-X")).to.deep.equal([7]);
        expect(await ok("GET", `/accounts/${kept}`)).to.deep.include({ status: "ACTIVE" });
        expect(await limit(kept, "OTHER-X")).to.equal(123);
        // Made by the site but kept: a deleted account's name is never free again, and scopes cannot be deleted.
        expect(await ok("GET", `/accounts/${made}`)).to.deep.include({ status: "ACTIVE" });
        expect(await ok("GET", `/accounts/${made}/scopes/`)).to.deep.equal([`${made}.data`]);
        // Gone already: fine.
        await provider.delete(name, outs);
        expect((await provider.read(name, outs)).id).to.equal(undefined);
    });

    it("refuses to delete an RSE that holds replicas, saying why, and removes nothing", async () => {
        const name = fresh("FULL");
        const spec = specOf(name, fresh("full").toLowerCase(), { peers: [{ rse: "PEER-A", distance: 1 }] });
        const outs = (await provider.create(inputs(spec))).outs as RseRegistrationOutputs;
        const scope = fresh("full-scope").toLowerCase();
        await ok("POST", `/accounts/root/scopes/${scope}`);
        await ok("POST", "/replicas", { rse: name, files: [{ scope, name: "file1", bytes: 123, adler32: "0cc737eb" }] });
        // Rucio counts an RSE's replicas with its abacus daemon; its count is what del_rse checks.
        execFileSync("/usr/bin/python3", ["-c", "from rucio.daemons.abacus.rse import run; run(once=True)"], { env: { ...process.env, ...rucio.env }, cwd: join(rucio.dir, "run"), stdio: "pipe" });
        proxy.clear();
        const err = await rejection(provider.delete(name, outs));
        expect(err.message).to.equal(
            `Rucio refuses to delete RSE ${name}: it is not empty (Rucio counts 123 bytes of replicas on it). Rucio deletes only an RSE that holds no replicas; remove its rules and replicas first (the reaper deletes them), or keep the RSE and remove it from the stack with pulumi state delete`,
        );
        expect(writes()).to.deep.equal([]);
        expect(await ok("GET", `/rses/${name}/protocols`)).to.have.length(1);
        expect(await distance("PEER-A", name)).to.deep.equal([1]);
    });

    it("refuses a name Rucio gave to an RSE that was deleted", async () => {
        const name = fresh("REUSED");
        await ok("POST", `/rses/${name}`);
        await ok("DELETE", `/rses/${name}`);
        const err = await rejection(provider.create(inputs(specOf(name, "root", { accounts: [] }))));
        expect(err.message).to.equal(`Rucio at ${proxy.url} refuses the name ${name}: an RSE of that name was deleted, and Rucio never gives a deleted RSE's name to a new one. Choose another RSE name in the site config`);
    });

    it("works as pulumi up runs it: serialized and loaded on its own", async () => {
        const serialized = await serializeFunction(() => rseRegistrationProvider, { allowSecrets: true });
        const dir = join(repoRoot, "bin", "serialized-providers");
        mkdirSync(dir, { recursive: true });
        const file = join(dir, "rse-registration.js");
        writeFileSync(file, serialized.text);
        delete require.cache[file];
        const loaded = require(file)[serialized.exportName]();
        const name = fresh("SERIAL");
        const spec = specOf(name, "root", { accounts: [{ account: "root", bytes: -1, scopes: [] }] });
        const created = await loaded.create(inputs(spec));
        expect(created.id).to.equal(name);
        expect(await loaded.diff(name, created.outs, inputs(spec))).to.deep.include({ changes: false });
        await loaded.delete(name, created.outs);
        expect((await rest("GET", `/rses/${name}`)).status).to.equal(404);
    });
});

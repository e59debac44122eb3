// The IAM-to-Rucio account sync, run as the CronJob runs it (the script under python3), against
// the real Rucio test server (1.31.7) and the stand-in IAM with IAM's SCIM API; its manifests
// against the strict Kubernetes schemas.
import { expect } from "chai";
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
    accountSyncConfigMap,
    accountSyncCronJob,
    accountSyncImage,
    accountSyncManifests,
    accountSyncScriptPath,
    syncSettings,
    type AccountSyncArgs,
} from "../components/rucio/render/account-sync";
import { KubeSchemas } from "../tools/render/kube-schema";
import { repoRoot } from "./harness";
import { adminClient, FakeIam } from "./iam/fake-iam";
import { FaultProxy } from "./iam/fault-proxy";
import { scimPage } from "./iam/scim";
import { tokenRequest, verifiedClaims } from "./iam/token-client";
import { rucioToken, startRucio, type RucioServer } from "./rucio/test-server";
import { toolPath } from "./tools";

const script = join(repoRoot, accountSyncScriptPath);
const syncClient = { id: "rucio-sync", secret: "sync-Secret-value-4711" };
const loginClient = "site-login";
const rse = "SYNC_TEST_DISK";
const quota = 5_000_000_000;
const writes = (seen: readonly string[]) => seen.filter((s) => !s.startsWith("GET "));

/** What IAM puts in a token's sub and iss is what Rucio looks the account up by. */
const identityOf = (sub: string, issuer: string) => `SUB=${sub}, ISS=${issuer}`;
/** The script's second and third candidate names, restated: first 13 (or 9) characters, '-', 6 (or 10) hex digits of SHA-256(sub). */
const hashedName = (base: string, sub: string, digits = 6) => `${base.slice(0, digits === 6 ? 13 : 9)}-${createHash("sha256").update(sub).digest("hex").slice(0, digits)}`;

/** A stand-in IAM behind a fault proxy (the proxy is its issuer), with the sync's client and a login client. */
async function startIam(): Promise<{ iam: FakeIam; proxy: FaultProxy; stop(): Promise<void> }> {
    const iam = new FakeIam();
    const proxy = new FaultProxy(() => iam.address);
    await proxy.start();
    await iam.start(0, proxy.url);
    const admin = (await tokenRequest(iam.address, adminClient.clientId, adminClient.clientSecret, { grant_type: "client_credentials" })).body.access_token;
    for (const c of [
        { client_id: syncClient.id, client_secret: syncClient.secret, client_name: "sync", scope: "scim:read", grant_types: ["client_credentials"] },
        { client_id: loginClient, client_secret: "login-secret", client_name: "login", scope: "openid profile wlcg wlcg.groups", grant_types: ["authorization_code"], redirect_uris: ["https://hub.example.org/cb"] },
    ]) {
        const res = await fetch(`${iam.address}/iam/api/clients`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify(c) });
        expect(res.status, await res.text()).to.equal(201);
    }
    return { iam, proxy, stop: async () => (await iam.stop(), await proxy.stop()) };
}

/** The Rucio test server behind a fault proxy, with root's token for the test's own reads. */
class RucioHarness {
    server!: RucioServer;
    proxy!: FaultProxy;
    private token = "";

    async start(): Promise<void> {
        this.server = await startRucio({ db: "sqlite" });
        this.proxy = new FaultProxy(() => this.server.url);
        await this.proxy.start();
        this.token = await rucioToken(this.server);
    }

    async stop(): Promise<void> {
        await this.proxy?.stop();
        await this.server?.stop();
    }

    async call(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
        const res = await fetch(`${this.server.url}${path}`, { method, headers: { "X-Rucio-Auth-Token": this.token, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
        return { status: res.status, text: await res.text() };
    }

    async json(path: string): Promise<any> {
        const res = await this.call("GET", path);
        expect(res.status, `${path}: ${res.text}`).to.equal(200);
        return JSON.parse(res.text);
    }

    async lines(path: string): Promise<any[]> {
        const res = await this.call("GET", path);
        expect(res.status, `${path}: ${res.text}`).to.equal(200);
        return res.text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l));
    }

    async account(name: string): Promise<any | undefined> {
        const res = await this.call("GET", `/accounts/${name}`);
        return res.status === 404 ? undefined : JSON.parse(res.text);
    }

    /** Active accounts whose names start with `prefix`. */
    async accountNames(prefix: string): Promise<string[]> {
        return (await this.lines(`/accounts/?account=${encodeURIComponent(`${prefix}*`)}`)).map((a) => a.account).sort();
    }

    identities = async (name: string) => (await this.lines(`/accounts/${name}/identities`)).map((i) => `${i.type} ${i.identity}`);
    attributes = async (name: string) => Object.fromEntries((await this.json(`/accounts/${name}/attr/`)).map((a: any) => [a.key, a.value]));
    limit = async (name: string) => (await this.json(`/accounts/${name}/limits/local/${rse}`))[rse];
}

/**
 * Rucio 40's GET /identities/accounts?identity_key=&type= (rucio/rucio@40.4.1:lib/rucio/web/rest/
 * flaskapi/v1/identities.py:267-325): the accounts an identity is mapped to, whatever their status,
 * read from account_map as core/identity.py:285-301 does, here from the test server's own
 * database. Every other request passes through to `target`.
 */
class Rucio40IdentityRoute {
    url = "";
    answered = 0;
    private server?: Server;
    private reader?: ChildProcessWithoutNullStreams;
    private pending: Array<(line: string) => void> = [];

    constructor(
        private readonly target: () => string,
        private readonly database: () => string,
    ) {}

    async start(): Promise<void> {
        // One Python reading queries, a JSON line each, and answering a JSON line each.
        const loop = "import json,sqlite3,sys\nfor line in sys.stdin:\n    identity, kind = json.loads(line)\n    c = sqlite3.connect(sys.argv[1])\n    print(json.dumps([r[0] for r in c.execute('select account from account_map where identity=? and identity_type=?', (identity, kind.upper()))]), flush=True)\n    c.close()\n";
        this.reader = spawn(toolPath("python3"), ["-c", loop, this.database()]);
        let buffer = "";
        this.reader.stdout.on("data", (chunk: Buffer) => {
            buffer += chunk.toString("utf8");
            for (let at = buffer.indexOf("\n"); at >= 0; at = buffer.indexOf("\n")) {
                this.pending.shift()?.(buffer.slice(0, at));
                buffer = buffer.slice(at + 1);
            }
        });
        this.server = createServer((req, res) => {
            const url = new URL(req.url ?? "/", "http://x");
            if (req.method === "GET" && url.pathname === "/identities/accounts") {
                this.answered++;
                this.pending.push((line) => res.writeHead(200, { "content-type": "application/json" }).end(line));
                this.reader!.stdin.write(`${JSON.stringify([url.searchParams.get("identity_key") ?? "", url.searchParams.get("type") ?? ""])}\n`);
                return;
            }
            const upstream = request(`${this.target()}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                answer.pipe(res);
            });
            upstream.on("error", () => res.writeHead(502).end());
            req.pipe(upstream);
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    async stop(): Promise<void> {
        this.reader?.stdin.end();
        this.server?.closeAllConnections();
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }
}

interface SyncRun {
    readonly code: number;
    readonly out: string;
    /** The lines that report a change. */
    readonly changes: string[];
}

function runSync(env: Record<string, string>): Promise<SyncRun> {
    // Only the sync's own settings: nothing of the test's environment (proxies, Rucio client settings).
    const clean = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env };
    return new Promise((resolve) => {
        execFile(toolPath("python3"), [script], { env: clean, encoding: "utf8", timeout: 120_000 }, (err, stdout, stderr) => {
            const out = stdout + stderr;
            const changes = stdout.split("\n").filter((l) => /^iam-account-sync: (created|took over|reactivated|suspended|added|set|marked|made|removed)/.test(l));
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, changes });
        });
    });
}

function syncEnv(iam: FakeIam, rucio: RucioHarness, more: Record<string, string> = {}): Record<string, string> {
    return {
        SYNC_IAM_ISSUER: iam.issuer,
        SYNC_IAM_CLIENT_ID: syncClient.id,
        SYNC_IAM_CLIENT_SECRET: syncClient.secret,
        SYNC_RUCIO_URL: rucio.proxy.url,
        SYNC_RUCIO_ACCOUNT: rucio.server.account,
        SYNC_RUCIO_USERNAME: rucio.server.username,
        SYNC_RUCIO_PASSWORD: rucio.server.password,
        SYNC_ALLOWED_GROUPS: "",
        SYNC_ADMINS: "",
        SYNC_RSE: rse,
        SYNC_DEFAULT_QUOTA_BYTES: String(quota),
        SYNC_RETRY_SECONDS: "0.05",
        SYNC_TIMEOUT_SECONDS: "5",
        ...more,
    };
}

describe("stand-in IAM: users and groups through SCIM, as IAM v1.12.0 serves them", () => {
    let standIn: Awaited<ReturnType<typeof startIam>>;
    before(async () => (standIn = await startIam()));
    after(() => standIn.stop());

    const scim = async (query: string, token?: string, accept = "application/scim+json") => {
        const headers: Record<string, string> = { accept };
        if (token) headers.authorization = `Bearer ${token}`;
        const res = await fetch(`${standIn.iam.issuer}/scim/Users${query}`, { headers });
        return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as any };
    };
    const syncToken = async () => (await tokenRequest(standIn.iam.issuer, syncClient.id, syncClient.secret, { grant_type: "client_credentials", scope: "scim:read" })).body.access_token as string;

    it("pages as ScimControllerSupport.buildPageRequest does: count defaults to and is capped at 100, startIndex is 1-based, count 0 gives the total only", async () => {
        for (let i = 0; i < 130; i++) standIn.iam.addUser({ username: `pager${i}`, email: `pager${i}@example.org` });
        const token = await syncToken();
        const first = await scim("", token);
        expect(first.type).to.equal("application/scim+json;charset=UTF-8");
        expect(first.body).to.include({ totalResults: 130, itemsPerPage: 100, startIndex: 1 });
        expect(first.body.schemas).to.deep.equal(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]);
        expect(first.body.Resources.map((u: any) => u.userName).slice(0, 2)).to.deep.equal(["pager0", "pager1"]);
        const rest = await scim("?startIndex=101&count=500", token);
        expect(rest.body).to.include({ totalResults: 130, itemsPerPage: 30, startIndex: 101 });
        expect(rest.body.Resources[0].userName).to.equal("pager100");
        expect((await scim("?count=0", token)).body).to.deep.equal({ totalResults: 130, Resources: [], schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"] });
        expect((await scim("?startIndex=0&count=2", token)).body).to.include({ startIndex: 1, itemsPerPage: 2 });
        expect((await scim("?count=abc", token)).status).to.equal(400);
        expect(scimPage(-3, -1)).to.deep.equal({ count: 0, offset: 0 });
        for (let i = 0; i < 130; i++) standIn.iam.removeUser(`pager${i}`);
    });

    it("needs a token (401), and one with scim:read (403 without), as IamApiSecurityConfig and @PreAuthorize have it", async () => {
        expect((await scim("")).status).to.equal(401);
        expect((await scim("", "not-a-token")).body).to.deep.equal({ error: "invalid_token", error_description: "Invalid access token" });
        const admin = (await tokenRequest(standIn.iam.issuer, adminClient.clientId, adminClient.clientSecret, { grant_type: "client_credentials" })).body.access_token;
        expect((await scim("", admin)).body).to.deep.equal({ error: "access_denied", error_description: "Access is denied" });
        expect((await scim("", await syncToken(), "text/html")).status).to.equal(406);
        expect((await scim("", await syncToken())).status).to.equal(200);
    });

    it("shows a user's groups by IAM's full group name, and the same groups with a leading '/' in the wlcg.groups claim", async () => {
        const added = standIn.iam.addUser({ username: "grace", email: "grace@example.org", groups: ["skao/uksrc", "ops"] });
        const user = (await scim("", await syncToken())).body.Resources.find((u: any) => u.userName === "grace");
        expect(user).to.deep.include({ id: added.sub, userName: "grace", displayName: "grace", active: true, emails: [{ type: "work", value: "grace@example.org", primary: true }] });
        expect(user.schemas).to.deep.equal(["urn:ietf:params:scim:schemas:core:2.0:User", "urn:indigo-dc:scim:schemas:IndigoUser"]);
        expect(user.meta).to.include({ resourceType: "User", location: `${standIn.iam.issuer}/scim/Users/${added.sub}` });
        expect(user.groups.map((g: any) => g.display)).to.deep.equal(["skao/uksrc", "ops"]);
        expect(user.groups[0]).to.deep.equal({ display: "skao/uksrc", value: standIn.iam.directory.groupId("skao/uksrc"), $ref: `${standIn.iam.issuer}/scim/Groups/${standIn.iam.directory.groupId("skao/uksrc")}` });
        const token = standIn.iam.userToken({ clientId: loginClient, user: "grace", scope: "openid wlcg.groups" });
        const claims = await verifiedClaims(standIn.iam.issuer, token.access_token);
        expect(claims).to.deep.include({ sub: added.sub, iss: standIn.iam.issuer });
        expect(claims["wlcg.groups"]).to.deep.equal(["/ops", "/skao/uksrc"]);
        // Membership of a subgroup is not membership of its parent, in SCIM as in the claim.
        expect(claims["wlcg.groups"]).not.to.include("/skao");
    });

    it("lists a disabled user as inactive, and lets them have no token; a removed user is not listed", async () => {
        standIn.iam.addUser({ username: "henry", email: "henry@example.org" });
        standIn.iam.disableUser("henry");
        const listed = async () => (await scim("", await syncToken())).body.Resources.filter((u: any) => u.userName === "henry");
        expect((await listed())[0].active).to.equal(false);
        expect(() => standIn.iam.userToken({ clientId: loginClient, user: "henry", scope: "openid" })).to.throw("disabled");
        standIn.iam.removeUser("henry");
        expect(await listed()).to.deep.equal([]);
    });
});

describe("account sync against the real Rucio server and the stand-in IAM", function () {
    this.timeout(180_000);
    const rucio = new RucioHarness();
    let standIn: Awaited<ReturnType<typeof startIam>>;
    let iam: FakeIam;

    before(async () => {
        [standIn] = await Promise.all([startIam(), rucio.start()]);
        iam = standIn.iam;
        expect((await rucio.call("POST", `/rses/${rse}`)).status).to.equal(201);
    });
    after(async () => {
        await standIn?.stop();
        await rucio.stop();
    });
    beforeEach(() => {
        rucio.proxy.clear();
        standIn.proxy.clear();
    });

    /**
     * The same story against the server's own routes (Rucio 1.31, which lists no identities of a
     * suspended account) and with Rucio 40's GET /identities/accounts in front of it.
     */
    function story(face: "1.31" | "40", p: string) {
        describe(`accounts for the users of the allowed groups, suspended when they leave, back when they return (Rucio ${face} routes)`, () => {
            const route40 = new Rucio40IdentityRoute(() => rucio.proxy.url, () => join(rucio.server.dir, "run", "rucio.db"));
            const allowed = { SYNC_ALLOWED_GROUPS: "/skao/uksrc" };
            const env = (more: Record<string, string> = {}) => syncEnv(iam, rucio, { ...allowed, ...(face === "40" ? { SYNC_RUCIO_URL: route40.url } : {}), ...more });
            const [alice, bob, carol, dave, erin, olga] = ["alice", "bob", "carol", "dave", "erin", "olga"].map((n) => p + n);
            let subs: Record<string, string> = {};

            before(async () => {
                if (face === "40") await route40.start();
                const add = (username: string, groups: string[], active = true) => iam.addUser({ username, email: `${username}@example.org`, groups, active }).sub;
                subs = {
                    [alice]: add(alice, ["skao/uksrc"]),
                    [bob]: add(bob, ["skao", "skao/uksrc"]),
                    // Only the parent group: not a member of /skao/uksrc.
                    [carol]: add(carol, ["skao"]),
                    [dave]: add(dave, ["skao/uksrc"], false),
                    [erin]: add(erin, ["skao/uksrc"]),
                };
            });
            after(() => (face === "40" ? route40.stop() : undefined));

            it("creates, for each active user in the groups, a USER account with the user's email, the identity of their token, user.<account> and the default limit", async () => {
                const run = await runSync(env());
                expect(run.code, run.out).to.equal(0);
                expect(await rucio.accountNames(p)).to.include.members([alice, bob, erin]);
                for (const other of [carol, dave]) expect(await rucio.account(other), other).to.equal(undefined);
                expect(await rucio.account(alice)).to.include({ account: alice, account_type: "USER", status: "ACTIVE", email: `${alice}@example.org` });
                // The identity Rucio forms from a token's sub and iss (oidc_identity_string) is the one the account carries.
                const claims = await verifiedClaims(iam.issuer, iam.userToken({ clientId: loginClient, user: alice, scope: "openid" }).access_token);
                expect(await rucio.identities(alice)).to.deep.equal([`OIDC ${identityOf(claims.sub, claims.iss)}`]);
                expect(claims.sub).to.equal(subs[alice]);
                expect(await rucio.json(`/accounts/${alice}/scopes/`)).to.deep.equal([`user.${alice}`]);
                expect(await rucio.limit(alice)).to.equal(quota);
                expect(await rucio.attributes(alice)).to.deep.equal({ managed_by: "iam-account-sync" });
                // One line per change, and nothing secret.
                expect(run.changes).to.include(`iam-account-sync: created account ${alice} for IAM user ${alice}`);
                expect(run.changes).to.include(`iam-account-sync: set the limit of account ${bob} on ${rse} to ${quota} bytes`);
                expect(run.changes.filter((l) => l.includes("created account"))).to.have.length(3);
                expect(run.out).not.to.include(syncClient.secret);
                expect(run.out).not.to.include(rucio.server.password);
                // Neither IAM's JWTs nor Rucio's tokens (<account>-<identity>-<app>-<hex>).
                expect(run.out).not.to.match(/eyJ[\w-]+\.[\w-]+/);
                expect(run.out).not.to.match(new RegExp(`${rucio.server.account}-${rucio.server.username}-`));
                if (face === "40") expect(route40.answered).to.be.greaterThan(0);
            });

            it("changes nothing on a second run: no write reaches Rucio", async () => {
                const run = await runSync(env());
                expect(run.code, run.out).to.equal(0);
                expect(run.changes).to.deep.equal([]);
                expect(run.out).to.include("0 changes, 0 failures");
                expect(writes(rucio.proxy.seen)).to.deep.equal([]);
            });

            it("never lowers or resets a limit an admin set, and follows an email changed in IAM", async () => {
                expect((await rucio.call("POST", `/accountlimits/local/${alice}/${rse}`, { bytes: quota * 4 })).status).to.equal(201);
                expect((await rucio.call("POST", `/accountlimits/local/${bob}/${rse}`, { bytes: 1000 })).status).to.equal(201);
                iam.directory.setEmail(erin, `${erin}@uksrc.example.org`);
                const run = await runSync(env());
                expect(run.code, run.out).to.equal(0);
                expect(await rucio.limit(alice)).to.equal(quota * 4);
                expect(await rucio.limit(bob)).to.equal(1000);
                expect(run.changes).to.deep.equal([`iam-account-sync: set the email of account ${erin} to the one in IAM`]);
                expect((await rucio.account(erin)).email).to.equal(`${erin}@uksrc.example.org`);
            });

            it("makes the listed admins' accounts admins, and takes admin away when they are no longer listed", async () => {
                let run = await runSync(env({ SYNC_ADMINS: `${bob},nobody` }));
                expect(run.code, run.out).to.equal(0);
                expect(run.changes).to.deep.equal([`iam-account-sync: made account ${bob} an admin`]);
                // Rucio reads the value True back as a boolean.
                expect(await rucio.attributes(bob)).to.deep.equal({ managed_by: "iam-account-sync", admin: true });
                run = await runSync(env({ SYNC_ADMINS: "" }));
                expect(run.changes).to.deep.equal([`iam-account-sync: removed admin from account ${bob}: IAM user ${bob} is not a listed admin`]);
                expect(await rucio.attributes(bob)).to.deep.equal({ managed_by: "iam-account-sync" });
            });

            it("suspends, never deletes, the accounts of users removed from IAM, disabled there or out of the groups; their scopes stay", async () => {
                await runSync(env({ SYNC_ADMINS: alice }));
                iam.removeUser(alice);
                iam.disableUser(bob);
                iam.directory.setGroups(erin, ["skao"]);
                rucio.proxy.clear();
                const run = await runSync(env({ SYNC_ADMINS: alice }));
                expect(run.code, run.out).to.equal(0);
                expect(run.changes).to.have.members([
                    `iam-account-sync: removed admin from account ${alice}`,
                    `iam-account-sync: suspended account ${alice}: its IAM user is gone`,
                    `iam-account-sync: suspended account ${bob}: IAM user ${bob} is disabled`,
                    `iam-account-sync: suspended account ${erin}: IAM user ${erin} is not in the allowed groups`,
                ]);
                for (const name of [alice, bob, erin]) expect(await rucio.account(name)).to.include({ account: name, status: "SUSPENDED" });
                const scopes = (await rucio.json("/scopes/")) as string[];
                expect(scopes).to.include.members([alice, bob, erin].map((n) => `user.${n}`));
                expect(writes(rucio.proxy.seen).filter((w) => w.startsWith("DELETE") && !w.endsWith("/attr/admin"))).to.deep.equal([]);
                // Suspended accounts stay suspended on the next run.
                const again = await runSync(env());
                expect(again.changes).to.deep.equal([]);
            });

            it("reactivates the same account when the user returns, with everything it had", async () => {
                iam.addUser({ username: alice, sub: subs[alice], email: `${alice}@example.org`, groups: ["skao/uksrc"] });
                iam.enableUser(bob);
                iam.directory.setGroups(erin, ["skao/uksrc"]);
                const run = await runSync(env());
                expect(run.code, run.out).to.equal(0);
                expect(run.changes).to.have.members([alice, bob, erin].map((n) => `iam-account-sync: reactivated account ${n}: IAM user ${n} is back`));
                // One status change per account: Rucio 40 names a suspended account's identity's
                // accounts; with 1.31 the account is looked at while active, then kept.
                expect(writes(rucio.proxy.seen).filter((w) => w === `PUT /accounts/${alice}`)).to.have.length(1);
                expect(await rucio.account(alice)).to.include({ status: "ACTIVE" });
                expect(await rucio.identities(alice)).to.deep.equal([`OIDC ${identityOf(subs[alice], iam.issuer)}`]);
                expect(await rucio.limit(alice)).to.equal(quota * 4);
                expect((await runSync(env())).changes).to.deep.equal([]);
            });

            it("keeps a user's account when their IAM username changes", async () => {
                iam.removeUser(erin);
                iam.addUser({ username: `${erin}-renamed`, sub: subs[erin], email: `${erin}@uksrc.example.org`, groups: ["skao/uksrc"] });
                const run = await runSync(env());
                expect(run.code, run.out).to.equal(0);
                expect(run.changes).to.deep.equal([]);
                expect(await rucio.account(`${erin}-renamed`)).to.equal(undefined);
            });

            it("leaves alone a suspended account of someone else that has the user's name and email", async () => {
                expect((await rucio.call("POST", `/accounts/${olga}`, { type: "USER", email: `${olga}@example.org` })).status).to.equal(201);
                expect((await rucio.call("PUT", `/accounts/${olga}`, { status: "SUSPENDED" })).status).to.equal(200);
                const sub = iam.addUser({ username: olga, email: `${olga}@example.org`, groups: ["skao/uksrc"] }).sub;
                rucio.proxy.clear();
                const run = await runSync(env());
                expect(run.code, run.out).to.equal(0);
                expect(await rucio.account(olga)).to.include({ status: "SUSPENDED" });
                expect(await rucio.identities(hashedName(olga, sub))).to.deep.equal([`OIDC ${identityOf(sub, iam.issuer)}`]);
                // Rucio 40 says whose it is without touching it; with 1.31 it is looked at while active, then suspended again.
                const touched = writes(rucio.proxy.seen).filter((w) => w === `PUT /accounts/${olga}`);
                expect(touched).to.have.length(face === "40" ? 0 : 2);
            });
        });
    }
    story("1.31", "");
    story("40", "r40-");

    describe("account names", () => {
        it("follow Rucio's rules and never take an account that is someone else's", async () => {
            // A hand-made Rucio account with the name an IAM user would get.
            expect((await rucio.call("POST", "/accounts/mallory", { type: "USER", email: "ops@example.org" })).status).to.equal(201);
            const add = (username: string) => iam.addUser({ username, email: `${username.replace(/[^a-z0-9]/g, "")}@names.example.org`, groups: ["names"] }).sub;
            const first = add("john.doe");
            const second = add("john-doe");
            const root = add("root");
            const mallory = add("mallory");
            const long = add("a.very.long.username.indeed");
            const run = await runSync(syncEnv(iam, rucio, { SYNC_ALLOWED_GROUPS: "names" }));
            expect(run.code, run.out).to.equal(0);
            const expected: Record<string, string> = {
                "john-doe": first,
                [hashedName("john-doe", second)]: second,
                [hashedName("root", root)]: root,
                [hashedName("mallory", mallory)]: mallory,
                [hashedName("a-very-long-username-indeed", long)]: long,
            };
            for (const [name, sub] of Object.entries(expected)) {
                expect(name).to.match(/^[a-z0-9_-]{1,20}$/);
                expect(await rucio.identities(name), name).to.deep.equal([`OIDC ${identityOf(sub, iam.issuer)}`]);
                expect(await rucio.json(`/accounts/${name}/scopes/`)).to.deep.equal([`user.${name}`]);
            }
            // root and the hand-made account are untouched.
            expect(await rucio.identities("mallory")).to.deep.equal([]);
            expect(await rucio.attributes("mallory")).to.deep.equal({});
            expect((await rucio.identities("root")).filter((i) => i.startsWith("OIDC"))).to.deep.equal([]);
            expect(await rucio.attributes("root")).not.to.have.property("managed_by");
            expect((await runSync(syncEnv(iam, rucio, { SYNC_ALLOWED_GROUPS: "names" }))).changes).to.deep.equal([]);
        });
    });

    describe("IAM's paging", () => {
        it("reads every page of /scim/Users, whatever page size it asks for", async () => {
            const members = new Set([2, 99, 100, 139]);
            for (let i = 0; i < 140; i++) iam.addUser({ username: `pg${i}`, email: `pg${i}@example.org`, groups: members.has(i) ? ["paging"] : [] });
            for (const pageSize of ["500", "7"]) {
                standIn.proxy.clear();
                const run = await runSync(syncEnv(iam, rucio, { SYNC_ALLOWED_GROUPS: "paging", SYNC_SCIM_PAGE_SIZE: pageSize }));
                expect(run.code, run.out).to.equal(0);
                expect(await rucio.accountNames("pg")).to.deep.equal(["pg100", "pg139", "pg2", "pg99"]);
                // IAM caps a page at 100 users: at least two pages however many the sync asks for.
                expect(standIn.proxy.seen.filter((s) => s === "GET /scim/Users").length).to.be.greaterThan(1);
            }
        });
    });

    describe("faults", () => {
        const env = () => syncEnv(iam, rucio, { SYNC_ALLOWED_GROUPS: "faults", SYNC_TIMEOUT_SECONDS: "1" });

        it("retries 5xx, 429 and lost answers, and makes no account twice", async () => {
            const sub = iam.addUser({ username: "fay", email: "fay@example.org", groups: ["faults"] }).sub;
            standIn.proxy.inject("GET", /^\/scim\/Users$/, { status: 429, retryAfter: "0" });
            rucio.proxy.inject("POST", /^\/accounts\/fay$/, { forwardThenHang: true });
            rucio.proxy.inject("POST", /^\/accounts\/fay\/identities$/, { status: 503 }, 2);
            rucio.proxy.inject("GET", /^\/accounts\/fay\/scopes\/$/, { hang: true });
            const run = await runSync(env());
            expect(run.code, run.out).to.equal(0);
            expect(await rucio.accountNames("fay")).to.deep.equal(["fay"]);
            expect(await rucio.identities("fay")).to.deep.equal([`OIDC ${identityOf(sub, iam.issuer)}`]);
            expect(await rucio.json("/accounts/fay/scopes/")).to.deep.equal(["user.fay"]);
            expect(run.out).to.match(/POST http:\/\/127\.0\.0\.1:\d+\/accounts\/fay\/identities: HTTP 503 injected fault; retrying/);
            expect((await runSync(env())).changes).to.deep.equal([]);
        });

        it("exits non-zero after trying everything else when one user fails, and says which", async () => {
            iam.addUser({ username: "gil", email: "gil@example.org", groups: ["faults"] });
            iam.addUser({ username: "hal", email: "hal@example.org", groups: ["faults"] });
            rucio.proxy.inject("POST", /^\/accounts\/gil\/scopes\/user\.gil$/, { status: 500 }, 10);
            const run = await runSync(env());
            expect(run.code, run.out).to.equal(1);
            expect(run.out).to.match(/error: IAM user gil, account gil: POST \S+\/accounts\/gil\/scopes\/user\.gil failed after 5 attempts: HTTP 500/);
            // Everything else was done: gil's other steps and all of hal.
            expect(await rucio.limit("gil")).to.equal(quota);
            expect(await rucio.json("/accounts/hal/scopes/")).to.deep.equal(["user.hal"]);
            rucio.proxy.clear();
            const next = await runSync(env());
            expect(next.code, next.out).to.equal(0);
            expect(next.changes).to.deep.equal(["iam-account-sync: added scope user.gil to account gil"]);
        });

        it("refuses a wrong IAM client secret or Rucio password with exit 1, changes nothing, and prints neither", async () => {
            const wrongSecret = "wrong-Secret-0815";
            const iamRefused = await runSync({ ...env(), SYNC_IAM_CLIENT_SECRET: wrongSecret });
            expect(iamRefused.code, iamRefused.out).to.equal(1);
            expect(iamRefused.out).to.match(/error: IAM refused a token to client rucio-sync: HTTP 401 invalid_client/);
            // Without IAM's users nothing is done in Rucio.
            expect(rucio.proxy.seen).to.deep.equal([]);
            const wrongPassword = "wrong-Password-0815";
            const rucioRefused = await runSync({ ...env(), SYNC_RUCIO_PASSWORD: wrongPassword });
            expect(rucioRefused.code, rucioRefused.out).to.equal(1);
            expect(rucioRefused.out).to.match(/error: Rucio refused the userpass login of account root: HTTP 401 IdentityNotFound/);
            expect(rucio.proxy.seen).to.deep.equal(["GET /auth/userpass"]);
            for (const secret of [wrongSecret, syncClient.secret, wrongPassword, rucio.server.password]) expect(iamRefused.out + rucioRefused.out).not.to.include(secret);
        });

        it("refuses an issuer that is not IAM's own spelling, and incomplete configuration with exit 2", async () => {
            const run = await runSync({ ...env(), SYNC_IAM_ISSUER: `${iam.issuer}/` });
            expect(run.code).to.equal(1);
            expect(run.out).to.include(`IAM's discovery names the issuer '${iam.issuer}', not SYNC_IAM_ISSUER '${iam.issuer}/'`);
            const { SYNC_RSE: _, ...partial } = env();
            const missing = await runSync(partial);
            expect(missing.code).to.equal(2);
            expect(missing.out).to.include("configuration: SYNC_RSE is not set");
        });
    });
});

describe("account sync: its naming and matching rules, as functions of the script", () => {
    /** Calls the script's functions and returns what they give, as JSON. */
    function python(expression: string): any {
        const code = `import json, sys\nsys.path.insert(0, sys.argv[1])\nimport account_sync as s\nprint(json.dumps(${expression}))`;
        const out = execFileSync(toolPath("python3"), ["-c", code, join(repoRoot, "components", "rucio", "sync")], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PYTHONDONTWRITEBYTECODE: "1" } });
        return JSON.parse(out);
    }

    it("derives names within Rucio's account rules, a hashed one where the username does not fit or is taken", () => {
        const sub = "8a6b1f52-3c1e-4f8e-9b7a-2d4c6e8f0a1b";
        expect(python(`[s.account_base(u) for u in ["John.Doe@CERN", "svc$", "", "under_score-ok"]]`)).to.deep.equal(["john-doe-cern", "svc-", "user", "under_score-ok"]);
        expect(python(`s.candidate_names("alice", "${sub}")`)).to.deep.equal(["alice", hashedName("alice", sub), hashedName("alice", sub, 10)]);
        const long = python(`s.candidate_names("a-name-of-twenty-ones", "${sub}")`) as string[];
        expect(long).to.deep.equal([hashedName("a-name-of-twenty-ones", sub), hashedName("a-name-of-twenty-ones", sub, 10)]);
        for (const name of [...long, ...python(`s.candidate_names("x" * 20, "${sub}")`)]) expect(name).to.match(/^[a-z0-9_-]{1,20}$/);
        expect(python(`s.candidate_names("x" * 20, "${sub}")[0]`)).to.equal("x".repeat(20));
    });

    it("forms the identity as Rucio's oidc_identity_string, and takes groups in either form", () => {
        expect(python(`s.oidc_identity("abc", "https://iam.example.org/")`)).to.equal("SUB=abc, ISS=https://iam.example.org/");
        expect(python(`[s.group_name(g) for g in ["/skao/uksrc", "skao/uksrc"]]`)).to.deep.equal(["skao/uksrc", "skao/uksrc"]);
    });

    it("accepts IAM's discovery of the tokens' issuer, which adds a missing trailing slash, and nothing else", () => {
        const cases = [
            ["https://iam.example.org/", "https://iam.example.org/", true],
            ["https://iam.example.org/", "https://iam.example.org", true],
            ["https://iam.example.org", "https://iam.example.org/", false],
            ["https://iam.elsewhere.org/", "https://iam.example.org/", false],
        ] as const;
        expect(python(`[s.names_issuer(d, i) for d, i in ${JSON.stringify(cases.map(([d, i]) => [d, i]))}]`)).to.deep.equal(cases.map((c) => c[2]));
    });
});

describe("account sync: manifests", () => {
    const args: AccountSyncArgs = {
        name: "rucio-account-sync",
        namespace: "rucio",
        schedule: "*/15 * * * *",
        settings: {
            iamIssuer: "https://iam.example.org/",
            iamClientId: "site-rucio-sync",
            rucioUrl: "http://rucio-server.rucio.svc",
            rucioUsername: "root",
            allowedGroups: ["/skao/uksrc", "skao/ops"],
            admins: ["alice"],
            rse: "STFC_STORM",
            defaultQuotaBytes: 100_000_000_000,
        },
        iamClientSecret: { name: "rucio-sync-iam-client", key: "clientSecret" },
        rucioPassword: { name: "rucio-root", key: "password" },
        caBundle: { configMap: "site-ca", key: "ca.pem" },
    };

    it("validate against Kubernetes 1.36's strict schemas", () => {
        const schemas = new KubeSchemas();
        for (const o of accountSyncManifests(args)) expect(schemas.check(o as any)).to.deep.include({ status: "valid" });
        const { caBundle: _, ...plain } = args;
        expect(schemas.check(accountSyncCronJob(plain) as any)).to.deep.include({ status: "valid" });
    });

    it("run the script of the ConfigMap in the pinned rucio-init image, one run at a time, as non-root, bounded", () => {
        expect(accountSyncConfigMap(args)).to.deep.include({ data: { "account_sync.py": readFileSync(script, "utf8") } });
        const cron = accountSyncCronJob(args) as any;
        expect(cron.spec).to.include({ schedule: "*/15 * * * *", concurrencyPolicy: "Forbid", successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
        const job = cron.spec.jobTemplate.spec;
        expect(job.activeDeadlineSeconds).to.equal(1800);
        const pod = job.template.spec;
        const container = pod.containers[0];
        expect(accountSyncImage).to.equal("rucio/rucio-init:release-40.4.1");
        expect(container.image).to.equal(accountSyncImage);
        expect(container.command).to.deep.equal(["python3", "/opt/account-sync/account_sync.py"]);
        expect(pod.securityContext).to.include({ runAsNonRoot: true });
        expect(container.securityContext).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
        expect(container.resources.limits).to.have.keys("cpu", "memory");
        expect(pod.volumes[0]).to.deep.include({ configMap: { name: "rucio-account-sync-script", defaultMode: 0o444 } });
        const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        expect(env).to.deep.include({
            SYNC_IAM_CLIENT_SECRET: { secretKeyRef: { name: "rucio-sync-iam-client", key: "clientSecret" } },
            SYNC_RUCIO_PASSWORD: { secretKeyRef: { name: "rucio-root", key: "password" } },
            SYNC_ALLOWED_GROUPS: "/skao/uksrc,skao/ops",
            SYNC_ADMINS: "alice",
            SYNC_DEFAULT_QUOTA_BYTES: "100000000000",
            SYNC_RUCIO_AUTH_URL: "http://rucio-server.rucio.svc",
            SYNC_RUCIO_ACCOUNT: "root",
            SYNC_CA_BUNDLE: "/etc/account-sync/ca/ca.pem",
        });
        expect(accountSyncCronJob({ ...args, activeDeadlineSeconds: 600 })).to.have.nested.property("spec.jobTemplate.spec.activeDeadlineSeconds", 600);
    });

    it("name every setting the script reads, and refuse what the environment cannot carry", () => {
        const text = readFileSync(script, "utf8");
        for (const e of syncSettings(args.settings)) expect(text, e.name).to.include(`${e.name} `);
        expect(() => syncSettings({ ...args.settings, allowedGroups: ["a,b"] })).to.throw('group "a,b" cannot be passed on');
        expect(() => syncSettings({ ...args.settings, defaultQuotaBytes: 1.5 })).to.throw("whole number of bytes");
        expect(() => syncSettings({ ...args.settings, rucioUrl: "rucio" })).to.throw("rucioUrl must be an http(s) URL");
        expect(() => accountSyncCronJob({ ...args, schedule: "hourly" })).to.throw("not a five-field cron schedule");
    });
});

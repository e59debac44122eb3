// Tokens that last the whole notebook session, proven with real parts: Debian's JupyterHub 3.0
// with oauthenticator 17.4 and the site's authenticator, configured by hubAuthConfig; the real
// notebook command (the token agent, then jupyterhub-singleuser); the stand-in IAM with the dev
// site's clients as the IamClient provider registers them, and access tokens that live seconds.
import { expect } from "chai";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { iamClientProvider } from "../components/identity/iam-client";
import { iamEndpoints } from "../components/identity/iam-endpoints";
import { clientMetadata, notebookExchangeScopes, planClients, type ClientSpec } from "../components/identity/plan";
import { tokenFile as podTokenFile } from "../components/jupyterhub/plan";
import {
    defaultTokenTiming,
    hubAuthConfig,
    hubFiles,
    hubSecretEnv,
    notebookCommand,
    notebookTokenEnv,
    notebookTokenFiles,
    type HubAuthSettings,
    type TokenTiming,
} from "../components/jupyterhub/render/hub-auth";
import { deriveSite } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import { keysWith, secretsOf, siteOf } from "./harness";
import { FakeIam, adminClient } from "./iam/fake-iam";
import { verifiedClaims } from "./iam/token-client";
import { Browser } from "./jupyterhub/browser";
import { compileError, loadHubConfig } from "./jupyterhub/config-check";
import { startHub, type RunningHub } from "./jupyterhub/hub-process";

const provider = iamClientProvider as Required<typeof iamClientProvider>;
/** The notebook token lives 8 s: a renewal every few seconds, several lifetimes in half a minute, with 2 s of slack for a slow machine. */
const lifetimeSeconds = 8;
const timing: TokenTiming = { authRefreshAgeSeconds: 1, pollSeconds: 1, minValiditySeconds: 1, refreshMarginSeconds: 5 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function devClients(): ClientSpec[] {
    const result = validateStackConfig({ site: siteOf("dev"), keys: keysWith(Object.keys(secretsOf("dev"))) });
    if (!result.ok) throw new Error("dev is valid");
    return planClients(deriveSite(result.site));
}

/** What the token file held at one moment: its text, or nothing. */
interface Sample {
    readonly at: number;
    readonly token?: string;
}

/** Reads the token file every 100 ms until stopped. */
class Sampler {
    readonly samples: Sample[] = [];
    private timer?: NodeJS.Timeout;
    constructor(private readonly path: string) {}
    start() {
        const tick = async () => {
            const at = Date.now();
            const token = await readFile(this.path, "utf8").catch(() => undefined);
            this.samples.push({ at, token });
        };
        this.timer = setInterval(() => void tick(), 100);
    }
    stop() {
        clearInterval(this.timer);
    }
    since(t: number) {
        return this.samples.filter((s) => s.at >= t);
    }
}

/** Polls `check` until it gives a value, or fails after `seconds` with `what`. */
async function eventually<T>(what: string, seconds: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${seconds}s waiting for ${what}`);
        await sleep(100);
    }
}

describe("a notebook session's tokens, with a real JupyterHub", function () {
    this.timeout(90_000);
    const iam = new FakeIam();
    const specs = devClients();
    const secretOf = (name: string) => `${name} secret+value/1`;
    const byRole = (role: ClientSpec["role"]) => specs.find((s) => s.role === role)!.name;
    const group = "skao/uksrc";
    let hub: RunningHub;
    let alice: { sub: string };
    const browser = new Browser();
    const sampler = () => new Sampler(hub.tokenFile);

    before(async () => {
        await iam.start();
        for (const spec of specs) {
            await provider.create({ issuer: iam.issuer, mode: "admin", metadata: clientMetadata(spec), clientId: spec.name, clientSecret: secretOf(spec.name), admin: adminClient, deadlineSeconds: 8, attemptTimeoutSeconds: 2 });
        }
        for (const role of ["jupyterhub", "tokenExchange"] as const) iam.editClient(byRole(role), { access_token_validity_seconds: lifetimeSeconds });
        alice = iam.addUser({ username: "alice", email: "alice@example.org", groups: [group] });
        iam.addUser({ username: "mallory", email: "mallory@example.org", groups: ["skao"] });
        iam.addUser({ username: "bob", email: "bob@example.org", groups: [group] });
        hub = await startHub({
            auth: {
                issuer: iam.issuer,
                loginClientId: byRole("jupyterhub"),
                exchangeClientId: byRole("tokenExchange"),
                exchangeScopes: notebookExchangeScopes,
                audience: "rucio",
                allowedGroups: [`/${group}`],
                admins: [],
            },
            timing,
            loginClientSecret: secretOf(byRole("jupyterhub")),
            exchangeClientSecret: secretOf(byRole("tokenExchange")),
        });
        // The dev site's callback is https://jupyter.<domain>/hub/oauth_callback; this hub is on
        // loopback, so an IAM administrator points the login client there (IAM matches exactly).
        iam.editClient(byRole("jupyterhub"), { redirect_uris: [`${hub.url}/hub/oauth_callback`] });
    });

    after(async function () {
        if ((this.currentTest?.state === "failed" || process.env.SRCNET_SHOW_HUB_LOG) && hub) console.log(hub.logTail(process.env.SRCNET_SHOW_HUB_LOG ? 400 : 60));
        await hub?.stop();
        await iam.stop();
    });

    /** A token file's token, checked as a service would: signature, expiry, audience, scopes. */
    const verified = new Map<string, any>();
    async function claimsOf(token: string) {
        if (!verified.has(token)) verified.set(token, await verifiedClaims(iam.issuer, token));
        return verified.get(token);
    }

    it("names IAM's endpoints as IAM's discovery does", async () => {
        // The hub takes them as URLs (oauthenticator 17 reads no discovery): iamEndpoints derives
        // them from the issuer; the stand-in advertises IAM's own paths (FakeIam.routes).
        const discovery: any = await (await fetch(`${iam.issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`)).json();
        expect(iamEndpoints(iam.issuer)).to.deep.equal({ authorize: discovery.authorization_endpoint, token: discovery.token_endpoint, userinfo: discovery.userinfo_endpoint });
    });

    it("lets a user outside the allowed group not in", async () => {
        iam.logInBrowser("mallory");
        const visit = await new Browser().visit(`${hub.url}/hub/oauth_login`);
        expect(visit.status, visit.url).to.equal(403);
        expect(visit.url).to.match(/\/hub\/oauth_callback\?/);
    });

    it("logs alice in once and keeps her notebook's token file valid for several token lifetimes", async () => {
        iam.logInBrowser("alice");
        const before = iam.authorizeRequests.length;
        const login = await browser.visit(`${hub.url}/hub/oauth_login?next=%2Fhub%2Fspawn`);
        expect(login.hops.some((h) => h.startsWith(`${iam.issuer}/authorize?`)), login.hops.join("\n")).to.equal(true);
        // The server starts; the browser reaches it through the hub's OAuth, as a user does.
        await eventually("alice's notebook server", 30, async () => {
            const page = await browser.visit(`${hub.url}/user/alice/tree`);
            return page.status === 200 && page.url.includes("/user/alice/tree") ? page : undefined;
        });
        await eventually("the token file", 10, () => readFile(hub.tokenFile, "utf8").catch(() => undefined));
        const s = sampler();
        const start = Date.now();
        s.start();
        await sleep(4 * lifetimeSeconds * 1000);
        s.stop();

        const samples = s.since(start);
        expect(samples.length).to.be.greaterThan(100);
        for (const sample of samples) {
            expect(sample.token, `the token file was missing at +${sample.at - start} ms`).to.be.a("string");
            const claims = await claimsOf(sample.token!);
            expect(claims.exp * 1000, `an expired token in the file at +${sample.at - start} ms`).to.be.greaterThan(sample.at);
            expect(claims).to.include({ sub: alice.sub, aud: "rucio", client_id: byRole("tokenExchange") });
            expect(claims.scope.split(" ")).to.include.members(["storage.read:/", "storage.create:/", "storage.modify:/", "offline_access"]);
            expect(sample.token).to.not.match(/\s$/);
        }
        const distinct = new Set(samples.map((x) => x.token));
        expect(distinct.size, "renewed tokens over four lifetimes").to.be.at.least(4);
        expect(statSync(hub.tokenFile).mode & 0o777).to.equal(0o600);
        expect(iam.authorizeRequests.length - before, "logins at IAM").to.equal(1);
    });

    it("gives the server's API token its own user's access token and nothing more", async () => {
        const token = await eventually("the notebook server's API token", 5, () => hub.serverApiToken());
        const get = (path: string) => fetch(`${hub.url}/hub/api${path}`, { headers: { authorization: `token ${token}` } });
        const own = await get("/srcnet/users/alice/notebook-token");
        expect(own.status).to.equal(200);
        const body: any = await own.json();
        expect(Object.keys(body).sort()).to.deep.equal(["access_token", "expires_in", "token_type"]);
        expect((await claimsOf(body.access_token)).sub).to.equal(alice.sub);
        // Bob is logged in too (no server), so the hub holds a notebook token for him: only the
        // scope's !user filter keeps it from alice's server (JupyterHub answers a filtered-out
        // resource with 404, scopes.py:633 at 3.0.0).
        iam.logInBrowser("bob");
        const bobLogin = await new Browser().visit(`${hub.url}/hub/oauth_login`, { stopAfter: /\/hub\/oauth_callback/ });
        expect(bobLogin.status, bobLogin.url).to.equal(302);
        iam.logInBrowser("alice");
        const bobs = await get("/srcnet/users/bob/notebook-token");
        expect(bobs.status).to.equal(404);
        expect(await bobs.text()).to.include("No access to resources").and.not.include("access_token");
        // JupyterHub's own user model never gives it the auth_state (and with it the refresh token).
        const self = await get("/user");
        expect(self.status).to.equal(200);
        const selfBody: any = await self.json();
        expect(selfBody.name).to.equal("alice");
        expect(selfBody.auth_state ?? null).to.equal(null);
        expect(podTokenFile).to.equal("/run/srcnet/access_token");
    });

    it("asks alice to log in again once IAM refuses the refresh, and never leaves an expired token in the file", async () => {
        const token = hub.serverApiToken()!;
        const refreshTokens = iam.refreshTokensOf(byRole("tokenExchange"), "alice");
        expect(refreshTokens, "IAM rotates the refresh token: one is current").to.have.length(1);
        const exchanger = byRole("tokenExchange");
        const revoked = await fetch(`${iam.issuer}/revoke`, {
            method: "POST",
            headers: { authorization: `Basic ${Buffer.from(`${exchanger}:${secretOf(exchanger)}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ token: refreshTokens[0], token_type_hint: "refresh_token" }).toString(),
        });
        expect(revoked.status).to.equal(200);
        const logins = iam.authorizeRequests.length;
        const s = sampler();
        const start = Date.now();
        s.start();
        await eventually("the token file to go", lifetimeSeconds + 5, () => readFile(hub.tokenFile, "utf8").then(() => undefined, () => true));
        await sleep(2000);
        s.stop();
        for (const sample of s.since(start)) {
            if (sample.token === undefined) continue;
            const claims = await claimsOf(sample.token);
            expect(claims.exp * 1000, `an expired token in the file at +${sample.at - start} ms`).to.be.greaterThan(sample.at);
        }
        expect(s.since(start).at(-1)!.token, "the file stays away").to.equal(undefined);
        const api = await fetch(`${hub.url}/hub/api/srcnet/users/alice/notebook-token`, { headers: { authorization: `token ${token}` } });
        expect(api.status).to.equal(403);
        const home = await browser.visit(`${hub.url}/hub/home`, { follow: false });
        expect(home.status).to.equal(302);
        expect(new URL(home.location!, hub.url).pathname).to.equal("/hub/login");
        expect(iam.authorizeRequests.length, "nobody logged in behind alice's back").to.equal(logins);
    });

    it("hands the running notebook a token again when alice logs in again", async () => {
        await browser.visit(`${hub.url}/hub/oauth_login`);
        const token = await eventually("a token file again", 10, () => readFile(hub.tokenFile, "utf8").catch(() => undefined));
        expect((await claimsOf(token)).sub).to.equal(alice.sub);
    });

    it("refuses the refresh of a user an administrator disabled", async () => {
        await eventually("a token file", 10, () => readFile(hub.tokenFile, "utf8").catch(() => undefined));
        iam.disableUser("alice");
        await eventually("the token file to go", lifetimeSeconds + 5, () => readFile(hub.tokenFile, "utf8").then(() => undefined, () => true));
        const home = await browser.visit(`${hub.url}/hub/home`, { follow: false });
        expect(new URL(home.location!, hub.url).pathname).to.equal("/hub/login");
    });

    it("lets alice go at the next renewal once she is no longer in the allowed group", async () => {
        iam.enableUser("alice");
        await browser.visit(`${hub.url}/hub/oauth_login`);
        await eventually("a token file", 10, () => readFile(hub.tokenFile, "utf8").catch(() => undefined));
        iam.directory.setGroups("alice", ["skao"]);
        await eventually("the token file to go", lifetimeSeconds + 5, () => readFile(hub.tokenFile, "utf8").then(() => undefined, () => true));
        const home = await browser.visit(`${hub.url}/hub/home`, { follow: false });
        expect(new URL(home.location!, hub.url).pathname).to.equal("/hub/login");
        // And logging in again is refused, as for anyone outside the group.
        expect((await browser.visit(`${hub.url}/hub/oauth_login`)).status).to.equal(403);
    });

    it("lets alice go too when she is in no group at all (IAM's token then has no wlcg.groups claim)", async () => {
        iam.directory.setGroups("alice", [group]);
        await browser.visit(`${hub.url}/hub/oauth_login`);
        await eventually("a token file", 10, () => readFile(hub.tokenFile, "utf8").catch(() => undefined));
        iam.directory.setGroups("alice", []);
        await eventually("the token file to go", lifetimeSeconds + 5, () => readFile(hub.tokenFile, "utf8").then(() => undefined, () => true));
        const home = await browser.visit(`${hub.url}/hub/home`, { follow: false });
        expect(new URL(home.location!, hub.url).pathname).to.equal("/hub/login");
    });
});

describe("hubAuthConfig, as JupyterHub's real classes read it", () => {
    const settings: HubAuthSettings = {
        issuer: "https://iam.example.org/",
        hubUrl: "https://jupyter.example.org",
        loginClientId: "dev-jupyterhub",
        exchangeClientId: "dev-token-exchange",
        exchangeScopes: notebookExchangeScopes,
        audience: "rucio",
        allowedGroups: ["/skao/uksrc", "skao/ops"],
        admins: ["alice"],
        caBundle: "/etc/ssl/private-ca.pem",
    };
    const env = { [hubSecretEnv.loginClientSecret]: "login-secret", [hubSecretEnv.exchangeClientSecret]: "exchange-secret" };
    // The module from hubFiles, where the test can put it.
    const dir = mkdtempSync(join(tmpdir(), "srcnet-hub-module-"));
    const file = Object.values(hubFiles())[0];
    writeFileSync(join(dir, file.mountPath.split("/").pop()!), file.content);
    const withModule = (s: HubAuthSettings) => ({ ...s, authModuleDir: dir });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("finds a trait the classes do not have", () => {
        const view = loadHubConfig(`${hubAuthConfig(withModule(settings))}\nc.SrcnetIamAuthenticator.exchange_client = "x"\n`, env);
        expect(view.unknown).to.deep.equal(["SrcnetIamAuthenticator.exchange_client"]);
    });

    it("compiles, and sets only traits the real classes have, to values they accept", () => {
        const text = hubAuthConfig(withModule(settings));
        expect(compileError(text)).to.equal(undefined);
        const view = loadHubConfig(text, env);
        expect(view.unknown).to.deep.equal([]);
        expect(view.authenticator).to.equal("srcnet_iam_auth.SrcnetIamAuthenticator");
        expect(view.values).to.deep.include({
            authorize_url: "https://iam.example.org/authorize",
            token_url: "https://iam.example.org/token",
            userdata_url: "https://iam.example.org/userinfo",
            oauth_callback_url: "https://jupyter.example.org/hub/oauth_callback",
            client_secret: "login-secret",
            exchange_client_secret: "exchange-secret",
            exchange_audience: "rucio",
            allowed_iam_groups: ["/skao/uksrc", "skao/ops"],
            allow_all: false,
            admin_users: ["alice"],
            http_request_kwargs: { ca_certs: "/etc/ssl/private-ca.pem" },
            basic_auth: true,
        });
        expect(view.authenticator_section).to.deep.include({ enable_auth_state: true, auth_refresh_age: defaultTokenTiming.authRefreshAgeSeconds });
    });

    it("lets everyone in with no allowed groups", () => {
        expect(loadHubConfig(hubAuthConfig(withModule({ ...settings, allowedGroups: [] })), env).values.allow_all).to.equal(true);
    });

    it("adds its scope to the user and server roles, keeping JupyterHub's own and z2jh's roles", () => {
        const z2jhRoles = [{ name: "jupyterhub-idle-culler", scopes: ["list:users", "admin:servers"], services: ["jupyterhub-idle-culler"] }];
        const view = loadHubConfig(hubAuthConfig(withModule(settings)), env, z2jhRoles);
        // The hub module's own scope (srcnet_iam_auth.NOTEBOOK_TOKEN_SCOPE), as an operator sees it.
        const notebookTokenScope = "custom:srcnet:notebook-token";
        expect(view.custom_scopes).to.deep.equal([notebookTokenScope]);
        const role = (name: string) => view.roles.find((r) => r.name === name)!;
        expect(role("jupyterhub-idle-culler").scopes).to.deep.equal(["list:users", "admin:servers"]);
        expect(role("user").scopes).to.have.members(["self", `${notebookTokenScope}!user`]);
        // JupyterHub 3.0's server role, plus the notebook token (5.x's differs: it is read from the installed version).
        expect(role("server").scopes).to.have.members(["users:activity!user", "access:servers!user", `${notebookTokenScope}!user`]);
    });

    it("refuses a timing in which the token file would empty before a renewal", () => {
        expect(() => hubAuthConfig({ ...settings, timing: { authRefreshAgeSeconds: 60, pollSeconds: 30, minValiditySeconds: 60, refreshMarginSeconds: 150 } })).to.throw(/refresh margin/);
    });

    it("starts the agent, which then becomes the single-user server, with the token file of the plan", () => {
        expect(notebookCommand()).to.deep.equal([Object.values(notebookTokenFiles())[0].mountPath, "jupyterhub-singleuser"]);
        expect(notebookTokenEnv()).to.include({ SRCNET_TOKEN_FILE: podTokenFile });
        expect(Object.values(notebookTokenFiles())[0].mode).to.equal(0o755);
    });
});

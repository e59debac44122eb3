import { expect } from "chai";
import { grants, notebookExchangeScopes, planClients } from "../components/identity/plan";
import { deriveSite } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import type { Recording } from "../tools/engine/record";
import { inputsOf, keysWith, ofType, runSite, secretsOf, siteOf } from "./harness";

const T = { client: "pulumi-nodejs:dynamic/srcnet:IamClient", password: "random:index/randomPassword:RandomPassword", random: "pulumi:providers:random" };

async function run(stack: "dev" | "uksrc", change: (s: any) => void = () => undefined, secrets: Record<string, unknown> = secretsOf(stack)): Promise<Recording> {
    const site = siteOf(stack);
    change(site);
    const r = await runSite(site, { secrets, stack });
    expect(r.error, String(r.error)).to.equal(undefined);
    return r;
}

/** How a site logs in to a central Rucio (its secret in rucioClientSecret). */
const externalRucioAuth = { method: "oidc", issuer: "https://ska-iam.example.org/", clientId: "dev-rse-registration" };

const clientsOf = (r: Recording) => Object.fromEntries(ofType(r, T.client).map((c) => [c.name, inputsOf(c)]));

describe("identity: the clients a site needs", () => {
    it("gives JupyterHub login, a separate token-exchange client and Rucio to the dev site, each with only its grants", () => {
        const result = validateStackConfig({ site: siteOf("dev"), keys: keysWith(Object.keys(secretsOf("dev"))) });
        if (!result.ok) throw new Error("dev is valid");
        const specs = planClients(deriveSite(result.site));
        expect(specs.map((s) => [s.role, s.name, s.grantTypes, s.redirectUris])).to.deep.equal([
            ["jupyterhub", "dev-jupyterhub", [grants.authorizationCode, grants.refreshToken], ["https://jupyter.dev.srcnet.example.org/hub/oauth_callback"]],
            ["tokenExchange", "dev-token-exchange", [grants.tokenExchange, grants.refreshToken], []],
            [
                "rucio",
                "dev-rucio",
                [grants.authorizationCode, grants.refreshToken, grants.clientCredentials, grants.tokenExchange],
                ["https://rucio.dev.srcnet.example.org/auth/oidc_token", "https://rucio.dev.srcnet.example.org/auth/oidc_code"],
            ],
            ["rucioWebui", "dev-rucio-webui", [grants.authorizationCode, grants.refreshToken], ["https://rucio-ui.dev.srcnet.example.org/api/auth/callback/iam"]],
            ["rucioSync", "dev-rucio-sync", [grants.clientCredentials], []],
        ]);
        expect(specs.find((s) => s.role === "jupyterhub")!.scopes).to.deep.equal(["openid", "profile", "email", "offline_access", "wlcg.groups", "storage.read:/", "storage.create:/", "storage.modify:/"]);
        expect(specs.find((s) => s.role === "tokenExchange")!.scopes).to.include.members(["offline_access", "storage.read:/", "storage.create:/", "storage.modify:/"]);
        expect(specs.find((s) => s.role === "rucio")!.scopes).to.include.members(["fts", "storage.read:/", "storage.create:/", "storage.modify:/"]);
        expect(specs.find((s) => s.role === "rucioWebui")).to.deep.include({ scopes: ["openid", "profile", "email", "offline_access"], needsAdmin: false });
        expect(specs.find((s) => s.role === "rucioSync")).to.deep.include({ scopes: ["scim:read"], needsAdmin: true });
    });

    const devSpecs = () => {
        const result = validateStackConfig({ site: siteOf("dev"), keys: keysWith(Object.keys(secretsOf("dev"))) });
        if (!result.ok) throw new Error("dev is valid");
        return planClients(deriveSite(result.site));
    };

    it("gives the JupyterHub login client and the exchange client every scope a notebook exchange asks for", () => {
        // IAM exchanges a scope only if the subject token's client holds it too (DefaultTokenExchangePdp).
        const specs = devSpecs();
        for (const role of ["jupyterhub", "tokenExchange"]) expect(specs.find((s) => s.role === role)!.scopes, role).to.include.members([...notebookExchangeScopes]);
        expect(notebookExchangeScopes).to.include.members(["offline_access", "storage.read:/", "storage.create:/", "storage.modify:/"]);
    });

    it("gives the clients whose tokens reach the storage the wlcg scope, so IAM issues them WLCG-profile tokens with a scope claim", () => {
        const specs = devSpecs();
        const withWlcg = specs.filter((s) => s.scopes.includes("wlcg")).map((s) => s.role);
        expect(withWlcg).to.deep.equal(["tokenExchange", "rucio"]);
        // IAM falls back to its default profile when a client holds more than one profile scope.
        for (const s of specs) expect(s.scopes.filter((x) => ["wlcg", "iam", "aarc", "kc"].includes(x)).length, s.role).to.be.at.most(1);
    });
});

describe("identity part under the recording engine", () => {
    let dev: Recording;
    before(async () => (dev = await run("dev")));

    it("registers each client through IAM's admin API with its own chosen ID and generated secret", () => {
        const clients = clientsOf(dev);
        expect(Object.keys(clients).sort()).to.deep.equal(["dev-iam-jupyterhub", "dev-iam-rucio", "dev-iam-rucioSync", "dev-iam-rucioWebui", "dev-iam-tokenExchange"]);
        const hub = clients["dev-iam-jupyterhub"];
        expect(hub).to.deep.include({ issuer: "https://iam.dev.srcnet.example.org/", mode: "admin", clientId: "dev-jupyterhub", clientSecret: "[secret]", admin: { clientId: "srcnet-dev-admin", clientSecret: "[secret]" } });
        expect(hub.metadata).to.deep.equal({
            client_name: "dev-jupyterhub",
            redirect_uris: ["https://jupyter.dev.srcnet.example.org/hub/oauth_callback"],
            grant_types: ["authorization_code", "refresh_token"],
            scope: "openid profile email offline_access wlcg.groups storage.read:/ storage.create:/ storage.modify:/",
            token_endpoint_auth_method: "client_secret_basic",
            response_types: ["code"],
        });
        expect(clients["dev-iam-tokenExchange"].metadata).to.deep.include({ redirect_uris: [], response_types: [], grant_types: [grants.tokenExchange, grants.refreshToken] });
        // One generated secret per client (Rucio's own generated passwords are the Rucio part's).
        expect(ofType(dev, T.password).filter((p) => p.parent?.endsWith("::dev-identity"))).to.have.length(5);
        for (const p of ofType(dev, T.password)) expect(p.provider).to.equal(ofType(dev, T.random)[0].urn);
    });

    it("never records the admin secret or a client secret", () => {
        const recorded = JSON.stringify(dev);
        expect(recorded).not.to.include("test-secret-value-of-iamAdminClientSecret");
        expect(recorded).not.to.include("recording-engine-random-password");
        expect(recorded).not.to.include("recording-engine-client-secret");
    });

    it("exports the client IDs, not their secrets", () => {
        expect((dev.outputs as any).identity).to.deep.equal({ registration: "admin", clientIds: { jupyterhub: "dev-jupyterhub", tokenExchange: "dev-token-exchange", rucio: "dev-rucio", rucioWebui: "dev-rucio-webui", rucioSync: "dev-rucio-sync" } });
    });

    it("registers no Rucio client when Rucio is external, and a StoRM login client when asked", async () => {
        const uksrc = await run("uksrc", (s) => (s.iam.stormLogin = true));
        expect(Object.keys(clientsOf(uksrc)).sort()).to.deep.equal(["uksrc-iam-jupyterhub", "uksrc-iam-storm", "uksrc-iam-tokenExchange"]);
        expect(clientsOf(uksrc)["uksrc-iam-storm"].metadata.redirect_uris).to.deep.equal(["https://storm.uksrc.example.ac.uk:8443/login/oauth2/code/iam"]);
    });

    it("registers anonymously in dynamic mode, with no admin credentials", async () => {
        const r = await run(
            "dev",
            (s) => {
                s.iam = { registration: "dynamic", issuer: "https://iam.dev.srcnet.example.org/", stormLogin: true };
                s.jupyterhub = { enabled: false };
                s.rucio = { mode: "external", ftsUrl: "https://fts.example.org:8446", serverUrl: "https://rucio.example.org", auth: externalRucioAuth };
            },
            // An external Rucio's login is the one secret; none for IAM.
            { rucioClientSecret: "test-secret-value-of-rucioClientSecret" },
        );
        const clients = clientsOf(r);
        expect(Object.keys(clients)).to.deep.equal(["dev-iam-storm"]);
        expect(clients["dev-iam-storm"]).to.deep.include({ mode: "registration" });
        expect(clients["dev-iam-storm"]).not.to.have.property("admin");
        expect(ofType(r, T.password)).to.deep.equal([]);
        expect((r.outputs as any).identity.clientIds).to.deep.equal({ storm: "dev-iam-storm-client-id" });
    });

    it("makes no API call in static mode and passes on the given IDs, secrets staying secret", async () => {
        const staticIam = {
            registration: "static",
            issuer: "https://iam.dev.srcnet.example.org/",
            clients: { jupyterhub: { clientId: "hub-id" }, tokenExchange: { clientId: "exchange-id" }, rucio: { clientId: "rucio-id" }, rucioWebui: { clientId: "webui-id" }, rucioSync: { clientId: "sync-id" } },
        };
        const r = await run("dev", (s) => (s.iam = staticIam), { iamClientSecrets: { jupyterhub: "static-hub-secret", tokenExchange: "static-exchange-secret", rucio: "static-rucio-secret", rucioWebui: "static-webui-secret", rucioSync: "static-sync-secret" } });
        expect(ofType(r, T.client)).to.deep.equal([]);
        expect((r.outputs as any).identity).to.deep.equal({ registration: "static", clientIds: { jupyterhub: "hub-id", tokenExchange: "exchange-id", rucio: "rucio-id", rucioWebui: "webui-id", rucioSync: "sync-id" } });
        expect(JSON.stringify(r)).not.to.match(/static-(hub|exchange|rucio|webui|sync)-secret/);
    });
});

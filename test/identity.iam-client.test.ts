import { expect } from "chai";
import { grants } from "../components/identity/plan";
import { iamClientProvider, type IamClientInputs, type IamClientOutputs } from "../components/identity/iam-client";
import { missingScopes, type ClientMetadata } from "../components/identity/iam-api";
import { FakeIam, adminClient } from "./iam/fake-iam";
import { FaultProxy } from "./iam/fault-proxy";
import type { IamUser } from "./iam/jwt-profiles";
import { tokenRequest as token, tokenTypes } from "./iam/token-client";
import { rejection } from "./harness";

const provider = iamClientProvider as Required<typeof iamClientProvider>;

const loginMetadata: ClientMetadata = {
    client_name: "test-jupyterhub",
    redirect_uris: ["https://jupyter.test.example.org/hub/oauth_callback"],
    grant_types: [grants.authorizationCode, grants.refreshToken],
    scope: "openid profile email offline_access wlcg.groups",
    token_endpoint_auth_method: "client_secret_basic",
    response_types: ["code"],
};

const exchangeMetadata: ClientMetadata = {
    client_name: "test-token-exchange",
    redirect_uris: [],
    grant_types: [grants.tokenExchange, grants.refreshToken, grants.clientCredentials],
    scope: "openid profile offline_access wlcg.groups storage.read:/ storage.create:/ storage.modify:/",
    token_endpoint_auth_method: "client_secret_basic",
    response_types: [],
};

const registration = (issuer: string, metadata = loginMetadata): IamClientInputs => ({ issuer, mode: "registration", metadata, deadlineSeconds: 8, attemptTimeoutSeconds: 1 });
const admin = (issuer: string, clientId = "test-token-exchange", metadata = exchangeMetadata): IamClientInputs => ({
    issuer,
    mode: "admin",
    metadata,
    clientId,
    clientSecret: `${clientId}-secret-value`,
    admin: adminClient,
    deadlineSeconds: 8,
    attemptTimeoutSeconds: 1,
});

describe("IamClient against oidc-provider on loopback", function () {
    this.timeout(30000);
    const iam = new FakeIam();
    const proxy = new FaultProxy(() => iam.address);
    before(async () => {
        await proxy.start();
        // Every call goes through the proxy: the issuer, and so every discovered endpoint, is its address.
        await iam.start(0, proxy.url);
    });
    after(async () => {
        await proxy.stop();
        await iam.stop();
    });
    beforeEach(() => proxy.clear());

    describe("registration (RFC 7591/7592)", () => {
        it("creates, reads, updates in place and deletes a client", async () => {
            const created = await provider.create(registration(proxy.url));
            const outs = created.outs as IamClientOutputs;
            expect(outs.clientId).to.equal(created.id);
            expect(outs.clientSecret).to.be.a("string").with.length.above(10);
            expect(outs.registrationAccessToken).to.be.a("string");
            expect(iam.client(created.id)!.redirect_uris).to.deep.equal(loginMetadata.redirect_uris);

            const read = await provider.read(created.id, outs);
            expect(read.id).to.equal(created.id);
            expect((read.props as IamClientOutputs).metadata.scope.split(" ").sort()).to.deep.equal(loginMetadata.scope.split(" ").sort());

            const changed = { ...registration(proxy.url), metadata: { ...loginMetadata, redirect_uris: ["https://jupyter.other.example.org/hub/oauth_callback"] } };
            const diff = await provider.diff(created.id, outs, changed);
            // The ID and secret stay (a preview shows what uses them unchanged); the registration token may rotate.
            expect(diff).to.deep.include({ changes: true, replaces: [], stables: ["clientId", "clientSecret", "registrationClientUri"] });
            const updated = await provider.update(created.id, outs, changed);
            expect((updated.outs as IamClientOutputs).clientSecret).to.equal(outs.clientSecret);
            expect(iam.client(created.id)!.redirect_uris).to.deep.equal(["https://jupyter.other.example.org/hub/oauth_callback"]);

            await provider.delete(created.id, updated.outs);
            expect(iam.clientIds()).not.to.include(created.id);
        });

        it("sees no change when only the order of scopes or URIs differs", async () => {
            const created = await provider.create(registration(proxy.url));
            const reordered = { ...registration(proxy.url), metadata: { ...loginMetadata, scope: loginMetadata.scope.split(" ").reverse().join(" "), grant_types: [...loginMetadata.grant_types].reverse() } };
            expect(await provider.diff(created.id, created.outs, reordered)).to.deep.include({ changes: false });
            await provider.delete(created.id, created.outs);
        });

        it("replaces a client only when its issuer or mode changes", async () => {
            const created = await provider.create(registration(proxy.url));
            const diff = await provider.diff(created.id, created.outs, { ...registration("https://iam.elsewhere.example.org/") });
            expect(diff).to.deep.include({ changes: true, replaces: ["issuer"], deleteBeforeReplace: true });
            await provider.delete(created.id, created.outs);
        });

        it("takes a 404 from the registration API, and only that, as the client gone", async () => {
            const created = await provider.create(registration(proxy.url));
            proxy.inject("GET", /^\/reg\//, { status: 404 });
            expect((await provider.read(created.id, created.outs)).id).to.equal(undefined);
            proxy.inject("DELETE", /^\/reg\//, { status: 404 });
            await provider.delete(created.id, created.outs);
            await provider.delete(created.id, created.outs);
        });

        it("reports a registration token IAM refuses as an error that says what it means and what to do, not as a client gone", async () => {
            const created = await provider.create(registration(proxy.url));
            // Deleted in IAM: its tokens go with it, so IAM answers 401, as for a revoked token.
            iam.deleteClient(created.id);
            for (const attempt of [provider.read(created.id, created.outs), provider.delete(created.id, created.outs)]) {
                const err = await rejection(attempt);
                expect(err.message).to.match(new RegExp(`^IAM refused the registration access token of client ${created.id} \\(HTTP 401 on (GET|DELETE) /reg/${created.id}\\): the client may have been deleted in IAM`));
                expect(err.message).to.include("pulumi state delete");
                expect(err.message).not.to.include((created.outs as IamClientOutputs).registrationAccessToken);
            }
        });

        it("does not repeat a registration whose answer was lost, and says so", async () => {
            const before = iam.clientIds().length;
            proxy.inject("POST", /^\/reg$/, { forwardThenHang: true });
            const err = await rejection(provider.create(registration(proxy.url)));
            expect(err.message).to.match(/^POST \/reg may or may not have reached IAM: no answer within 1 s$/);
            // One client was made, by the one request; none more.
            expect(iam.clientIds().length).to.equal(before + 1);
        });
    });

    describe("admin API", () => {
        it("creates a client with the chosen ID and secret that then works at the token endpoint", async () => {
            const created = await provider.create(admin(proxy.url, "srcnet-test-exchange"));
            expect(created.id).to.equal("srcnet-test-exchange");
            const ok = await token(proxy.url, "srcnet-test-exchange", "srcnet-test-exchange-secret-value", { grant_type: "client_credentials", scope: "storage.read:/ wlcg.groups" });
            expect(ok.status).to.equal(200);
            expect(ok.body.scope).to.equal("storage.read:/ wlcg.groups");
            await provider.delete(created.id, created.outs);
            expect(iam.clientIds()).not.to.include("srcnet-test-exchange");
        });

        it("updates the client in place, keeping its secret", async () => {
            const created = await provider.create(admin(proxy.url, "srcnet-test-update"));
            const changed = { ...admin(proxy.url, "srcnet-test-update"), metadata: { ...exchangeMetadata, scope: "openid offline_access fts" } };
            expect(await provider.diff(created.id, created.outs, changed)).to.deep.include({ changes: true, replaces: [], stables: ["clientId", "clientSecret"] });
            // A new secret is not stable.
            expect((await provider.diff(created.id, created.outs, { ...changed, clientSecret: "another" })).stables).to.deep.equal(["clientId"]);
            await provider.update(created.id, created.outs, changed);
            expect(iam.client("srcnet-test-update")).to.deep.include({ scope: "openid offline_access fts", client_secret: "srcnet-test-update-secret-value" });
            await provider.delete(created.id, created.outs);
        });

        it("changes only what the site owns, keeping what an IAM administrator tuned (IAM's PUT resets what it is not sent)", async () => {
            const created = await provider.create(admin(proxy.url, "srcnet-test-tuned"));
            const tuned = {
                allow_introspection: true,
                reuse_refresh_token: true,
                clear_access_tokens_on_refresh: true,
                access_token_validity_seconds: 7200,
                refresh_token_validity_seconds: 0,
                id_token_validity_seconds: 1200,
                contacts: ["ops@example.org"],
                client_description: "notebook tokens for the test site",
            };
            iam.editClient("srcnet-test-tuned", tuned);
            const changed = { ...admin(proxy.url, "srcnet-test-tuned"), metadata: { ...exchangeMetadata, scope: "openid offline_access fts" } };
            await provider.update(created.id, created.outs, changed);
            expect(iam.client("srcnet-test-tuned")).to.deep.include({ ...tuned, scope: "openid offline_access fts", client_secret: "srcnet-test-tuned-secret-value" });
            // Taking over a client left by an earlier run is an update too.
            await provider.create(admin(proxy.url, "srcnet-test-tuned"));
            expect(iam.client("srcnet-test-tuned")).to.deep.include(tuned);
            await provider.delete(created.id, created.outs);
        });

        it("makes no second client when a create's answer is lost: it finds the first", async () => {
            proxy.inject("POST", /^\/iam\/api\/clients$/, { forwardThenHang: true });
            const created = await provider.create(admin(proxy.url, "srcnet-test-lost"));
            expect(created.id).to.equal("srcnet-test-lost");
            expect(iam.clientIds().filter((id) => id === "srcnet-test-lost")).to.have.length(1);
            expect(proxy.seen.filter((s) => s === "POST /iam/api/clients")).to.have.length(1);
            expect(proxy.seen).to.include("PUT /iam/api/clients/srcnet-test-lost");
            await provider.delete(created.id, created.outs);
        });

        it("takes over a client an earlier, failed run left behind", async () => {
            await provider.create(admin(proxy.url, "srcnet-test-orphan"));
            const again = await provider.create(admin(proxy.url, "srcnet-test-orphan"));
            expect(again.id).to.equal("srcnet-test-orphan");
            expect(iam.clientIds().filter((id) => id === "srcnet-test-orphan")).to.have.length(1);
            await provider.delete(again.id, again.outs);
        });

        it("reports a client deleted out of band as gone, and tolerates deleting it", async () => {
            const created = await provider.create(admin(proxy.url, "srcnet-test-drift"));
            iam.deleteClient("srcnet-test-drift");
            expect((await provider.read(created.id, created.outs)).id).to.equal(undefined);
            await provider.delete(created.id, created.outs);
        });

        it("fails clearly, and without the secret, when the admin credentials are wrong", async () => {
            const wrong = { ...admin(proxy.url, "srcnet-test-denied"), admin: { clientId: adminClient.clientId, clientSecret: "not-the-admin-secret" } };
            const err = await rejection(provider.create(wrong));
            expect(err.message).to.match(/^IAM refused POST \/token: HTTP 401/);
            expect(err.message).not.to.include("not-the-admin-secret");
            expect(err.message).not.to.include("srcnet-test-denied-secret-value");
        });

        it("sends Basic credentials raw, as IAM reads them: a secret with ' ', '+' and '%' works", async () => {
            expect(adminClient.clientSecret).to.match(/ /).and.match(/\+/).and.match(/%/);
            const created = await provider.create(admin(proxy.url, "srcnet-test-basic"));
            expect(created.id).to.equal("srcnet-test-basic");
            await provider.delete(created.id, created.outs);
        });

        it("refuses a client ID with ':', which Basic cannot carry, before calling IAM", async () => {
            const colon = { ...admin(proxy.url, "srcnet-test-colon"), admin: { clientId: "site:admin", clientSecret: adminClient.clientSecret } };
            const err = await rejection(provider.create(colon));
            expect(err.message).to.equal(`The IAM client ID "site:admin" contains ':', which HTTP Basic authentication cannot carry (IAM splits the credentials at the first ':'); use a client ID without ':'`);
            expect(proxy.seen.filter((r) => r.startsWith("POST /token"))).to.deep.equal([]);
        });
    });

    describe("faults", () => {
        it("retries 5xx answers with backoff until IAM answers", async () => {
            proxy.inject("GET", /^\/\.well-known\/openid-configuration$/, { status: 503 }, 3);
            const created = await provider.create(registration(proxy.url));
            expect(proxy.seen.filter((s) => s.startsWith("GET /.well-known"))).to.have.length(4);
            await provider.delete(created.id, created.outs);
        });

        it("waits as long as Retry-After says on 429", async () => {
            proxy.inject("GET", /^\/\.well-known\/openid-configuration$/, { status: 429, retryAfter: "1" });
            const started = Date.now();
            const created = await provider.create(registration(proxy.url));
            expect(Date.now() - started).to.be.at.least(1000);
            await provider.delete(created.id, created.outs);
        });

        it("retries a read that gets no answer", async () => {
            const created = await provider.create(registration(proxy.url));
            proxy.inject("GET", /^\/reg\//, { hang: true });
            expect((await provider.read(created.id, created.outs)).id).to.equal(created.id);
            await provider.delete(created.id, created.outs);
        });

        it("gives up after the deadline with a clear error", async () => {
            proxy.inject("GET", /^\/\.well-known\/openid-configuration$/, { status: 502 }, 100);
            const err = await rejection(provider.create({ ...registration(proxy.url), deadlineSeconds: 2 }));
            expect(err.message).to.match(/^IAM did not answer GET \/\.well-known\/openid-configuration successfully within 2 s; last: HTTP 502: injected fault$/);
        });

        it("rides out a restart of IAM in the middle of an update", async () => {
            const created = await provider.create(registration(proxy.url));
            await iam.stop();
            setTimeout(() => void iam.start(), 700);
            const changed = { ...registration(proxy.url), metadata: { ...loginMetadata, client_name: "test-jupyterhub-renamed" } };
            await provider.update(created.id, created.outs, changed);
            expect(iam.client(created.id)!.client_name).to.equal("test-jupyterhub-renamed");
            await provider.delete(created.id, created.outs);
        });
    });

    describe("why the notebook token-exchange client is a separate client", () => {
        it("refuses offline_access when the actor is the subject's own client, and grants it to a separate one", async () => {
            const login = await provider.create(admin(proxy.url, "srcnet-test-subject", { ...loginMetadata, scope: `${loginMetadata.scope} storage.read:/`, grant_types: [...loginMetadata.grant_types, grants.tokenExchange] }));
            const exchange = await provider.create(admin(proxy.url, "srcnet-test-actor"));
            const user: IamUser = { sub: "0b7e1f5c-4a2d-4c8b-9e61-3f2a1b0c9d8e", username: "carol", groups: ["ska"] };
            const subject = iam.userToken({ clientId: "srcnet-test-subject", user, scope: "openid offline_access" }).access_token;
            const exchangeWith = (clientId: string) =>
                token(proxy.url, clientId, `${clientId}-secret-value`, {
                    grant_type: grants.tokenExchange,
                    subject_token: subject,
                    subject_token_type: tokenTypes.accessToken,
                    scope: "openid offline_access storage.read:/",
                });
            const same = await exchangeWith("srcnet-test-subject");
            expect(same.status).to.equal(403);
            expect(same.body).to.deep.include({ error: "access_denied" });
            expect(same.body.error_description).to.include("the actor and the subject are the same client");
            const separate = await exchangeWith("srcnet-test-actor");
            expect(separate.status, JSON.stringify(separate.body)).to.equal(200);
            expect(separate.body.scope).to.include("offline_access");
            expect(separate.body.refresh_token).to.be.a("string");
            await provider.delete(login.id, login.outs);
            await provider.delete(exchange.id, exchange.outs);
        });
    });
});

describe("IamClient against an IAM that rotates registration access tokens", function () {
    this.timeout(30000);
    // IAM's default never rotates; a site's IAM may set a validity (default-registration-access-token-validity-seconds).
    const iam = new FakeIam({ ratValiditySeconds: 86400 });
    before(() => iam.start());
    after(() => iam.stop());

    it("keeps the token an update rotated, so the client stays readable, changeable and deletable", async () => {
        const created = await provider.create(registration(iam.issuer));
        const first = (created.outs as IamClientOutputs).registrationAccessToken;
        iam.advanceClock(2 * 86400);
        const changed = { ...registration(iam.issuer), metadata: { ...loginMetadata, client_name: "test-jupyterhub-rotated" } };
        const updated = (await provider.update(created.id, created.outs, changed)).outs as IamClientOutputs;
        expect(updated.registrationAccessToken).to.be.a("string").and.not.equal(first);
        expect((await provider.read(created.id, updated)).id).to.equal(created.id);
        await provider.delete(created.id, updated);
        expect(iam.clientIds()).not.to.include(created.id);
    });
});

describe("IAM scope checks", () => {
    it("finds the scopes IAM did not grant (it drops restricted ones silently)", () => {
        expect(missingScopes("openid storage.read:/ fts", "fts openid")).to.deep.equal(["storage.read:/"]);
        expect(missingScopes("openid", "openid profile")).to.deep.equal([]);
    });
});

// The stand-in IAM against IAM's rules: what the program's tests rely on, checked one rule at a
// time, each with the IAM v1.12.0 source it comes from (LS = iam-login-service/src/main/java/it/infn/mw/iam).
import { expect } from "chai";
import { FakeIam, adminClient, tokenExchange } from "./iam/fake-iam";
import type { FakeIamOptions } from "./iam/iam-settings";
import type { IamUser } from "./iam/jwt-profiles";
import { OAuthError } from "./iam/oauth-error";
import { tokenRequest, tokenTypes, verifiedClaims } from "./iam/token-client";

const alice: IamUser = { sub: "6f1c3f4e-0d7a-4c1e-9d55-1a2b3c4d5e6f", username: "alice", groups: ["ska", "ska/astro"] };
const secretOf = (id: string) => `${id}-secret`;

/** A stand-in started for one describe block, with helpers that act as the site's admin. */
function standIn(options: FakeIamOptions = {}) {
    const iam = new FakeIam(options);
    before(() => iam.start());
    after(() => iam.stop());
    const adminToken = async () => (await tokenRequest(iam.issuer, adminClient.clientId, adminClient.clientSecret, { grant_type: "client_credentials" })).body.access_token as string;
    const api = async (method: string, path: string, body?: unknown, token?: string) => {
        const res = await fetch(`${iam.issuer}/iam/api/clients${path}`, {
            method,
            headers: { authorization: `Bearer ${token ?? (await adminToken())}`, "content-type": "application/json" },
            body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    /** A client made through the admin API, with the secret `<id>-secret`. */
    const client = async (id: string, scope: string, grantTypes: string[], more: Record<string, unknown> = {}) => {
        const res = await api("POST", "", { client_id: id, client_secret: secretOf(id), client_name: id, scope, grant_types: grantTypes, redirect_uris: grantTypes.includes("authorization_code") ? ["https://app.example.org/cb"] : [], ...more });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        return res.body;
    };
    const token = (id: string, form: Record<string, string>) => tokenRequest(iam.issuer, id, secretOf(id), form);
    const exchange = (actor: string, subjectToken: string, form: Record<string, string>) =>
        token(actor, { grant_type: tokenExchange, subject_token: subjectToken, subject_token_type: tokenTypes.accessToken, ...form });
    return { iam, api, client, token, exchange };
}

describe("stand-in IAM: the admin client API", () => {
    const { iam, api, client, token } = standIn();

    it("POST keeps the caller's client_id and secret, forces introspection on and sets IAM's defaults (DefaultClientDefaultsService.java:52-93)", async () => {
        const created = await client("post-defaults", "openid offline_access", ["client_credentials"], { allow_introspection: false });
        expect(created).to.include({ client_id: "post-defaults", client_secret: "post-defaults-secret", allow_introspection: true, token_endpoint_auth_method: "client_secret_basic" });
        expect(created).to.include({ access_token_validity_seconds: 3600, refresh_token_validity_seconds: 2592000, id_token_validity_seconds: 600, device_code_validity_seconds: 600 });
        // ClientConverter.java:209-211: offline_access brings the refresh_token grant.
        expect(created.grant_types).to.have.members(["client_credentials", "refresh_token"]);
        // NON_EMPTY (RegisteredClientDTO.java:54-55): no empty redirect_uris or contacts in the answer.
        expect(created).not.to.have.any.keys("redirect_uris", "contacts", "tos_uri");
    });

    it("POST generates a secret only when none is sent, and refuses an ID that is taken with 'Client id not available'", async () => {
        const res = await api("POST", "", { client_id: "post-generated", client_name: "post-generated", scope: "openid", grant_types: ["client_credentials"] });
        expect(res.body.client_secret).to.match(/^[A-Za-z0-9_-]{80,}$/);
        const again = await api("POST", "", { client_id: "post-generated", client_name: "post-generated", scope: "openid", grant_types: ["client_credentials"] });
        expect(again).to.deep.equal({ status: 400, body: { error: "Client id not available" } });
    });

    it("defaults the grant to authorization_code, which needs a redirect URI (ValidGrantTypeValidator.java:34-46)", async () => {
        const res = await api("POST", "", { client_id: "post-no-grant", client_name: "post-no-grant", scope: "openid" });
        expect(res).to.deep.equal({ status: 400, body: { error: "Authorization code requires a valid redirect uri" } });
    });

    it("PUT rebuilds the client from the request alone: what is not sent is reset, and no secret is saved (DefaultClientManagementService.java:163-189)", async () => {
        await client("put-reset", "openid", ["client_credentials"], { reuse_refresh_token: true, clear_access_tokens_on_refresh: true, access_token_validity_seconds: 7200, contacts: ["ops@example.org"] });
        const res = await api("PUT", "/put-reset", { client_name: "put-reset", scope: "openid fts", grant_types: ["client_credentials"] });
        expect(res.status).to.equal(200);
        expect(res.body).to.include({ scope: "openid fts", allow_introspection: false, reuse_refresh_token: false, clear_access_tokens_on_refresh: false, access_token_validity_seconds: 3600 });
        expect(res.body).not.to.have.any.keys("client_secret", "contacts");
        // A client_secret_basic client without a secret can no longer authenticate.
        expect((await token("put-reset", { grant_type: "client_credentials" })).status).to.equal(401);
        expect(iam.client("put-reset")).to.include({ client_id: "put-reset", active: true });
    });

    it("answers 404 for an unknown client, 401 without a valid token and 403 for a token without iam:admin.write", async () => {
        expect((await api("GET", "/no-such-client")).body).to.deep.equal({ error: "Client not found for clientId: no-such-client" });
        expect((await api("GET", "/no-such-client", undefined, "not-a-token")).status).to.equal(401);
        await client("reader-only", "iam:admin.read", ["client_credentials"]);
        const reader = (await token("reader-only", { grant_type: "client_credentials" })).body.access_token;
        expect((await api("GET", "/reader-only", undefined, reader)).status).to.equal(200);
        expect((await api("DELETE", "/reader-only", undefined, reader)).status).to.equal(403);
    });
});

describe("stand-in IAM: client authentication reads Basic as IAM does (BasicAuthenticationConverter.java:78-101)", () => {
    const { iam, client } = standIn();
    const secret = "a %2F+b secret";
    const ask = async (id: string, s: string) =>
        (
            await fetch(`${iam.issuer}/token`, {
                method: "POST",
                headers: { authorization: `Basic ${Buffer.from(`${id}:${s}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
                body: "grant_type=client_credentials",
            })
        ).status;

    it("takes the raw ID and secret, and refuses url-encoded ones (which oidc-provider alone would accept)", async () => {
        await client("basic-raw", "openid", ["client_credentials"], { client_secret: secret });
        expect(await ask("basic-raw", secret)).to.equal(200);
        expect(await ask("basic-raw", encodeURIComponent(secret))).to.equal(401);
    });
});

describe("stand-in IAM: JWT access tokens by profile (ScopeAwareProfileResolver.java:55-83)", () => {
    const { iam, client, token } = standIn();
    const claimsOf = async (id: string, form: Record<string, string> = {}) => {
        const res = await token(id, { grant_type: "client_credentials", ...form });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        return verifiedClaims(iam.issuer, res.body.access_token);
    };

    it("gives a client registered with `wlcg` WLCG-profile tokens: scope, wlcg.ver, nbf and the 'any' audience (WLCGProfileAccessTokenBuilder.java:61-130)", async () => {
        await client("profile-wlcg", "openid wlcg storage.read:/ fts", ["client_credentials"]);
        const claims = await claimsOf("profile-wlcg", { scope: "storage.read:/ fts" });
        expect(claims).to.include({ iss: iam.issuer, sub: "profile-wlcg", client_id: "profile-wlcg", scope: "fts storage.read:/", "wlcg.ver": "1.0", aud: "https://wlcg.cern.ch/jwt/v1/any" });
        expect(claims.nbf).to.equal(claims.iat);
        expect(claims.exp - claims.iat).to.equal(3600);
        expect(claims).not.to.have.property("wlcg.groups");
        expect((await claimsOf("profile-wlcg", { scope: "fts", audience: "https://fts.example.org" })).aud).to.equal("https://fts.example.org");
        expect((await claimsOf("profile-wlcg", { scope: "fts", aud: "https://a.example.org https://b.example.org" })).aud).to.deep.equal(["https://a.example.org", "https://b.example.org"]);
    });

    it("gives the IAM profile no scope claim unless IAM includes it (IamJWTProfileAccessTokenBuilder.java:70-72)", async () => {
        await client("profile-default", "openid fts", ["client_credentials"]);
        await client("profile-two", "openid fts wlcg iam", ["client_credentials"]);
        for (const id of ["profile-default", "profile-two"]) {
            const claims = await claimsOf(id, { scope: "fts" });
            expect(claims).not.to.have.any.keys("scope", "wlcg.ver", "nbf");
        }
    });

    it("never puts scope in an AARC token; a KC token has it (AarcJWTProfileAccessTokenBuilder.java:53-70, KeycloakProfileAccessTokenBuilder.java:54-76)", async () => {
        await client("profile-aarc", "openid fts aarc", ["client_credentials"]);
        await client("profile-kc", "openid fts kc", ["client_credentials"]);
        expect(await claimsOf("profile-aarc", { scope: "fts" })).not.to.have.property("scope");
        expect(await claimsOf("profile-kc", { scope: "fts" })).to.include({ scope: "fts" });
    });

    it("puts wlcg.groups only in a user's token that asked for a wlcg.groups scope (WLCGGroupHelper.java:54-102)", async () => {
        await client("profile-login", "openid wlcg wlcg.groups", ["authorization_code"]);
        const withGroups = iam.userToken({ clientId: "profile-login", user: alice, scope: "openid wlcg.groups" });
        expect(await verifiedClaims(iam.issuer, withGroups.access_token)).to.deep.include({ sub: alice.sub, "wlcg.groups": ["/ska", "/ska/astro"] });
        const one = iam.userToken({ clientId: "profile-login", user: alice, scope: "openid wlcg.groups:/ska/astro" });
        expect((await verifiedClaims(iam.issuer, one.access_token))["wlcg.groups"]).to.deep.equal(["/ska/astro", "/ska"]);
        const without = iam.userToken({ clientId: "profile-login", user: alice, scope: "openid" });
        expect(await verifiedClaims(iam.issuer, without.access_token)).not.to.have.property("wlcg.groups");
    });
});

describe("stand-in IAM: the IAM profile with include_scope on", () => {
    const { iam, client, token } = standIn({ includeScope: true });
    it("adds the scope claim (application.yml:137)", async () => {
        await client("include-scope", "openid fts", ["client_credentials"]);
        const res = await token("include-scope", { grant_type: "client_credentials", scope: "fts" });
        expect(await verifiedClaims(iam.issuer, res.body.access_token)).to.include({ scope: "fts" });
    });
});

describe("stand-in IAM: WLCG as IAM's default profile (IAM_JWT_DEFAULT_PROFILE=wlcg)", () => {
    const { iam, client, token } = standIn({ defaultProfile: "wlcg" });
    it("gives WLCG-profile tokens to a client that names no profile, or more than one", async () => {
        await client("default-none", "openid fts", ["client_credentials"]);
        await client("default-two", "openid fts wlcg iam", ["client_credentials"]);
        for (const id of ["default-none", "default-two"]) {
            const res = await token(id, { grant_type: "client_credentials", scope: "fts" });
            expect(await verifiedClaims(iam.issuer, res.body.access_token), id).to.include({ scope: "fts", "wlcg.ver": "1.0" });
        }
    });

    it("checks wlcg.groups scopes in a WLCG-profile request (WLCGJWTProfile.java:79-80, WLCGGroupHelper.java:105-115)", async () => {
        await client("default-bad-group", "openid wlcg.groups:bad", ["client_credentials"]);
        const res = await token("default-bad-group", { grant_type: "client_credentials", scope: "wlcg.groups:bad" });
        expect(res.body).to.deep.equal({ error: "invalid_scope", error_description: "Invalid WLCG group scope: wlcg.groups:bad" });
    });
});

describe("stand-in IAM: token exchange (TokenExchangeTokenGranter.java:80-191, DefaultTokenExchangePdp.java:95-122)", () => {
    const { iam, api, client, token, exchange } = standIn();
    const loginScope = "openid profile offline_access wlcg.groups storage.read:/ storage.create:/";
    let subject = "";
    before(async () => {
        await client("ex-login", loginScope, ["authorization_code", "refresh_token"]);
        await client("ex-actor", "openid profile offline_access wlcg wlcg.groups storage.read:/ storage.create:/ fts", [tokenExchange, "refresh_token"]);
        subject = iam.userToken({ clientId: "ex-login", user: alice, scope: "openid offline_access wlcg.groups storage.read:/" }).access_token;
    });

    it("requires scope (IamOAuth2RequestFactory.java:197-200)", async () => {
        const res = await exchange("ex-actor", subject, {});
        expect(res).to.deep.equal({ status: 400, body: { error: "invalid_request", error_description: "The scope parameter is required for a token exchange request!" } });
    });

    it("refuses a scope the actor does not hold (ScopeMatcherOAuthRequestValidator.java:30,38-45)", async () => {
        await client("ex-narrow", "openid", [tokenExchange]);
        const res = await exchange("ex-narrow", subject, { scope: "openid fts" });
        expect(res).to.deep.equal({ status: 400, body: { error: "invalid_scope", error_description: "Scope 'fts' not allowed for client 'ex-narrow'" } });
    });

    it("refuses a scope the subject's client does not hold, under the default PERMIT policy", async () => {
        const res = await exchange("ex-actor", subject, { scope: "openid fts" });
        expect(res).to.deep.equal({ status: 400, body: { error: "invalid_scope", error_description: "scope not allowed by origin client configuration: fts" } });
    });

    it("refuses offline_access when the actor is the subject's own client, with 403 (TokenExchangeTokenGranter.java:105-108)", async () => {
        await client("ex-self", loginScope, [tokenExchange, "authorization_code"]);
        const own = iam.userToken({ clientId: "ex-self", user: alice, scope: "openid offline_access" }).access_token;
        const res = await exchange("ex-self", own, { scope: "openid offline_access" });
        expect(res.status).to.equal(403);
        expect(res.body).to.deep.equal({ error: "access_denied", error_description: "Token exchange not allowed: the actor and the subject are the same client and offline_access is in the requested scopes" });
        expect((await exchange("ex-self", own, { scope: "openid" })).status).to.equal(200);
    });

    it("matches storage paths and group scopes with the wlcg-scopes matchers, for actor and subject (DefaultScopeMatcherRegistry.java:43-64)", async () => {
        const res = await exchange("ex-actor", subject, { scope: "storage.read:/sub/dir storage.create:/sub wlcg.groups:/ska" });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.scope).to.equal("storage.create:/sub storage.read:/sub/dir wlcg.groups:/ska");
        expect((await exchange("ex-actor", subject, { scope: "storage.modify:/sub" })).body.error_description).to.equal("Scope 'storage.modify:/sub' not allowed for client 'ex-actor'");
    });

    it("issues the actor's token for the user: audience, act, the actor's profile, and a refresh token with offline_access", async () => {
        const res = await exchange("ex-actor", subject, { scope: "openid offline_access storage.read:/ wlcg.groups", audience: "https://storm.example.org" });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body).to.include({ token_type: "Bearer", issued_token_type: "urn:ietf:params:oauth:token-type:jwt" });
        expect(res.body.refresh_token).to.be.a("string");
        const claims = await verifiedClaims(iam.issuer, res.body.access_token);
        expect(claims).to.deep.include({ sub: alice.sub, client_id: "ex-actor", aud: "https://storm.example.org", act: { sub: "ex-actor" }, "wlcg.ver": "1.0", "wlcg.groups": ["/ska", "/ska/astro"] });
        expect(claims.scope.split(" ")).to.have.members(["openid", "offline_access", "storage.read:/", "wlcg.groups"]);
        const noOffline = await exchange("ex-actor", subject, { scope: "openid storage.read:/" });
        expect(noOffline.body).not.to.have.property("refresh_token");
    });

    it("refreshes: a new access token with the exchange's claims, the refresh token rotated, up-scoping refused (DefaultOAuth2ProviderTokenService.refreshAccessToken)", async () => {
        const first = (await exchange("ex-actor", subject, { scope: "openid offline_access storage.read:/", audience: "https://storm.example.org" })).body;
        const refreshed = await token("ex-actor", { grant_type: "refresh_token", refresh_token: first.refresh_token });
        expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
        expect(refreshed.body.refresh_token).to.be.a("string").and.not.equal(first.refresh_token);
        expect(await verifiedClaims(iam.issuer, refreshed.body.access_token)).to.deep.include({ sub: alice.sub, aud: "https://storm.example.org", act: { sub: "ex-actor" } });
        // reuse_refresh_token is false for an admin-API client that did not ask for it: the old one is gone.
        expect((await token("ex-actor", { grant_type: "refresh_token", refresh_token: first.refresh_token })).status).to.equal(401);
        const up = await token("ex-actor", { grant_type: "refresh_token", refresh_token: refreshed.body.refresh_token, scope: "storage.create:/" });
        expect(up.body).to.deep.equal({ error: "invalid_scope", error_description: "Up-scoping is not allowed." });
    });

    it("keeps the refresh token for a client that reuses it", async () => {
        const put = await api("PUT", "/ex-actor", { ...iam.client("ex-actor"), reuse_refresh_token: true });
        expect(put.status).to.equal(200);
        const first = (await exchange("ex-actor", subject, { scope: "openid offline_access" })).body;
        const refreshed = await token("ex-actor", { grant_type: "refresh_token", refresh_token: first.refresh_token });
        expect(refreshed.body.refresh_token).to.equal(first.refresh_token);
    });

    it("refuses delegation, and a subject token IAM does not know", async () => {
        expect((await exchange("ex-actor", subject, { scope: "openid", actor_token: subject })).body).to.deep.equal({ error: "invalid_request", error_description: "Delegation not supported" });
        expect((await exchange("ex-actor", `${subject}x`, { scope: "openid" })).status).to.equal(401);
    });

    it("refuses a login whose scope the client does not hold, as IAM's authorization endpoint does", () => {
        expect(() => iam.userToken({ clientId: "ex-login", user: alice, scope: "openid fts" })).to.throw(OAuthError, "Scope 'fts' not allowed for client 'ex-login'");
    });
});

describe("stand-in IAM: path scopes need the system scope and the wlcg-scopes profile", () => {
    for (const options of [{ systemScopes: ["openid"] }, { wlcgScopeMatchers: false }]) {
        describe(JSON.stringify(options), () => {
            const { client, token } = standIn(options);
            it("matches a registered storage.read:/ by string equality only", async () => {
                await client("plain-matching", "storage.read:/", ["client_credentials"]);
                expect((await token("plain-matching", { grant_type: "client_credentials", scope: "storage.read:/" })).status).to.equal(200);
                expect((await token("plain-matching", { grant_type: "client_credentials", scope: "storage.read:/sub" })).body.error).to.equal("invalid_scope");
            });
        });
    }
});

describe("stand-in IAM: client registration (RFC 7591/7592)", () => {
    const { iam } = standIn({ ratValiditySeconds: 86400 });
    const register = async (): Promise<any> =>
        (
            await fetch(`${iam.issuer}/reg`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ client_name: "dcr-client", redirect_uris: ["https://app.example.org/cb"], grant_types: ["authorization_code"], response_types: ["code"], scope: "openid" }),
            })
        ).json();
    const read = async (c: any, rat: string) => (await fetch(c.registration_client_uri, { headers: { authorization: `Bearer ${rat}` } })).status;
    const update = async (c: any, rat: string): Promise<any> =>
        (
            await fetch(c.registration_client_uri, {
                method: "PUT",
                headers: { authorization: `Bearer ${rat}`, "content-type": "application/json" },
                body: JSON.stringify({ client_id: c.client_id, client_name: "dcr-renamed", redirect_uris: ["https://app.example.org/cb"], grant_types: ["authorization_code"], response_types: ["code"], scope: "openid" }),
            })
        ).json();

    it("rotates the registration access token on an update once it is older than the validity (DefaultClientRegistrationService.java:259-271,293-322)", async () => {
        const c = await register();
        expect((await update(c, c.registration_access_token)).registration_access_token).to.equal(c.registration_access_token);
        iam.advanceClock(2 * 86400);
        const rotated = (await update(c, c.registration_access_token)).registration_access_token;
        expect(rotated).to.be.a("string").and.not.equal(c.registration_access_token);
        expect(await read(c, rotated)).to.equal(200);
        expect(await read(c, c.registration_access_token)).to.equal(401);
    });

    it("deletes a client's tokens with it, so its registration access token gets 401 (V96__add_foreign_keys.sql:75)", async () => {
        const c = await register();
        iam.deleteClient(c.client_id);
        expect(await read(c, c.registration_access_token)).to.equal(401);
    });
});

// A stand-in for INDIGO IAM v1.12.0 on loopback. oidc-provider serves discovery, the JWKS,
// client authentication (with Basic read as IAM reads it) and client registration (RFC 7591/7592,
// with IAM's registration-token rotation); IAM's own rules, each from IAM's source, do the rest:
// the admin client API, the token endpoint's grants (client credentials, token exchange, refresh),
// JWT access tokens by IAM's profiles, and the SCIM user API over the stand-in's users and groups,
// the same ones its user tokens' wlcg.groups come from; and what a relying party's login needs
// (authorize, the code grant, userinfo, revocation: browser-login.ts), for a browser logged in as a
// directory user the test names. Its state lives in a store that survives a restart.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { adminClientApi } from "./admin-api";
import { readBasicAsIam } from "./basic-auth";
import { dtoFromEntity } from "./client-converter";
import { IamStore, oidcAdapter, type ClientEntity } from "./client-store";
import { clientDefaults, settingsOf, type FakeIamOptions, type IamSettings } from "./iam-settings";
import { newSigningKey } from "./jwt";
import type { IamUser } from "./jwt-profiles";
import { invalidClient, invalidScope } from "./oauth-error";
import { IamDirectory, scimUsersApi, type DirectoryUser, type NewIamUser } from "./scim";
import { firstUnmatched, matchersForClient, wlcgScopeMatchers } from "./scope-matchers";
import { asGrant, parseScope, registerIamGrants, tokenExchangeGrant, validateForProfile, type EndpointDeps } from "./token-endpoint";
import { authorizationCodeGrant, authorize, revoke, userinfo, type AuthorizeRequest, type BrowserDeps } from "./browser-login";
import { TokenService, type TokenResponse } from "./token-service";

// oidc-provider is ESM; Node 20.19+ loads it with require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const oidc = require("oidc-provider") as { default: new (issuer: string, config: object) => any };

export const tokenExchange = tokenExchangeGrant;
/** The site's admin client; its secret has the characters that url-encoding would change. */
export const adminClient = { clientId: "iam-admin", clientSecret: "iam admin+secret%2Ffor tests" };

/** IAM checks no client scope against a list (DefaultClientRegistrationService.java:206-230 only drops reserved and restricted ones). */
class AnyScope extends Set<string> {
    override has(): boolean {
        return true;
    }
}

const grantTypesRun = new Set(["authorization_code", "refresh_token", "client_credentials", tokenExchangeGrant]);

/** The admin client an IAM administrator made (README, "Preparing IAM", step 1). */
function adminClientEntity(): ClientEntity {
    return {
        client_id: adminClient.clientId,
        client_secret: adminClient.clientSecret,
        client_name: "site admin client",
        redirect_uris: [],
        scope: ["iam:admin.read", "iam:admin.write"],
        grant_types: ["client_credentials"],
        contacts: [],
        token_endpoint_auth_method: "client_secret_basic",
        access_token_validity_seconds: clientDefaults.accessTokenSeconds,
        refresh_token_validity_seconds: clientDefaults.refreshTokenSeconds,
        id_token_validity_seconds: clientDefaults.idTokenSeconds,
        device_code_validity_seconds: clientDefaults.deviceCodeSeconds,
        allow_introspection: true,
        reuse_refresh_token: false,
        clear_access_tokens_on_refresh: false,
        dynamically_registered: false,
        active: true,
        created_at: new Date().toISOString(),
    };
}

export class FakeIam {
    readonly store = new IamStore();
    /** IAM's users and groups, as SCIM lists them and as user tokens carry them. */
    readonly directory = new IamDirectory();
    readonly settings: IamSettings;
    readonly signingKey = newSigningKey("fake-iam-rsa");
    private readonly tokens: TokenService;
    private readonly deps: EndpointDeps;
    private readonly browser: BrowserDeps;
    private browserUser?: string;
    /** Every authorization request (GET /authorize) the stand-in received: a login, or a login again. */
    readonly authorizeRequests: AuthorizeRequest[] = [];
    private clockOffsetSeconds = 0;
    private provider: any;
    private server?: Server;
    private port = 0;
    /** The issuer: point it at a proxy so that every call passes through it. */
    issuer = "";

    constructor(options: FakeIamOptions = {}) {
        this.settings = settingsOf(options);
        this.tokens = new TokenService(this.store, this.settings, this.signingKey, () => this.issuer, () => this.nowSeconds(), (username) =>
            this.directory.find(username) ? this.directory.tokenUser(username) : undefined,
        );
        const custom = this.settings.wlcgScopeMatchers ? wlcgScopeMatchers : [];
        this.deps = {
            store: this.store,
            tokens: this.tokens,
            settings: this.settings,
            matchersFor: (c) => matchersForClient(c.scope, this.settings.systemScopes, custom),
            userActive: (username) => this.directory.find(username)?.active,
        };
        this.browser = {
            store: this.store,
            directory: this.directory,
            settings: this.settings,
            endpoint: this.deps,
            browserUser: () => this.browserUser,
            baseUrl: () => this.issuer.replace(/\/+$/, ""),
            onAuthorize: (r) => this.authorizeRequests.push(r),
        };
        this.store.clients.set(adminClient.clientId, adminClientEntity());
    }

    /** Starts on `port` (0 picks one) with `issuer` (defaults to its own address). */
    async start(port = this.port, issuer?: string): Promise<void> {
        this.server = createServer((req, res) => this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
        // The first start fixes the issuer; a restart keeps the provider and its state.
        if (!this.provider) {
            this.issuer = issuer ?? this.address;
            this.provider = this.makeProvider(this.issuer);
        }
    }

    get address(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    async stop(): Promise<void> {
        this.server?.closeAllConnections();
        await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }

    /** Client IDs in the store, as IAM's database would list them. */
    clientIds(): string[] {
        return [...this.store.clients.keys()];
    }

    /** The client as IAM's admin API shows it, or undefined. */
    client(id: string): Record<string, any> | undefined {
        const entity = this.store.clients.get(id);
        return entity && dtoFromEntity(entity, `${this.issuer}/reg`);
    }

    /** An IAM administrator changes the client in IAM's dashboard (the fields under IAM's JSON names). */
    editClient(id: string, changes: Partial<ClientEntity>): void {
        this.store.clients.set(id, { ...this.store.clients.get(id)!, ...changes });
    }

    /** Someone deletes the client in IAM, behind the program's back: its tokens go with it. */
    deleteClient(id: string): void {
        this.store.deleteClient(id);
    }

    /** An IAM user, listed by /scim/Users and able to log in (unless added disabled). */
    addUser(user: NewIamUser): DirectoryUser {
        return this.directory.addUser(user);
    }

    /** An administrator deletes the user from IAM. */
    removeUser(username: string): void {
        this.directory.removeUser(username);
    }

    /** An administrator disables the user: SCIM shows active false and the user cannot log in. */
    disableUser(username: string): void {
        this.directory.disableUser(username);
    }

    enableUser(username: string): void {
        this.directory.enableUser(username);
    }

    /** A user of the directory as tokens are issued for them (its groups are the SCIM groups). */
    user(username: string): IamUser {
        return this.directory.tokenUser(username);
    }

    /** The browser's IAM session: the directory user it is logged in as (undefined: logged out). */
    logInBrowser(username: string | undefined): void {
        this.browserUser = username;
    }

    /** The refresh tokens IAM holds for a user and client (what an administrator sees in IAM's token API). */
    refreshTokensOf(clientId: string, username: string): string[] {
        return this.tokens.refreshTokensOf(clientId, username);
    }

    /** Moves IAM's clock (as IAM's own tests do), for expiry and rotation rules. */
    advanceClock(seconds: number): void {
        this.clockOffsetSeconds += seconds;
    }

    /**
     * Stands in for IAM's authorization-code flow, whose login is not modelled: the tokens IAM
     * issues to `clientId` for `user` who consented to `scope`. The scope is checked against the
     * client (ScopeMatcherOAuthRequestValidator.java:49-52) and the client's profile; IAM's
     * refusals are thrown as OAuthError. `user` is a user as given, or the username of a directory user.
     */
    userToken(args: { clientId: string; user: IamUser | string; scope: string; audience?: string }): TokenResponse {
        const user = typeof args.user === "string" ? this.user(args.user) : args.user;
        const client = this.store.clients.get(args.clientId);
        if (!client || !client.grant_types.includes("authorization_code")) throw invalidClient("Unauthorized grant type: authorization_code");
        const scope = parseScope(args.scope);
        const unmatched = firstUnmatched(scope, this.deps.matchersFor(client));
        if (unmatched !== undefined) throw invalidScope(`Scope '${unmatched}' not allowed for client '${client.client_id}'`);
        validateForProfile(client, scope, this.settings);
        return this.tokens.createAccessToken(client, { request: { grantType: "authorization_code", scope, audience: args.audience }, user });
    }

    private nowSeconds(): number {
        return Math.floor(Date.now() / 1000) + this.clockOffsetSeconds;
    }

    /**
     * DefaultClientRegistrationService.java:259-271,293-322: on an update, a registration access
     * token older than the configured validity is replaced; -1 never.
     */
    private ratExpired(ctx: any): boolean {
        const validity = this.settings.ratValiditySeconds;
        return validity >= 0 && this.nowSeconds() > ctx.oidc.entities.RegistrationAccessToken.iat + validity;
    }

    /**
     * IAM's own paths for the endpoints a relying party takes as URLs, as its discovery names them
     * (LS/core/web/wellknown/IamWellKnownInfoProvider.java:50-51,127-129,133,144-150: the base URL
     * joined with "authorize", "token", and MITRE's UserInfoEndpoint.URL and RevocationEndpoint.URL,
     * "userinfo" and "revoke"; LS/core/userinfo/IamUserInfoEndpoint.java:44 serves "userinfo"), not
     * oidc-provider's defaults (/auth, /me): the stand-in serves and advertises these, so a client
     * that derives them is checked against IAM's.
     */
    static readonly routes = { authorization: "/authorize", token: "/token", userinfo: "/userinfo", revocation: "/revoke" } as const;

    private makeProvider(issuer: string) {
        const provider = new oidc.default(issuer, {
            adapter: oidcAdapter(this.store, () => grantTypesRun),
            cookies: { keys: ["fake-iam-cookie-key"] },
            // IAM's discovery names its SCIM API (LS/core/web/wellknown/IamWellKnownInfoProvider.java:136,188).
            discovery: { scim_endpoint: `${issuer}/scim` },
            jwks: { keys: [this.signingKey.jwk] },
            routes: { ...FakeIam.routes },
            scopes: new AnyScope(this.settings.systemScopes),
            features: {
                devInteractions: { enabled: false },
                clientCredentials: { enabled: true },
                registration: { enabled: true, issueRegistrationAccessToken: true },
                registrationManagement: { enabled: true, rotateRegistrationAccessToken: async (ctx: any) => this.ratExpired(ctx) },
            },
        });
        registerIamGrants(provider, this.deps);
        provider.registerGrantType("authorization_code", asGrant(authorizationCodeGrant, this.deps), ["code", "redirect_uri"]);
        return provider;
    }

    private handle(req: IncomingMessage, res: ServerResponse) {
        const path = new URL(req.url ?? "/", this.address).pathname;
        if (path === "/iam/api/clients" || path.startsWith("/iam/api/clients/")) {
            const id = decodeURIComponent(path.slice("/iam/api/clients".length).replace(/^\//, ""));
            adminClientApi(req, res, id, { store: this.store, tokens: this.tokens, registrationBaseUrl: `${this.issuer}/reg` }).catch((err) => {
                if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: String(err) }));
            });
            return;
        }
        if (path === "/scim/Users" || path.startsWith("/scim/Users/")) {
            scimUsersApi(req, res, { directory: this.directory, tokens: this.tokens, baseUrl: () => this.issuer });
            return;
        }
        const routes = FakeIam.routes;
        if (path === routes.authorization && req.method === "GET") return authorize(req, res, this.browser);
        if (path === routes.userinfo && (req.method === "GET" || req.method === "POST")) return userinfo(req, res, this.browser);
        if (path === routes.revocation && req.method === "POST") {
            revoke(req, res, this.browser).catch((err) => res.headersSent || res.writeHead(500).end(String(err)));
            return;
        }
        if (path === "/login") return void res.writeHead(200, { "content-type": "text/html" }).end("<html><body>INDIGO IAM login page (the stand-in does not model it)</body></html>");
        readBasicAsIam(req);
        this.provider.callback()(req, res);
    }
}

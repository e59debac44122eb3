// What a browser and a relying party (JupyterHub) do at IAM beyond the token grants: the
// authorization-code flow at IAM's /authorize, the code grant at /token, /userinfo, and token
// revocation at /revoke (RFC 7009). Paths: iam@v1.12.0 LS/core/web/wellknown/
// IamWellKnownInfoProvider.java:50-51,129,133. LS = iam-login-service/src/main/java/it/infn/mw/iam
// (v1.12.0); MITRE = indigo-iam/OpenID-Connect-Java-Spring-Server (merge-latest; IAM 1.12.0 pins
// its 1.3.7.cnaf build, not mirrored); SSO = spring-security-oauth 2.5.2.RELEASE.
//
// Not modelled: IAM's login form and consent page. A test says which directory user the browser
// is logged in as; that user has approved every scope the client asks for (as after "remember
// this decision"). No id_token is issued: the hub reads the user from /userinfo.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { IamStore } from "./client-store";
import type { IamSettings } from "./iam-settings";
import { decodeJwt } from "./jwt";
import { resolveProfile, type IamUser } from "./jwt-profiles";
import { invalidClient, invalidGrant, invalidRequest } from "./oauth-error";
import type { IamDirectory } from "./scim";
import { firstUnmatched, type ScopeMatcher } from "./scope-matchers";
import { parseScope, type EndpointDeps } from "./token-endpoint";
import type { TokenResponse } from "./token-service";

export interface BrowserDeps {
    readonly store: IamStore;
    readonly directory: IamDirectory;
    readonly settings: IamSettings;
    readonly endpoint: EndpointDeps;
    /** The username the browser is logged in to IAM as, or undefined. */
    readonly browserUser: () => string | undefined;
    readonly baseUrl: () => string;
    readonly onAuthorize: (request: AuthorizeRequest) => void;
}

export interface AuthorizeRequest {
    readonly clientId: string;
    readonly username?: string;
    readonly at: number;
}

/** The authorization request a code stands for (SSO's stored OAuth2Authentication). */
interface CodeRecord {
    readonly clientId: string;
    readonly redirectUri: string;
    /** Whether redirect_uri was in the request: the code grant must then send the same one. */
    readonly redirectUriSent: boolean;
    readonly scope: string[];
    readonly user: IamUser;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
}

function redirect(res: ServerResponse, to: string) {
    res.writeHead(302, { location: to }).end();
}

/**
 * GET /authorize. SSO AuthorizationEndpoint.authorize: an unknown client or a redirect URI that
 * is not registered gets an error page, never a redirect; MITRE's BlacklistAwareRedirectResolver
 * compares redirect URIs exactly (strictMatch, :49,70-74). Later errors go back to the client.
 * Without a logged-in (and active) user, IAM sends the browser to its login page
 * (LS/core/IamLocalAuthenticationProvider.java:150 refuses a disabled account there).
 */
export function authorize(req: IncomingMessage, res: ServerResponse, deps: BrowserDeps): void {
    const q = new URL(req.url ?? "/", deps.baseUrl()).searchParams;
    const clientId = q.get("client_id") ?? "";
    const client = deps.store.clients.get(clientId);
    const username = deps.browserUser();
    deps.onAuthorize({ clientId, username, at: Date.now() });
    if (!client) return send(res, 400, { error: "invalid_client", error_description: `Client with id ${clientId} was not found` });
    const sent = q.get("redirect_uri");
    const redirectUri = sent ?? (client.redirect_uris.length === 1 ? client.redirect_uris[0] : undefined);
    if (!redirectUri || !client.redirect_uris.includes(redirectUri)) return send(res, 400, { error: "invalid_request", error_description: "Invalid redirect: does not match one of the registered values." });
    const back = (params: Record<string, string>) => {
        const to = new URL(redirectUri);
        for (const [k, v] of Object.entries(params)) to.searchParams.set(k, v);
        const state = q.get("state");
        if (state !== null) to.searchParams.set("state", state);
        redirect(res, to.toString());
    };
    if (q.get("response_type") !== "code") return back({ error: "unsupported_response_type", error_description: "Unsupported response types" });
    if (!client.grant_types.includes("authorization_code")) return back({ error: "unauthorized_client", error_description: "Unauthorized grant type: authorization_code" });
    const scope = parseScope(q.get("scope") ?? undefined);
    const requested = scope.length > 0 ? scope : [...client.scope].sort();
    // ScopeMatcherOAuthRequestValidator.java:38-45, as at the token endpoint.
    const unmatched = firstUnmatched(requested, deps.endpoint.matchersFor(client) as ScopeMatcher[]);
    if (unmatched !== undefined) return back({ error: "invalid_scope", error_description: `Scope '${unmatched}' not allowed for client '${clientId}'` });
    const account = username ? deps.directory.find(username) : undefined;
    if (!account || !account.active) return redirect(res, `${deps.baseUrl()}/login`);
    // MITRE DefaultOAuth2AuthorizationCodeService.createAuthorizationCode: a random code for the request.
    const code = randomBytes(9).toString("base64url");
    const record: CodeRecord = { clientId, redirectUri, redirectUriSent: sent !== null, scope: requested, user: deps.directory.tokenUser(account.username) };
    deps.store.put("IamAuthorizationCode", code, record);
    back({ code });
}

/**
 * The authorization_code grant. SSO TokenEndpoint.java ignores a scope sent with a code (the
 * authorization decided it); AuthorizationCodeTokenGranter.getOAuth2Authentication consumes the
 * code (MITRE DefaultOAuth2AuthorizationCodeService.consumeAuthorizationCode: used once), then
 * checks the redirect URI and the client.
 */
export function authorizationCodeGrant(ctx: any, deps: EndpointDeps): TokenResponse {
    const params = ctx.oidc.params;
    const code = typeof params.code === "string" ? params.code : undefined;
    if (!code) throw invalidRequest("An authorization code must be supplied.");
    const record: CodeRecord | undefined = deps.store.get("IamAuthorizationCode", code);
    // MITRE's message also quotes the code, left out here.
    if (!record) throw invalidGrant("JpaAuthorizationCodeRepository: no authorization code found for value (the code)");
    deps.store.remove("IamAuthorizationCode", code);
    const redirectUri = typeof params.redirect_uri === "string" ? params.redirect_uri : undefined;
    if ((redirectUri !== undefined || record.redirectUriSent) && redirectUri !== record.redirectUri) throw invalidGrant("Redirect URI mismatch.");
    if (ctx.oidc.client.clientId !== record.clientId) throw invalidClient("Client ID mismatch");
    const client = deps.store.clients.get(record.clientId)!;
    return deps.tokens.createAccessToken(client, { request: { grantType: "authorization_code", scope: record.scope }, user: record.user });
}

/**
 * GET /userinfo: LS/core/userinfo/IamUserInfoEndpoint.java (@PreAuthorize ROLE_USER and scope
 * openid): the sub; with the profile scope also `scope` and every non-empty field of the user's
 * info (UserInfoResponse.Builder.addFieldsFromJson drops nulls, blanks and empty lists), ssh keys
 * aside. The fields by the token client's profile: iam (IamJWTProfileUserinfoHelper.java: the
 * account's `groups` by IAM name, IamUserInfo.java:373-381, and organisation_name), wlcg
 * (WLCGUserinfoHelper.java + WLCGUserInfoAdapter.java: `groups` and organisation_name removed,
 * `wlcg.groups` from the access token's claim when it has one). Other profiles are not modelled.
 */
export function userinfo(req: IncomingMessage, res: ServerResponse, deps: BrowserDeps): void {
    const bearer = (req.headers.authorization ?? "").replace(/^Bearer /i, "");
    const token = bearer ? deps.endpoint.tokens.readAccessToken(bearer) : undefined;
    // OAuth2AuthenticationProcessingFilter: an unknown or expired token is 401 invalid_token.
    if (!token) return send(res, 401, { error: "invalid_token", error_description: "Invalid access token" }, { "www-authenticate": 'Bearer error="invalid_token"' });
    const user = token.holder.user;
    if (!user || !token.scope.includes("openid")) return send(res, 403, { error: "access_denied", error_description: "Access is denied" });
    const account = deps.directory.find(user.username);
    if (!account) return send(res, 404, { error: `User '${user.username}' not found` });
    const body: Record<string, unknown> = { sub: account.sub };
    if (token.scope.includes("profile")) {
        const profile = resolveProfile(deps.store.clients.get(token.clientId)?.scope ?? [], deps.settings);
        if (profile !== "iam" && profile !== "wlcg") throw new Error(`userinfo under the ${profile} profile is not modelled`);
        const fields: Record<string, unknown> = {
            name: `${account.givenName} ${account.familyName}`,
            preferred_username: account.username,
            given_name: account.givenName,
            family_name: account.familyName,
            email: account.email,
        };
        if (profile === "iam") Object.assign(fields, { groups: [...account.groups], organisation_name: deps.settings.organisationName });
        else {
            const claim = decodeJwt(bearer)?.claims?.["wlcg.groups"];
            if (Array.isArray(claim)) fields["wlcg.groups"] = claim;
        }
        const present = Object.entries(fields).filter(([, v]) => v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0));
        Object.assign(body, { scope: [...token.scope] }, Object.fromEntries(present));
    }
    send(res, 200, body);
}

/** The client's credentials as the revocation endpoint's filters read them: Basic (raw) or the form. */
function revokingClient(req: IncomingMessage, form: URLSearchParams, store: IamStore): string | undefined {
    const header = req.headers.authorization ?? "";
    let id: string | null = form.get("client_id");
    let secret: string | null = form.get("client_secret");
    if (/^basic /i.test(header)) {
        const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
        const at = decoded.indexOf(":");
        if (at >= 0) [id, secret] = [decoded.slice(0, at), decoded.slice(at + 1)];
    }
    const client = id ? store.clients.get(id) : undefined;
    return client && client.client_secret && client.client_secret === secret ? client.client_id : undefined;
}

/**
 * POST /revoke (RFC 7009): the client authenticates (LS/config/security/MitreSecurityConfig.java:
 * 217-255, Basic or client_id/client_secret in the form); MITRE RevocationEndpoint.java:58-139
 * then revokes the client's own access or refresh token (TokenService.revoke).
 */
export async function revoke(req: IncomingMessage, res: ServerResponse, deps: BrowserDeps): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const clientId = revokingClient(req, form, deps.store);
    if (!clientId) return send(res, 401, { error: "unauthorized", error_description: "Full authentication is required to access this resource" });
    const token = form.get("token");
    if (!token) return send(res, 400, { error: "invalid_request", error_description: "Required String parameter 'token' is not present" });
    const outcome = deps.endpoint.tokens.revoke(token, clientId);
    res.writeHead(outcome === "forbidden" ? 403 : 200).end();
}

function readBody(req: IncomingMessage): Promise<string> {
    return new Promise((resolve) => {
        let text = "";
        req.on("data", (c) => (text += c));
        req.on("end", () => resolve(text));
    });
}

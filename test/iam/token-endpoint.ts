// IAM's token endpoint for the grants the site uses: client credentials, token exchange and
// refresh, as oidc-provider grant handlers (oidc-provider has authenticated the client). Each
// step is IAM's, in IAM's order: the request factory, the scope check against the requesting
// client, then the grant. LS = iam-login-service/src/main/java/it/infn/mw/iam (v1.12.0); SSO =
// spring-security-oauth 2.5.2, .../oauth2/provider/endpoint/TokenEndpoint.java.
import type { ClientEntity, IamStore } from "./client-store";
import type { IamSettings } from "./iam-settings";
import { invalidWlcgGroupScope, resolveProfile } from "./jwt-profiles";
import { OAuthError, accessDenied, invalidRequest, invalidScope, invalidTarget, invalidToken, serverError, unauthorized } from "./oauth-error";
import { RelativePathScopeError, firstUnmatched, type ScopeMatcher } from "./scope-matchers";
import type { TokenResponse, TokenService } from "./token-service";

export const tokenExchangeGrant = "urn:ietf:params:oauth:grant-type:token-exchange";

export interface EndpointDeps {
    readonly store: IamStore;
    readonly tokens: TokenService;
    readonly settings: IamSettings;
    readonly matchersFor: (client: ClientEntity) => ScopeMatcher[];
    /** Whether IAM's account of that username is active; undefined for a user IAM has no account of. */
    readonly userActive?: (username: string) => boolean | undefined;
}

/** Servlet request parameters as IAM reads them: one value per name, the first (@RequestParam Map<String, String>). */
const first = (value: unknown): string | undefined => (Array.isArray(value) ? value[0] : typeof value === "string" ? value : undefined);

/**
 * OAuth2Utils.parseParameterList (SSO .../common/util/OAuth2Utils.java:85-93): a sorted set,
 * split on whitespace and '+'. Empty pieces (from doubled separators) are left out here.
 */
export function parseScope(value: string | undefined): string[] {
    return [...new Set((value ?? "").split(/[\s+]/).filter(Boolean))].sort();
}

/** IamOAuth2RequestFactory.validateUrl (:304-319): a resource must be a URL without query or fragment. */
function checkResource(resource: string) {
    for (const r of resource.split(" ")) {
        let url: URL;
        try {
            url = new URL(r);
        } catch {
            throw invalidTarget(`Not a valid URI: ${r}`);
        }
        if (url.search) throw invalidTarget(`The resource indicator contains a query component: ${r}`);
        if (url.hash) throw invalidTarget(`The resource indicator contains a fragment component: ${r}`);
    }
}

export interface ValidatedRequest {
    readonly scope: string[];
    readonly audience?: string;
    readonly resource?: string;
}

/**
 * IamOAuth2RequestFactory.createTokenRequest (:180-209) and the audience (:270-287): no scope is an
 * error for a token exchange and the client's scopes otherwise; the audience is the first of
 * resource, aud, audience. Then SSO TokenEndpoint.java:113-115 checks every scope against the
 * requesting client (ScopeMatcherOAuthRequestValidator.java:30,38-45).
 */
export function validateTokenRequest(grantType: string, params: Record<string, unknown>, client: ClientEntity, deps: EndpointDeps): ValidatedRequest {
    let scope = parseScope(first(params.scope));
    if (scope.length === 0) {
        if (grantType === tokenExchangeGrant) throw invalidRequest("The scope parameter is required for a token exchange request!");
        scope = [...client.scope].sort();
    }
    const resource = first(params.resource) || undefined;
    if (resource) checkResource(resource);
    const audience = [resource, first(params.aud), first(params.audience)].find((a) => a);
    const unmatched = firstUnmatched(scope, deps.matchersFor(client));
    if (unmatched !== undefined) throw invalidScope(`Scope '${unmatched}' not allowed for client '${client.client_id}'`);
    return { scope, audience, resource };
}

/** The request validator of the client's profile, run as IAM creates the OAuth2 request (IamOAuth2RequestFactory.java:165-177). */
export function validateForProfile(client: ClientEntity, scope: readonly string[], settings: IamSettings): void {
    const bad = invalidWlcgGroupScope(resolveProfile(client.scope, settings), scope);
    if (bad !== undefined) throw invalidScope(`Invalid WLCG group scope: ${bad}`);
}

function clientCredentials(ctx: any, deps: EndpointDeps): TokenResponse {
    const client = deps.store.clients.get(ctx.oidc.client.clientId)!;
    const request = validateTokenRequest("client_credentials", ctx.oidc.params, client, deps);
    validateForProfile(client, request.scope, deps.settings);
    return deps.tokens.createAccessToken(client, { request: { grantType: "client_credentials", ...request } });
}

/** LS/core/oauth/granters/TokenExchangeTokenGranter.java:80-191, under IAM's default policy. */
function tokenExchange(ctx: any, deps: EndpointDeps): TokenResponse {
    const params = ctx.oidc.params;
    const actor = deps.store.clients.get(ctx.oidc.client.clientId)!;
    const request = validateTokenRequest(tokenExchangeGrant, params, actor, deps);
    if (first(params.actor_token) !== undefined || first(params.want_composite) !== undefined) throw invalidRequest("Delegation not supported");
    const subjectToken = first(params.subject_token) ?? "";
    const subject = deps.tokens.readAccessToken(subjectToken);
    // MITREid readAccessToken; IAM's message also quotes the token, left out here.
    if (!subject) throw invalidToken("Access token for value (the subject token) was not found");
    const origin = deps.store.clients.get(subject.clientId)!;
    if (origin.client_id === actor.client_id && request.scope.includes("offline_access")) {
        throw accessDenied("Token exchange not allowed: the actor and the subject are the same client and offline_access is in the requested scopes");
    }
    // DefaultTokenExchangePdp.java:95-122 under the seeded PERMIT policy "Allow all exchanges"
    // (iam-persistence/.../mysql/V50___token_exchange_policy.sql:27-36): every scope must also be
    // one the origin (subject) client holds.
    const notOrigin = firstUnmatched(request.scope, deps.matchersFor(origin));
    if (notOrigin !== undefined) throw invalidScope(`scope not allowed by origin client configuration: ${notOrigin}`);
    validateForProfile(actor, request.scope, deps.settings);
    const token = deps.tokens.createAccessToken(actor, { request: { grantType: tokenExchangeGrant, ...request, subjectToken }, user: subject.holder.user });
    return { ...token, issued_token_type: "urn:ietf:params:oauth:token-type:jwt" };
}

function refreshToken(ctx: any, deps: EndpointDeps): TokenResponse {
    const params = ctx.oidc.params;
    const client = deps.store.clients.get(ctx.oidc.client.clientId)!;
    const request = validateTokenRequest("refresh_token", params, client, deps);
    // SSO TokenEndpoint.java:129-135: the refresh token has its own scopes; only those asked for count.
    const value = first(params.refresh_token);
    if (!value) throw invalidRequest("refresh_token parameter not provided");
    // LS/core/oauth/granters/IamRefreshTokenGranter.java:52-60: a disabled user's refresh token is
    // refused, as Spring answers a DisabledException (RefreshTokenGranterTests.java:175-177).
    const user = deps.tokens.readRefreshToken(value)?.holder.user;
    if (user && deps.userActive?.(user.username) === false) throw unauthorized(`User ${user.username} is not active.`);
    return deps.tokens.refreshAccessToken(value, client, parseScope(first(params.scope)), request);
}

/** Answers an IAM error as IAM does: its status and {error, error_description}. */
export function asGrant(grant: (ctx: any, deps: EndpointDeps) => TokenResponse, deps: EndpointDeps) {
    return async (ctx: any, next: () => Promise<void>) => {
        try {
            ctx.body = grant(ctx, deps);
            ctx.status = 200;
        } catch (err) {
            const e = err instanceof RelativePathScopeError ? serverError(err.message) : err;
            if (!(e instanceof OAuthError)) throw e;
            ctx.status = e.status;
            ctx.body = { error: e.error, error_description: e.description };
        }
        await next();
    };
}

const audienceParams = ["scope", "resource", "aud", "audience"];

/** Replaces oidc-provider's own client credentials and refresh grants with IAM's, and adds the exchange. */
export function registerIamGrants(provider: any, deps: EndpointDeps): void {
    provider.registerGrantType("client_credentials", asGrant(clientCredentials, deps), audienceParams, ["resource", "aud", "audience"]);
    provider.registerGrantType(
        tokenExchangeGrant,
        asGrant(tokenExchange, deps),
        [...audienceParams, "subject_token", "subject_token_type", "actor_token", "actor_token_type", "requested_token_type", "want_composite"],
        ["resource", "aud", "audience"],
    );
    provider.registerGrantType("refresh_token", asGrant(refreshToken, deps), ["refresh_token", ...audienceParams], ["resource", "aud", "audience"]);
}

// The claims of IAM's JWT access tokens, per JWT profile, and how IAM picks the profile.
// LS = iam-login-service/src/main/java/it/infn/mw/iam (v1.12.0), in .../core/oauth/profile/.
import { randomUUID } from "node:crypto";
import type { IamSettings, JwtProfileName } from "./iam-settings";

/** A user as the stand-in knows one: IAM's user UUID (the sub), username and group names (without the leading /). */
export interface IamUser {
    readonly sub: string;
    readonly username: string;
    readonly groups: readonly string[];
}

/** What a token is built from: the token's client and scope, the request it answers, and its user. */
export interface TokenFacts {
    readonly issuer: string;
    readonly clientId: string;
    readonly scope: readonly string[];
    readonly issuedAt: number;
    readonly expiresAt?: number;
    /** The request's `aud` parameter (IamOAuth2RequestFactory puts the audience there). */
    readonly audience?: string;
    readonly user?: IamUser;
    /** For a token exchange: the subject token's claims. */
    readonly subjectClaims?: Record<string, unknown>;
}

const profiles: readonly JwtProfileName[] = ["aarc", "iam", "wlcg", "kc"];

/**
 * ScopeAwareProfileResolver.java:55-83: the profile named by the client's *registered* scopes,
 * when exactly one of aarc, iam, wlcg, kc is among them; otherwise the default profile.
 */
export function resolveProfile(registeredScopes: readonly string[], settings: IamSettings): JwtProfileName {
    const named = profiles.filter((p) => registeredScopes.includes(p));
    return named.length === 1 ? named[0] : settings.defaultProfile;
}

/**
 * wlcg/WLCGGroupHelper.java:54-102: each wlcg.groups scope in the token's order, `wlcg.groups`
 * giving all the user's groups (sorted), `wlcg.groups:/g` the group g; without a plain
 * `wlcg.groups` all groups follow. Optional groups are not modelled: every group counts.
 */
export function wlcgGroups(scope: readonly string[], user: IamUser): string[] {
    const all = [...user.groups].sort();
    const groupScopes = scope.filter((s) => s.startsWith("wlcg.groups"));
    const names = groupScopes.flatMap((s) => (s.startsWith("wlcg.groups:/") ? user.groups.filter((g) => g === s.slice("wlcg.groups:/".length)) : all));
    if (groupScopes.length > 0 && !scope.includes("wlcg.groups")) names.push(...all);
    return [...new Set(names.map((g) => `/${g}`))];
}

/** common/BaseAccessTokenBuilder.java:142-188 (and :100-124 for a token exchange). */
function baseClaims(t: TokenFacts): Record<string, unknown> {
    const claims: Record<string, unknown> = { iss: t.issuer, iat: t.issuedAt };
    if (t.expiresAt !== undefined) claims.exp = t.expiresAt;
    // The user's sub; for a client alone, its ID (authentication.getName()).
    claims.sub = t.user ? t.user.sub : t.clientId;
    claims.jti = randomUUID();
    claims.client_id = t.clientId;
    const audience = (t.audience ?? "").split(" ").filter(Boolean);
    // Nimbus (JWTClaimsSet.toJSONObject) writes a single audience as a string, several as a list.
    if (audience.length > 0) claims.aud = audience.length === 1 ? audience[0] : audience;
    if (t.subjectClaims) {
        // A client-only exchange speaks for the subject token's sub; act names the actor, nesting an earlier act.
        if (!t.user) claims.sub = t.subjectClaims.sub;
        claims.act = t.subjectClaims.act === undefined ? { sub: t.clientId } : { sub: t.clientId, act: t.subjectClaims.act };
    }
    return claims;
}

const scopeClaim = (t: TokenFacts) => (t.scope.length > 0 ? { scope: t.scope.join(" ") } : {});

/** The access token's claims under `profile`. User-info claims (include_authn_info, attributes, eduPerson) are not modelled. */
export function accessTokenClaims(profile: JwtProfileName, t: TokenFacts, settings: IamSettings): Record<string, unknown> {
    const base = baseClaims(t);
    switch (profile) {
        case "wlcg": {
            // wlcg/WLCGProfileAccessTokenBuilder.java:61-130.
            const groups = t.user ? wlcgGroups(t.scope, t.user) : [];
            return {
                ...base,
                nbf: t.issuedAt,
                ...scopeClaim(t),
                "wlcg.ver": "1.0",
                ...(groups.length > 0 ? { "wlcg.groups": groups } : {}),
                aud: base.aud ?? "https://wlcg.cern.ch/jwt/v1/any",
            };
        }
        case "iam":
            // iam/IamJWTProfileAccessTokenBuilder.java:55-79.
            return { ...base, ...(settings.includeScope ? scopeClaim(t) : {}), ...(settings.includeNbf ? { nbf: t.issuedAt } : {}) };
        case "aarc":
            // aarc/AarcJWTProfileAccessTokenBuilder.java:53-70: no scope claim, ever.
            return { ...base, ...(t.user ? { voperson_id: t.user.sub } : {}) };
        case "kc":
            // keycloak/KeycloakProfileAccessTokenBuilder.java:54-76; roles are the group names (KeycloakGroupHelper.java:25-29).
            return { ...base, nbf: t.issuedAt, ...scopeClaim(t), ...(t.user && t.user.groups.length > 0 ? { roles: [...new Set(t.user.groups)] } : {}) };
    }
}

/** wlcg/WLCGJWTProfile.java:79-80 with WLCGGroupHelper.java:40,105-115: a WLCG-profile request checks its group scopes. */
export function invalidWlcgGroupScope(profile: JwtProfileName, scope: readonly string[]): string | undefined {
    if (profile !== "wlcg") return undefined;
    return scope.filter((s) => s.startsWith("wlcg.groups")).find((s) => !/^(?:wlcg\.groups(?::((?:\/[a-zA-Z0-9][a-zA-Z0-9_.-]*)+))?)$/.test(s));
}

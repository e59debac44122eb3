// IAM's token service: access tokens (JWTs signed with the published key, claims by the client's
// profile), refresh tokens, and refreshing. It follows MITREid's DefaultOAuth2ProviderTokenService
// as IAM uses it (indigo-iam/OpenID-Connect-Java-Spring-Server, merge-latest,
// openid-connect-server/.../oauth2/service/impl/DefaultOAuth2ProviderTokenService.java, "MITRE" below).
import { randomUUID } from "node:crypto";
import type { ClientEntity, IamStore } from "./client-store";
import type { IamSettings } from "./iam-settings";
import { decodeJwt, plainJwt, signJwt, type SigningKey } from "./jwt";
import { accessTokenClaims, resolveProfile, type IamUser } from "./jwt-profiles";
import { invalidClient, invalidScope, invalidTarget, invalidToken } from "./oauth-error";

/** The request a token answers, kept with the token as MITREid's authentication holder. */
export interface TokenRequestFacts {
    readonly grantType: string;
    readonly scope: readonly string[];
    /** The `aud` request parameter: the first of resource, aud, audience. */
    readonly audience?: string;
    readonly resource?: string;
    /** A token exchange's subject token, as sent. */
    readonly subjectToken?: string;
}

export interface AuthenticationHolder {
    readonly request: TokenRequestFacts;
    readonly user?: IamUser;
}

export interface AccessTokenRecord {
    readonly clientId: string;
    readonly value: string;
    readonly scope: readonly string[];
    readonly expiresAt?: number;
    readonly holder: AuthenticationHolder;
    readonly refreshId?: string;
}

export interface RefreshTokenRecord {
    readonly clientId: string;
    readonly value: string;
    readonly expiresAt?: number;
    readonly holder: AuthenticationHolder;
}

export interface TokenResponse {
    access_token: string;
    token_type: "Bearer";
    expires_in?: number;
    scope: string;
    refresh_token?: string;
    issued_token_type?: string;
}

/** SystemScopeService.reservedScopes (MITREid openid-connect-common/.../SystemScopeService.java:42-46). */
const reserved = new Set(["registration-token", "resource-token"]);
const withoutReserved = (scope: readonly string[]) => scope.filter((s) => !reserved.has(s));

/** ClientDetailsEntity.isAllowRefresh: the client has the refresh_token grant (MITREid ClientDetailsEntity.java:297-302). */
export const allowsRefresh = (c: ClientEntity) => c.grant_types.includes("refresh_token");

/**
 * The audience of a refresh (LS/core/oauth/IamOAuth2RequestFactory.java:245-264, 289-301): one
 * asked for must be among the resources first granted, if a resource was involved; without one,
 * a resource first granted is the audience again. Otherwise the first request's audience stays
 * (BaseAccessTokenBuilder.java:162-173).
 */
function refreshAudience(asked: { audience?: string; resource?: string }, original: TokenRequestFacts): string | undefined {
    if (asked.audience) {
        if (!original.resource && !asked.resource) return asked.audience;
        const granted = (original.resource ?? "").split(" ");
        const allowed = asked.audience.split(" ").filter((a) => granted.includes(a));
        if (allowed.length === 0) throw invalidTarget("The requested resource was not originally granted");
        return allowed.join(" ");
    }
    return original.resource;
}

export class TokenService {
    constructor(
        private readonly store: IamStore,
        private readonly settings: IamSettings,
        private readonly key: SigningKey,
        private readonly issuer: () => string,
        private readonly nowSeconds: () => number,
        /** The user as the directory has them now, by username (undefined: a user given as is). */
        private readonly currentUser: (username: string) => IamUser | undefined = () => undefined,
    ) {}

    /** MITRE createAccessToken (:207-270). */
    createAccessToken(client: ClientEntity, holder: AuthenticationHolder): TokenResponse {
        const scope = withoutReserved(holder.request.scope);
        const validity = client.access_token_validity_seconds;
        const expiresAt = validity > 0 ? this.nowSeconds() + validity : undefined;
        // A refresh token only for a client with the grant and a scope with offline_access (:237-243);
        // never for client credentials (IAM CHANGELOG.md:63, 1.11.0).
        const refresh = allowsRefresh(client) && scope.includes("offline_access") && holder.request.grantType !== "client_credentials" ? this.createRefreshToken(client, holder) : undefined;
        return this.issue(client, holder, scope, expiresAt, refresh, holder.request.audience);
    }

    /** The stored access token for a value, or undefined (MITRE readAccessToken, :435-445; expired ones are cleared). */
    readAccessToken(value: string): AccessTokenRecord | undefined {
        const jti = decodeJwt(value)?.claims?.jti;
        const record: AccessTokenRecord | undefined = typeof jti === "string" ? this.store.get("IamAccessToken", jti) : undefined;
        if (!record || record.value !== value) return undefined;
        if (record.expiresAt !== undefined && record.expiresAt <= this.nowSeconds()) {
            this.store.remove("IamAccessToken", jti);
            return undefined;
        }
        return record;
    }

    /** MITRE refreshAccessToken (:310-415). `request` is the refresh request's own audience and resource. */
    refreshAccessToken(value: string, requester: ClientEntity, requestedScope: readonly string[], request: { audience?: string; resource?: string }): TokenResponse {
        const jti = decodeJwt(value)?.claims?.jti;
        const stored: RefreshTokenRecord | undefined = typeof jti === "string" ? this.store.get("IamRefreshToken", jti) : undefined;
        const expired = stored?.expiresAt !== undefined && stored.expiresAt <= this.nowSeconds();
        if (!stored || stored.value !== value || expired) {
            if (expired) this.store.remove("IamRefreshToken", jti);
            throw invalidToken("Invalid refresh token");
        }
        if (stored.clientId !== requester.client_id) {
            this.store.remove("IamRefreshToken", jti);
            throw invalidClient("Client does not own the presented refresh token");
        }
        const audience = refreshAudience(request, stored.holder.request);
        const client = this.store.clients.get(stored.clientId)!;
        if (!allowsRefresh(client)) throw invalidClient("Client does not allow refreshing access token!");
        if (client.clear_access_tokens_on_refresh) {
            for (const t of this.store.find("IamAccessToken", (p) => p.refreshId === jti)) this.store.remove("IamAccessToken", t.id);
        }
        const authorized = withoutReserved(stored.holder.request.scope);
        const requested = withoutReserved(requestedScope);
        if (requested.some((s) => !authorized.includes(s))) throw invalidScope("Up-scoping is not allowed.");
        const scope = requested.length > 0 ? requested : authorized;
        // This path sets an expiry whenever a validity is set (:387-391).
        const expiresAt = this.nowSeconds() + client.access_token_validity_seconds;
        let refresh = { id: jti as string, value };
        if (!client.reuse_refresh_token) {
            refresh = this.createRefreshToken(client, stored.holder);
            this.store.remove("IamRefreshToken", jti);
        }
        // The claims come from the original request, refreshed (:405-410; BaseAccessTokenBuilder.java:168-173).
        return this.issue(client, stored.holder, scope, expiresAt, refresh, audience ?? stored.holder.request.audience);
    }

    /** The stored refresh token for a value, or undefined (MITRE getRefreshToken; expired ones count as gone). */
    readRefreshToken(value: string): (RefreshTokenRecord & { id: string }) | undefined {
        const jti = decodeJwt(value)?.claims?.jti;
        const stored: RefreshTokenRecord | undefined = typeof jti === "string" ? this.store.get("IamRefreshToken", jti) : undefined;
        if (!stored || stored.value !== value || (stored.expiresAt !== undefined && stored.expiresAt <= this.nowSeconds())) return undefined;
        return { ...stored, id: jti as string };
    }

    /** Refresh tokens of a client for a user, as IAM's token API lists them (LS/api/tokens/RefreshTokensController.java). */
    refreshTokensOf(clientId: string, username: string): string[] {
        return this.store.find("IamRefreshToken", (p: RefreshTokenRecord) => p.clientId === clientId && p.holder.user?.username === username).map((e) => e.payload.value);
    }

    /**
     * MITRE RevocationEndpoint.revoke (merge-latest, openid-connect-server/.../oauth2/web/
     * RevocationEndpoint.java:82-139): an access token first, then a refresh token; a token of
     * another client is refused (403); an unknown one is answered 200 all the same. Revoking a
     * refresh token clears its access tokens (DefaultOAuth2ProviderTokenService.java:478-481).
     */
    revoke(value: string, clientId: string): "revoked" | "forbidden" | "unknown" {
        const access = this.readAccessToken(value);
        if (access) {
            if (access.clientId !== clientId) return "forbidden";
            this.store.remove("IamAccessToken", decodeJwt(value)!.claims.jti);
            return "revoked";
        }
        const refresh = this.readRefreshToken(value);
        if (!refresh) return "unknown";
        if (refresh.clientId !== clientId) return "forbidden";
        for (const t of this.store.find("IamAccessToken", (p: AccessTokenRecord) => p.refreshId === refresh.id)) this.store.remove("IamAccessToken", t.id);
        this.store.remove("IamRefreshToken", refresh.id);
        return "revoked";
    }

    /** MITRE createRefreshToken (:276-306): an unsigned JWT with an ID and, for a positive validity, an expiry. */
    private createRefreshToken(client: ClientEntity, holder: AuthenticationHolder): { id: string; value: string } {
        const id = randomUUID();
        const validity = client.refresh_token_validity_seconds;
        const expiresAt = validity > 0 ? this.nowSeconds() + validity : undefined;
        const value = plainJwt({ ...(expiresAt !== undefined ? { exp: expiresAt } : {}), jti: id });
        this.store.put("IamRefreshToken", id, { clientId: client.client_id, value, expiresAt, holder } satisfies RefreshTokenRecord);
        return { id, value };
    }

    /** Builds the claims by the client's profile (LS/core/oauth/profile/IamTokenEnhancer.java:67-89), signs and stores the token. */
    private issue(client: ClientEntity, holder: AuthenticationHolder, scope: readonly string[], expiresAt: number | undefined, refresh: { id: string; value: string } | undefined, audience: string | undefined): TokenResponse {
        const profile = resolveProfile(client.scope, this.settings);
        const exchange = holder.request.grantType === "urn:ietf:params:oauth:grant-type:token-exchange";
        const claims = accessTokenClaims(
            profile,
            {
                issuer: this.issuer(),
                clientId: client.client_id,
                scope,
                issuedAt: this.nowSeconds(),
                expiresAt,
                audience,
                // Each token, a refreshed one too, is built from the user as IAM has them at that
                // moment (IamTokenEnhancer.java:76, userInfoService.getByUsernameAndClientId).
                user: holder.user ? (this.currentUser(holder.user.username) ?? holder.user) : holder.user,
                subjectClaims: exchange ? (decodeJwt(holder.request.subjectToken ?? "")?.claims ?? {}) : undefined,
            },
            this.settings,
        );
        const value = signJwt(claims, this.key);
        this.store.put("IamAccessToken", claims.jti as string, { clientId: client.client_id, value, scope, expiresAt, holder, refreshId: refresh?.id } satisfies AccessTokenRecord);
        return {
            access_token: value,
            token_type: "Bearer",
            ...(expiresAt !== undefined ? { expires_in: expiresAt - this.nowSeconds() } : {}),
            scope: scope.join(" "),
            ...(refresh ? { refresh_token: refresh.value } : {}),
        };
    }
}

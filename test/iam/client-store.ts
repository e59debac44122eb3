// The stand-in's database: IAM's client table, and every token (oidc-provider's registration
// access tokens and the stand-in's own access and refresh tokens) keyed by model and ID. Deleting
// a client deletes its tokens, as IAM's foreign keys do (iam-persistence/src/main/resources/db/
// migration/mysql/V96__add_foreign_keys.sql:75, ON DELETE CASCADE). It lives outside the server,
// so a restart keeps it.
import { randomBytes } from "node:crypto";
import { clientDefaults } from "./iam-settings";

/** A client as IAM stores it (ClientDetailsEntity), under the DTO's snake_case names. */
export interface ClientEntity {
    client_id: string;
    client_secret?: string | null;
    client_name?: string;
    client_description?: string;
    client_uri?: string;
    policy_uri?: string;
    tos_uri?: string;
    jwks_uri?: string;
    jwk?: string;
    redirect_uris: string[];
    scope: string[];
    grant_types: string[];
    response_types?: string[];
    contacts: string[];
    token_endpoint_auth_method?: string;
    code_challenge_method?: string;
    access_token_validity_seconds: number;
    refresh_token_validity_seconds: number;
    id_token_validity_seconds: number;
    device_code_validity_seconds: number;
    allow_introspection: boolean;
    reuse_refresh_token: boolean;
    clear_access_tokens_on_refresh: boolean;
    require_auth_time?: boolean;
    dynamically_registered: boolean;
    active: boolean;
    created_at: string;
    /** oidc-provider's own metadata of a client it registered (RFC 7591), for its later reads. */
    oidc?: Record<string, unknown>;
}

interface Entry {
    readonly payload: any;
    readonly expiresAt?: number;
}

export class IamStore {
    readonly clients = new Map<string, ClientEntity>();
    private readonly entries = new Map<string, Entry>();

    put(model: string, id: string, payload: any, expiresInSeconds?: number): void {
        this.entries.set(`${model}:${id}`, { payload, expiresAt: expiresInSeconds ? Date.now() + expiresInSeconds * 1000 : undefined });
    }

    get(model: string, id: string): any {
        const entry = this.entries.get(`${model}:${id}`);
        return entry && !(entry.expiresAt && entry.expiresAt < Date.now()) ? entry.payload : undefined;
    }

    remove(model: string, id: string): void {
        this.entries.delete(`${model}:${id}`);
    }

    /** Entries of a model whose payload passes `test`. */
    find(model: string, test: (payload: any) => boolean): Array<{ id: string; payload: any }> {
        return [...this.entries]
            .filter(([key, e]) => key.startsWith(`${model}:`) && test(e.payload))
            .map(([key, e]) => ({ id: key.slice(model.length + 1), payload: e.payload }));
    }

    /** The client and, by the cascade, every token issued to it. */
    deleteClient(clientId: string): void {
        this.clients.delete(clientId);
        for (const [key, entry] of this.entries) if (entry.payload?.clientId === clientId) this.entries.delete(key);
    }
}

/** IAM shows a missing method as none (LS/api/client/service/ClientConverter.java:121-124). */
const needsSecret = (e: ClientEntity) => ["client_secret_basic", "client_secret_post", "client_secret_jwt"].includes(e.token_endpoint_auth_method ?? "none");

/**
 * The client as oidc-provider reads it, for client authentication and RFC 7592. A client whose
 * secret IAM saved as null gets one nobody knows: IAM compares the presented secret with ""
 * (LS/core/client/IAMClientUserDetailsService.java:52-55), which Basic cannot carry.
 */
function forOidcProvider(e: ClientEntity, grantTypes: ReadonlySet<string>): Record<string, unknown> {
    const browser = e.grant_types.includes("authorization_code");
    return {
        ...(e.oidc ?? {}),
        client_id: e.client_id,
        client_name: e.client_name,
        client_secret: needsSecret(e) ? (e.client_secret ?? randomBytes(24).toString("hex")) : undefined,
        token_endpoint_auth_method: e.token_endpoint_auth_method ?? "none",
        // oidc-provider knows only the grants it runs, and pairs the code response with the
        // authorization_code grant; IAM checks neither, and no authorization endpoint runs here.
        grant_types: e.grant_types.filter((g) => grantTypes.has(g)),
        response_types: browser ? ["code"] : [],
        redirect_uris: e.redirect_uris,
        scope: e.scope.join(" "),
    };
}

/**
 * A client oidc-provider registered (RFC 7591) or updated (RFC 7592), as IAM would store it:
 * LS/api/client/registration/service/DefaultClientRegistrationService.java:340-343 on
 * registration (with the defaults of DefaultClientDefaultsService.java:52-93, and MITREid's entity
 * defaults reuse_refresh_token and clear_access_tokens_on_refresh true, ClientDetailsEntity.java:144,149);
 * :413-425 on update, which keeps the secret, validities, introspection, refresh-token reuse and status.
 */
function fromRegistration(payload: any, old: ClientEntity | undefined): ClientEntity {
    const scope: string[] = String(payload.scope ?? "").split(" ").filter(Boolean);
    const grantTypes: string[] = [...(payload.grant_types ?? ["authorization_code"])];
    // LS/api/client/service/ClientConverter.java:209-211.
    if (scope.includes("offline_access") && !grantTypes.includes("refresh_token")) grantTypes.push("refresh_token");
    const fresh: ClientEntity = {
        client_id: payload.client_id,
        client_secret: payload.client_secret,
        client_name: payload.client_name,
        client_uri: payload.client_uri,
        policy_uri: payload.policy_uri,
        jwks_uri: payload.jwks_uri,
        redirect_uris: [...(payload.redirect_uris ?? [])],
        scope,
        grant_types: grantTypes,
        response_types: payload.response_types,
        contacts: [...(payload.contacts ?? [])],
        token_endpoint_auth_method: payload.token_endpoint_auth_method ?? "client_secret_basic",
        access_token_validity_seconds: clientDefaults.accessTokenSeconds,
        refresh_token_validity_seconds: clientDefaults.refreshTokenSeconds,
        id_token_validity_seconds: clientDefaults.idTokenSeconds,
        device_code_validity_seconds: clientDefaults.deviceCodeSeconds,
        allow_introspection: true,
        reuse_refresh_token: true,
        clear_access_tokens_on_refresh: true,
        dynamically_registered: true,
        active: true,
        created_at: new Date().toISOString(),
        oidc: payload,
    };
    if (!old) return fresh;
    return {
        ...fresh,
        client_secret: old.client_secret,
        access_token_validity_seconds: old.access_token_validity_seconds,
        refresh_token_validity_seconds: old.refresh_token_validity_seconds,
        id_token_validity_seconds: old.id_token_validity_seconds,
        device_code_validity_seconds: old.device_code_validity_seconds,
        allow_introspection: old.allow_introspection,
        reuse_refresh_token: old.reuse_refresh_token,
        created_at: old.created_at,
        active: old.active,
        oidc: { ...payload, client_secret: old.client_secret ?? undefined },
    };
}

/** An oidc-provider adapter over the store; `grantTypes` are the grants oidc-provider runs. */
export function oidcAdapter(store: IamStore, grantTypes: () => ReadonlySet<string>) {
    return class StoreAdapter {
        constructor(readonly model: string) {}
        async upsert(id: string, payload: any, expiresIn?: number) {
            if (this.model === "Client") store.clients.set(id, fromRegistration(payload, store.clients.get(id)));
            else store.put(this.model, id, payload, expiresIn);
        }
        async find(id: string) {
            if (this.model !== "Client") return store.get(this.model, id);
            const client = store.clients.get(id);
            return client && forOidcProvider(client, grantTypes());
        }
        async findByUid() {
            return undefined;
        }
        async findByUserCode() {
            return undefined;
        }
        async consume(id: string) {
            const payload = store.get(this.model, id);
            if (payload) payload.consumed = Math.floor(Date.now() / 1000);
        }
        async destroy(id: string) {
            if (this.model === "Client") store.deleteClient(id);
            else store.remove(this.model, id);
        }
        async revokeByGrantId() {}
    };
}

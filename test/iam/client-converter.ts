// IAM's admin client API rules, as pure functions: the validators (which also rewrite the
// request), the conversion of a request into a stored client on POST and PUT, and the JSON a GET
// answers. LS = iam-login-service/src/main/java/it/infn/mw/iam (v1.12.0); "converter" is
// LS/api/client/service/ClientConverter.java, "DTO" LS/api/common/client/RegisteredClientDTO.java.
import { randomBytes, randomUUID } from "node:crypto";
import type { ClientEntity } from "./client-store";
import { clientDefaults } from "./iam-settings";

/** A constraint violation: IAM answers 400 with {"error": message} (ClientManagementAPIController.java:174-178). */
export class ClientValidationError extends Error {}

/** AuthorizationGrantType.java:27-34; anything else fails to parse, a 400 as well. */
const knownGrantTypes = new Set([
    "authorization_code",
    "client_credentials",
    "password",
    "implicit",
    "refresh_token",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:token-exchange",
    "urn:ietf:params:oauth:grant_type:redelegate",
]);

const authMethods = new Set(["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"]);
const methodsWithSecret = new Set(["client_secret_basic", "client_secret_post", "client_secret_jwt"]);

/** The request as IAM has parsed it: a DTO, with absent fields undefined. */
export type ClientRequest = Record<string, any>;

/** StringAsSetOfStringsDeserializer.java:31-45: the scope string split on single spaces; the DTO's default is empty. */
function scopeOf(dto: ClientRequest): string[] {
    if (dto.scope === undefined || dto.scope === null) return [];
    const scope = [...new Set(String(dto.scope).trim().split(" ").map((s) => s.trim()))];
    // DTO :174-176: @NotBlank on each element.
    if (scope.some((s) => s === "")) throw new ClientValidationError("scope: must not include blank strings");
    return scope;
}

function checkRedirectUris(uris: readonly string[]) {
    for (const uri of uris) {
        // LS/api/client/registration/validation/RedirectURIValidator.java:28-48 and ValidRedirectURIsValidator.java:42-67.
        if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri)) throw new ClientValidationError("Invalid redirect URI: no scheme set");
        if (uri.includes("#")) throw new ClientValidationError("Invalid redirect URI: contains a fragment");
    }
}

/**
 * The validators of a POST (OnClientCreation) or PUT (OnClientUpdate), DTO :56-61,72-94, with
 * the rewriting they do: no token_endpoint_auth_method becomes client_secret_basic
 * (ValidTokenEndpointAuthMethodValidator.java:34-35), no grant_types authorization_code
 * (ValidGrantTypeValidator.java:34-36), which needs a redirect URI (:39-46).
 */
export function validateRequest(dto: ClientRequest, on: "create" | "update", idTaken: (id: string) => boolean): ClientRequest {
    const out = { ...dto };
    out.token_endpoint_auth_method ??= "client_secret_basic";
    if (!authMethods.has(out.token_endpoint_auth_method)) throw new ClientValidationError(`${out.token_endpoint_auth_method} is not a supported token endpoint authentication method`);
    if (out.token_endpoint_auth_method === "private_key_jwt" && !out.jwks_uri && !out.jwk) throw new ClientValidationError("private_key_jwt requires a jwks uri or a jwk value");
    out.grant_types ??= ["authorization_code"];
    for (const g of out.grant_types) if (!knownGrantTypes.has(g)) throw new ClientValidationError(`${g} is not a supported grant type`);
    const uris: string[] = out.redirect_uris ?? [];
    if ((out.grant_types.includes("authorization_code") || out.grant_types.includes("implicit")) && uris.length === 0) {
        throw new ClientValidationError("Authorization code requires a valid redirect uri");
    }
    checkRedirectUris(uris);
    const name = out.client_name;
    if (on === "create" && (typeof name !== "string" || name.trim() === "")) throw new ClientValidationError("client_name: should not be blank");
    if (typeof name === "string" && (name.length < 4 || name.length > 256)) throw new ClientValidationError("client_name: Invalid length: must be between 4 and 256 characters");
    if (on === "update" && typeof out.client_secret === "string" && (out.client_secret.length < 4 || out.client_secret.length > 512)) throw new ClientValidationError("client_secret: size must be between 4 and 512");
    // LS/api/client/management/validation/ClientIdAvailable.java:32.
    if (on === "create" && typeof out.client_id === "string" && idTaken(out.client_id)) throw new ClientValidationError("Client id not available");
    scopeOf(out);
    return out;
}

const positive = (v: unknown): v is number => typeof v === "number" && v > 0;

/**
 * converter entityFromClientManagementRequest (:67-102) over entityFromRegistrationRequest
 * (:175-237): a new client built from the request alone. What is absent is empty, null, false or
 * the configured default; tos_uri is never copied.
 */
export function entityFromRequest(dto: ClientRequest): ClientEntity {
    const scope = scopeOf(dto);
    const grantTypes: string[] = [...new Set<string>(dto.grant_types ?? [])];
    if (scope.includes("offline_access") && !grantTypes.includes("refresh_token")) grantTypes.push("refresh_token");
    return {
        client_id: dto.client_id,
        client_description: dto.client_description ?? undefined,
        client_name: dto.client_name ?? undefined,
        client_secret: dto.client_secret ?? null,
        client_uri: dto.client_uri ?? undefined,
        policy_uri: dto.policy_uri ?? undefined,
        jwks_uri: dto.jwks_uri || undefined,
        jwk: dto.jwks_uri ? undefined : dto.jwk || undefined,
        redirect_uris: [...new Set<string>(dto.redirect_uris ?? [])],
        scope,
        grant_types: grantTypes,
        response_types: dto.response_types ? [...dto.response_types] : undefined,
        contacts: [...new Set<string>(dto.contacts ?? [])],
        token_endpoint_auth_method: dto.token_endpoint_auth_method,
        code_challenge_method: dto.code_challenge_method ?? undefined,
        // :71-83: a validity is taken only when positive (refresh: also 0, "no expiry"); else the default (:231-234).
        access_token_validity_seconds: positive(dto.access_token_validity_seconds) ? dto.access_token_validity_seconds : clientDefaults.accessTokenSeconds,
        refresh_token_validity_seconds: typeof dto.refresh_token_validity_seconds === "number" && dto.refresh_token_validity_seconds >= 0 ? dto.refresh_token_validity_seconds : clientDefaults.refreshTokenSeconds,
        id_token_validity_seconds: positive(dto.id_token_validity_seconds) ? dto.id_token_validity_seconds : clientDefaults.idTokenSeconds,
        device_code_validity_seconds: positive(dto.device_code_validity_seconds) ? dto.device_code_validity_seconds : clientDefaults.deviceCodeSeconds,
        // :85-87,99: primitive booleans in the DTO (:204,211,215,219), so absent is false.
        allow_introspection: dto.allow_introspection === true,
        reuse_refresh_token: dto.reuse_refresh_token === true,
        clear_access_tokens_on_refresh: dto.clear_access_tokens_on_refresh === true,
        require_auth_time: dto.require_auth_time === true,
        dynamically_registered: false,
        active: true,
        created_at: new Date().toISOString(),
    };
}

/** DefaultClientDefaultsService.generateClientSecret (:95-100): base64url of 512 random bits, no padding. */
const generatedSecret = () => randomBytes(64).toString("base64url");

/**
 * POST: LS/api/client/management/service/DefaultClientManagementService.java:119-132 with
 * DefaultClientDefaultsService.setupClientDefaults (:52-93): a caller's client_id and secret
 * are kept, a secret is made only when absent, and introspection is always allowed.
 */
export function newClient(dto: ClientRequest): ClientEntity {
    const entity = entityFromRequest(dto);
    entity.client_id ??= randomUUID();
    entity.allow_introspection = true;
    if (entity.client_secret === null && methodsWithSecret.has(entity.token_endpoint_auth_method!)) entity.client_secret = generatedSecret();
    return entity;
}

/**
 * PUT: DefaultClientManagementService.java:163-189. The client is rebuilt from the request; only
 * its ID, creation time, authorities, registration kind and status are kept. A request without
 * client_secret saves none: IAM generates one, but puts it on the request after the client was
 * built from it (:182-184).
 */
export function updatedClient(old: ClientEntity, dto: ClientRequest): ClientEntity {
    const entity = entityFromRequest(dto);
    entity.client_id = old.client_id;
    entity.created_at = old.created_at;
    entity.dynamically_registered = old.dynamically_registered;
    entity.active = old.active;
    if (entity.token_endpoint_auth_method === "none") entity.client_secret = null;
    return entity;
}

/** Jackson's NON_EMPTY (DTO :54-55): no null, empty string or empty list. */
function nonEmpty(dto: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(Object.entries(dto).filter(([, v]) => v !== undefined && v !== null && v !== "" && !(Array.isArray(v) && v.length === 0)));
}

/** GET: converter registeredClientDtoFromEntity (:106-173), scope as one space-separated string (CollectionAsStringSerializer). */
export function dtoFromEntity(e: ClientEntity, registrationBaseUrl: string): Record<string, unknown> {
    return nonEmpty({
        client_id: e.client_id,
        client_secret: e.client_secret,
        client_name: e.client_name,
        contacts: e.contacts,
        grant_types: e.grant_types,
        jwks_uri: e.jwks_uri,
        redirect_uris: e.redirect_uris,
        token_endpoint_auth_method: e.token_endpoint_auth_method ?? "none",
        scope: e.scope.join(" "),
        tos_uri: e.tos_uri,
        created_at: e.created_at,
        access_token_validity_seconds: e.access_token_validity_seconds,
        allow_introspection: e.allow_introspection,
        clear_access_tokens_on_refresh: e.clear_access_tokens_on_refresh,
        client_description: e.client_description,
        client_uri: e.client_uri,
        device_code_validity_seconds: e.device_code_validity_seconds,
        dynamically_registered: e.dynamically_registered,
        id_token_validity_seconds: e.id_token_validity_seconds,
        jwk: e.jwk,
        policy_uri: e.policy_uri,
        refresh_token_validity_seconds: e.refresh_token_validity_seconds,
        response_types: e.response_types,
        reuse_refresh_token: e.reuse_refresh_token,
        registration_client_uri: e.dynamically_registered ? `${registrationBaseUrl}/${e.client_id}` : undefined,
        code_challenge_method: e.code_challenge_method,
        require_auth_time: e.require_auth_time ?? false,
        active: e.active,
    });
}

// INDIGO IAM's client APIs, as the IamClient dynamic provider uses them: discovery, the client
// registration API (RFC 7591/7592, with a registration access token) and the admin client API
// (/iam/api/clients, with a client_credentials token holding iam:admin.write). Every call retries
// network errors and 5xx with exponential backoff and jitter, honours Retry-After on 429, and
// gives up with a clear error after a bounded time (components/http/retrying-request.ts). No
// error message carries a request body, so no secret can reach a log.
import { backoffMs, defaultRetry, sendWithRetry, type HttpAnswer, type RetryPolicy, type Service } from "../http/retrying-request";
import { adminPutBody } from "./admin-put-body";

export { defaultRetry, type RetryPolicy };

/** An answer that is final: a 4xx other than 429, with IAM's error text. */
export class IamRequestError extends Error {
    constructor(
        readonly method: string,
        readonly path: string,
        readonly status: number,
        detail: string,
    ) {
        super(`IAM refused ${method} ${path}: HTTP ${status}${detail ? `: ${detail}` : ""}`);
    }
}

/** A request whose outcome is unknown: it may have reached IAM (a timeout, a reset connection). */
export class IamAmbiguousError extends Error {}

export interface Response {
    readonly status: number;
    readonly body: any;
}

interface Request {
    readonly method: "GET" | "POST" | "PUT" | "DELETE";
    readonly url: string;
    readonly token?: string;
    readonly basic?: { readonly user: string; readonly password: string };
    readonly json?: unknown;
    readonly form?: Record<string, string>;
    /** Statuses that are answers, not errors (404 for a read). */
    readonly accept?: readonly number[];
    /** Retry a request that may have reached IAM (only for requests that are safe to repeat). */
    readonly repeatable: boolean;
    /** Count a 5xx answer as "may have happened" too, for a caller that can check before repeating. */
    readonly uncertainOn5xx?: boolean;
    /** PEM certificates of a private CA, trusted besides the public roots. */
    readonly ca?: readonly string[];
}

/** IAM's error text: `{"error": msg}` or the OAuth `{error, error_description}`. */
function errorText(body: any): string {
    if (body && typeof body === "object") return [body.error, body.error_description].filter(Boolean).join(": ").slice(0, 300);
    return typeof body === "string" ? body.slice(0, 300) : "";
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * HTTP Basic as IAM reads it: Base64 of the raw `id:secret`, split at the first ':', with no
 * url-decoding (Spring Security's BasicAuthenticationConverter), so nothing is url-encoded here.
 * An ID with ':' would be split in the wrong place.
 */
export function basicAuthorization(user: string, password: string): string {
    if (user.includes(":")) {
        throw new Error(`The IAM client ID "${user}" contains ':', which HTTP Basic authentication cannot carry (IAM splits the credentials at the first ':'); use a client ID without ':'`);
    }
    return `Basic ${Buffer.from(`${user}:${password}`, "utf8").toString("base64")}`;
}

/** JSON when the answer is JSON, else its text (kept for the error message). */
function parsed(text: string): any {
    try {
        return text ? JSON.parse(text) : undefined;
    } catch {
        return text;
    }
}

const iam: Service = {
    name: "IAM",
    refused: (method, path, answer) => new IamRequestError(method, path, answer.status, errorText(parsed(answer.text))),
    detail: (answer: HttpAnswer) => errorText(parsed(answer.text)),
    ambiguous: (message) => new IamAmbiguousError(message),
};

export async function send(req: Request, policy: RetryPolicy = defaultRetry): Promise<Response> {
    const basic = req.basic ? basicAuthorization(req.basic.user, req.basic.password) : undefined;
    const headers: Record<string, string> = { accept: "application/json" };
    let body: string | undefined;
    if (req.token) headers.authorization = `Bearer ${req.token}`;
    if (basic) headers.authorization = basic;
    if (req.json !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(req.json);
    } else if (req.form) {
        headers["content-type"] = "application/x-www-form-urlencoded";
        body = new URLSearchParams(req.form).toString();
    }
    const answer = await sendWithRetry({ method: req.method, url: req.url, headers, body, accept: req.accept, repeatable: req.repeatable, uncertainOn5xx: req.uncertainOn5xx, ca: req.ca }, policy, iam);
    return { status: answer.status, body: parsed(answer.text) };
}

export interface Discovery {
    readonly issuer: string;
    readonly tokenEndpoint: string;
    readonly registrationEndpoint?: string;
    /** Where IAM's own APIs live: the issuer URL without its trailing slash. */
    readonly base: string;
}

export async function discover(issuer: string, policy?: RetryPolicy, ca?: readonly string[]): Promise<Discovery> {
    const base = issuer.replace(/\/+$/, "");
    const { body } = await send({ method: "GET", url: `${base}/.well-known/openid-configuration`, repeatable: true, ca }, policy);
    return { issuer: body.issuer, tokenEndpoint: body.token_endpoint, registrationEndpoint: body.registration_endpoint, base };
}

/** An access token for IAM's admin API, from the admin client's client credentials. */
export async function adminToken(d: Discovery, admin: { clientId: string; clientSecret: string }, policy?: RetryPolicy): Promise<string> {
    const { body } = await send(
        { method: "POST", url: d.tokenEndpoint, basic: { user: admin.clientId, password: admin.clientSecret }, form: { grant_type: "client_credentials", scope: "iam:admin.read iam:admin.write" }, repeatable: true },
        policy,
    );
    return body.access_token;
}

/** Client metadata as IAM's JSON has it (snake_case; scope one space-separated string). */
export interface ClientMetadata {
    readonly client_name: string;
    readonly redirect_uris: readonly string[];
    readonly grant_types: readonly string[];
    readonly scope: string;
    readonly token_endpoint_auth_method: string;
    readonly response_types: readonly string[];
}

export interface RegisteredClient {
    readonly clientId: string;
    readonly clientSecret: string;
    readonly registrationAccessToken?: string;
    readonly registrationClientUri?: string;
    readonly metadata: ClientMetadata;
}

function asMetadata(body: any): ClientMetadata {
    return {
        client_name: body.client_name ?? "",
        redirect_uris: body.redirect_uris ?? [],
        grant_types: body.grant_types ?? [],
        scope: body.scope ?? "",
        token_endpoint_auth_method: body.token_endpoint_auth_method ?? "client_secret_basic",
        response_types: body.response_types ?? [],
    };
}

// Plain functions calling each other by name: a dynamic provider is serialized with the
// functions it reaches, and a call through an exported object would not survive that.

async function registrationCreate(d: Discovery, metadata: ClientMetadata, policy?: RetryPolicy): Promise<RegisteredClient> {
    if (!d.registrationEndpoint) throw new Error(`${d.issuer} does not offer client registration (no registration_endpoint in its discovery document)`);
    // Not repeated when it may have reached IAM: an anonymous registrant cannot find the client again.
    const { body } = await send({ method: "POST", url: d.registrationEndpoint, json: metadata, repeatable: false }, policy);
    return { clientId: body.client_id, clientSecret: body.client_secret, registrationAccessToken: body.registration_access_token, registrationClientUri: body.registration_client_uri, metadata: asMetadata(body) };
}

/**
 * IAM refused the registration access token: 401 for a token it does not know, 400 for one that
 * is not this client's. Deleting a client in IAM deletes its tokens, so this is also how a
 * client deleted behind the program's back looks; but the token may as well have been revoked
 * or replaced while the client lives on, so it is not taken for gone.
 */
function refusedRegistrationToken(method: string, uri: string, status: number, clientId: string): Error {
    return new Error(
        `IAM refused the registration access token of client ${clientId} (HTTP ${status} on ${method} ${new URL(uri).pathname}): ` +
            `the client may have been deleted in IAM, which deletes its tokens too, or its token revoked or replaced. ` +
            `Check in IAM whether client ${clientId} exists; if it does, an IAM administrator has to delete it. ` +
            `Then remove this resource from the stack (pulumi state delete with its URN, which pulumi stack --show-urns lists); pulumi up then registers a new client if the site needs one.`,
    );
}

/** The client, or undefined when it is gone (404); a refused token is an error. */
async function registrationRead(uri: string, rat: string, clientId: string, policy?: RetryPolicy): Promise<ClientMetadata | undefined> {
    const { status, body } = await send({ method: "GET", url: uri, token: rat, accept: [400, 401, 404], repeatable: true }, policy);
    if (status === 400 || status === 401) throw refusedRegistrationToken("GET", uri, status, clientId);
    return status === 200 ? asMetadata(body) : undefined;
}

/** The client as updated, and the registration access token IAM rotated, if it did. */
async function registrationUpdate(uri: string, rat: string, clientId: string, metadata: ClientMetadata, policy?: RetryPolicy): Promise<{ metadata: ClientMetadata; registrationAccessToken?: string }> {
    // PUT replaces the whole client: every field is sent.
    const { status, body } = await send({ method: "PUT", url: uri, token: rat, json: { client_id: clientId, ...metadata }, accept: [400, 401], repeatable: true }, policy);
    if (status === 400 || status === 401) throw refusedRegistrationToken("PUT", uri, status, clientId);
    // IAM replaces a token older than its configured validity, and returns the new one here; the old one then stops working.
    return { metadata: asMetadata(body), registrationAccessToken: body.registration_access_token };
}

/** Deletes the client; one already gone (404) is fine, a refused token is an error. */
async function registrationRemove(uri: string, rat: string, clientId: string, policy?: RetryPolicy): Promise<void> {
    const { status } = await send({ method: "DELETE", url: uri, token: rat, accept: [400, 401, 404], repeatable: true }, policy);
    if (status === 400 || status === 401) throw refusedRegistrationToken("DELETE", uri, status, clientId);
}

/** The client registration API: anonymous registrants, identified by their registration access token. */
export const registrationApi = { create: registrationCreate, read: registrationRead, update: registrationUpdate, remove: registrationRemove };

function adminUrl(d: Discovery, clientId?: string): string {
    return `${d.base}/iam/api/clients${clientId ? `/${encodeURIComponent(clientId)}` : ""}`;
}

/** The client as IAM's admin API holds it (every field), or undefined when it is gone. */
async function adminGet(d: Discovery, token: string, clientId: string, policy?: RetryPolicy): Promise<Record<string, unknown> | undefined> {
    const { status, body } = await send({ method: "GET", url: adminUrl(d, clientId), token, accept: [404], repeatable: true }, policy);
    return status === 200 ? body : undefined;
}

async function adminRead(d: Discovery, token: string, clientId: string, policy?: RetryPolicy): Promise<ClientMetadata | undefined> {
    const current = await adminGet(d, token, clientId, policy);
    return current && asMetadata(current);
}

/** Writes the site's fields over `current`, the client as IAM answered a GET (IAM's PUT resets what it is not sent). */
async function adminPut(d: Discovery, token: string, clientId: string, clientSecret: string, current: Record<string, unknown>, metadata: ClientMetadata, policy?: RetryPolicy): Promise<ClientMetadata> {
    const { body } = await send({ method: "PUT", url: adminUrl(d, clientId), token, json: adminPutBody(current, clientId, clientSecret, metadata), repeatable: true }, policy);
    return asMetadata(body);
}

/** Read, modify, write: what an IAM administrator tuned on the client stays. */
async function adminUpdate(d: Discovery, token: string, clientId: string, clientSecret: string, metadata: ClientMetadata, policy?: RetryPolicy): Promise<ClientMetadata> {
    const current = await adminGet(d, token, clientId, policy);
    if (!current) throw new Error(`IAM has no client ${clientId} any more (HTTP 404 on GET ${new URL(adminUrl(d, clientId)).pathname}): run pulumi refresh, and pulumi up creates it again`);
    return adminPut(d, token, clientId, clientSecret, current, metadata, policy);
}

/** Creates the client, or takes over the one an earlier attempt made: never a second one. */
async function adminEnsure(d: Discovery, token: string, clientId: string, clientSecret: string, metadata: ClientMetadata, policy: RetryPolicy = defaultRetry): Promise<ClientMetadata> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
        const current = await adminGet(d, token, clientId, policy);
        if (current) return adminPut(d, token, clientId, clientSecret, current, metadata, policy);
        try {
            const { body } = await send(
                { method: "POST", url: adminUrl(d), token, json: { client_id: clientId, client_secret: clientSecret, ...metadata }, repeatable: false, uncertainOn5xx: true },
                policy,
            );
            return asMetadata(body);
        } catch (err) {
            // A create that may have reached IAM is settled by looking for the client before trying again.
            if (!(err instanceof IamAmbiguousError)) throw err;
            if (Date.now() - started > policy.deadlineMs) {
                throw new Error(`IAM did not create client ${clientId} within ${Math.round(policy.deadlineMs / 1000)} s; last: ${err.message}`);
            }
            await sleep(backoffMs(policy, attempt));
        }
    }
}

async function adminRemove(d: Discovery, token: string, clientId: string, policy?: RetryPolicy): Promise<void> {
    await send({ method: "DELETE", url: adminUrl(d, clientId), token, accept: [404], repeatable: true }, policy);
}

/** The admin client API: clients with an ID and secret chosen here, so a lost create is found again. */
export const adminApi = { url: adminUrl, read: adminRead, ensure: adminEnsure, update: adminUpdate, remove: adminRemove };

/** Scopes asked for that the client did not get (IAM drops restricted scopes without an error). */
export function missingScopes(asked: string, granted: string): string[] {
    const got = new Set(granted.split(/\s+/).filter(Boolean));
    return asked.split(/\s+/).filter((s) => s && !got.has(s));
}

// Rucio's REST API, as the RSE registration uses it. A session logs in once (userpass, or a
// client-credentials token from IAM), or is given a ready token (a bearer session, for a check
// that got its own), and keeps its token until it expires; every request is retried as
// components/http/retrying-request.ts does it, as its policy says. Rucio answers errors as JSON
// {ExceptionClass, ExceptionMessage}: messages here carry the class and a trimmed message, with
// every credential of the session cut out, and never a request header or body.
//
// Routes are the same in Rucio 40 (the target, rucio@40.4.1) and 1.31 (the test server,
// rucio@1.31.7) unless a comment says otherwise; paths are lib/rucio/web/rest/flaskapi/v1/*.py.
import type { LookupFunction } from "node:net";
import { basicAuthorization, discover } from "../identity/iam-api";
import { defaultRetry, headerOf, sendWithRetry, type HttpAnswer, type OneRequest, type RetryPolicy, type Service } from "../http/retrying-request";
import type { RucioAuth, RucioServerSpec } from "./rse-registration";

export { defaultRetry, type RetryPolicy };

/** A final answer from Rucio: a 4xx other than 429 that the caller did not expect. */
export class RucioRequestError extends Error {
    constructor(
        message: string,
        readonly status: number,
        readonly exceptionClass: string,
    ) {
        super(message);
    }
}

/** A request whose outcome is unknown (it may have reached Rucio). */
export class RucioAmbiguousError extends Error {}

/** Rucio's error, as much of it as a message may show. */
export interface RucioError {
    readonly exceptionClass: string;
    readonly exceptionMessage: string;
}

const maxMessage = 300;

/**
 * Rucio writes float("inf") as the bare token Infinity (an account limit of -1 reads back so,
 * rucio@1.31.7:lib/rucio/core/account_limit.py:156-157), which JSON does not have. Outside
 * strings, Infinity becomes 1e999 (which JSON.parse reads as Infinity) and NaN becomes null.
 */
export function parseRucioJson(text: string): any {
    let out = "";
    let inString = false;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (inString) {
            out += c;
            if (c === "\\") out += text[++i] ?? "";
            else if (c === '"') inString = false;
        } else if (c === '"') {
            inString = true;
            out += c;
        } else if (text.startsWith("Infinity", i)) {
            out += "1e999";
            i += "Infinity".length - 1;
        } else if (text.startsWith("NaN", i)) {
            out += "null";
            i += "NaN".length - 1;
        } else {
            out += c;
        }
    }
    return JSON.parse(out);
}

/** A list endpoint's answer: one JSON value a line (try_stream in common.py), or one JSON array. */
export function parseJsonLines(text: string): any[] {
    const trimmed = text.trim();
    if (!trimmed) return [];
    if (trimmed.startsWith("[")) return parseRucioJson(trimmed);
    return trimmed.split("\n").filter((l) => l.trim()).map((l) => parseRucioJson(l));
}

/** Cuts every secret out of a text that came from a server. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
    let out = text;
    for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join("[redacted]");
    return out;
}

/** Rucio's error from an answer: the JSON body, or the ExceptionClass/ExceptionMessage headers (common.py _error_response). */
export function rucioErrorOf(answer: HttpAnswer, secrets: readonly (string | undefined)[]): RucioError {
    let body: any;
    try {
        body = answer.text ? parseRucioJson(answer.text) : undefined;
    } catch {
        body = undefined;
    }
    const header = (name: string) => {
        const v = answer.headers[name];
        return Array.isArray(v) ? v[0] : v;
    };
    const exceptionClass = String(body?.ExceptionClass ?? header("exceptionclass") ?? "");
    let exceptionMessage = String(body?.ExceptionMessage ?? header("exceptionmessage") ?? (body === undefined && !answer.text.trimStart().startsWith("<") ? answer.text : ""));
    // A failed token validation may carry a whole traceback (rucio@40.4.1:lib/rucio/core/oidc.py:999): its last line says enough.
    if (exceptionMessage.includes("Traceback (most recent call last)")) exceptionMessage = exceptionMessage.trim().split("\n").pop() ?? "";
    // One line, without a closing full stop: messages here go on after it.
    exceptionMessage = redact(exceptionMessage.replace(/\s+/g, " ").trim().replace(/\.$/, ""), secrets);
    if (exceptionMessage.length > maxMessage) exceptionMessage = `${exceptionMessage.slice(0, maxMessage)}…`;
    return { exceptionClass: redact(exceptionClass, secrets), exceptionMessage };
}

/** A Rucio error as messages name it: "<ExceptionClass>: <ExceptionMessage>", or what there is of it. */
export const describeError = (e: RucioError) => [e.exceptionClass, e.exceptionMessage].filter(Boolean).join(": ");

/** A token got elsewhere (an IAM token a check asked for), used as it is: never renewed. */
export interface BearerAuth {
    readonly method: "bearer";
    readonly token: string;
}

export interface RucioSession {
    readonly server: RucioServerSpec;
    readonly auth: RucioAuth | BearerAuth;
    readonly policy: RetryPolicy;
    /** How hostnames are looked up (a chosen DNS server); the system's when not given. */
    readonly lookup?: LookupFunction;
    /** The IAM token endpoint an oidc login uses, once discovery has named it. */
    tokenEndpoint?: string;
    /** The token in use and when it stops working (ms since the epoch). */
    token?: { readonly value: string; readonly expiresAt: number };
    /** Every credential the session has held: cut out of every message. */
    readonly secrets: string[];
}

export function rucioSession(server: RucioServerSpec, auth: RucioAuth, policy: RetryPolicy = defaultRetry): RucioSession {
    return { server, auth, policy, secrets: auth.method === "userpass" ? [auth.password] : [auth.clientSecret] };
}

/** A session that sends `token` as it is, with no login of its own. */
export function bearerSession(server: RucioServerSpec, token: string, policy: RetryPolicy = defaultRetry, lookup?: LookupFunction): RucioSession {
    return { server, auth: { method: "bearer", token }, policy, ...(lookup ? { lookup } : {}), secrets: [token] };
}

const trimSlash = (url: string) => url.replace(/\/+$/, "");

/** Who is logging in, for messages: never a secret. */
function whoLogsIn(auth: RucioAuth | BearerAuth): string {
    if (auth.method === "bearer") return "the given token";
    return auth.method === "userpass" ? `Rucio account ${auth.account} (userpass, username ${auth.username})` : `IAM client ${auth.clientId}${auth.account ? ` for Rucio account ${auth.account}` : ""}`;
}

function service(s: RucioSession, name = "Rucio"): Service {
    return {
        name,
        refused: (method, path, answer) => {
            const e = rucioErrorOf(answer, s.secrets);
            return new RucioRequestError(`${name} refused ${method} ${path}: HTTP ${answer.status}${describeError(e) ? ` ${describeError(e)}` : ""}`, answer.status, e.exceptionClass);
        },
        detail: (answer) => describeError(rucioErrorOf(answer, s.secrets)),
        ambiguous: (message) => new RucioAmbiguousError(message),
    };
}

/** A token lifetime for an answer that does not say: a userpass token lives 1 hour (rucio@40.4.1:lib/rucio/core/authentication.py:116). */
const assumedTokenSeconds = 3600;
/** A token this close to its end is renewed before use. */
const renewBeforeMs = 60_000;

/** Rucio's X-Rucio-Auth-Token-Expires, '%a, %d %b %Y %H:%M:%S UTC' (rucio@40.4.1:lib/rucio/common/utils.py:102). */
export function tokenExpiry(header: string | undefined, now = Date.now()): number {
    const parsed = header ? Date.parse(header.replace(/ UTC$/, " GMT")) : NaN;
    return Number.isFinite(parsed) ? parsed : now + assumedTokenSeconds * 1000;
}

/**
 * userpass: GET {authUrl}/auth/userpass with X-Rucio-Account/-Username/-Password; the token is in
 * the X-Rucio-Auth-Token answer header, its end in X-Rucio-Auth-Token-Expires
 * (rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/auth.py:184-228, rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/auth.py:175-222).
 */
async function loginUserpass(s: RucioSession, auth: Extract<RucioAuth, { method: "userpass" }>): Promise<{ value: string; expiresAt: number }> {
    const url = `${trimSlash(s.server.authUrl)}/auth/userpass`;
    const answer = await sendWithRetry(
        { method: "GET", url, headers: { "X-Rucio-Account": auth.account, "X-Rucio-Username": auth.username, "X-Rucio-Password": auth.password, accept: "application/octet-stream" }, accept: [401, 403], repeatable: true, ca: s.server.caCertificates, lookup: s.lookup },
        s.policy,
        service(s),
    );
    const token = headerOf(answer, "X-Rucio-Auth-Token");
    if (answer.status !== 200 || !token) {
        const e = rucioErrorOf(answer, s.secrets);
        throw new Error(`Rucio at ${url} refused the login of ${whoLogsIn(auth)}: HTTP ${answer.status}${describeError(e) ? ` ${describeError(e)}` : ""}; check the account, username and password in the stack's secrets`);
    }
    return { value: token, expiresAt: tokenExpiry(headerOf(answer, "X-Rucio-Auth-Token-Expires")) };
}

/** A client_credentials grant at an IAM token endpoint: who asks, for what. */
export interface ClientCredentials {
    readonly tokenUrl: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly scope?: string;
    readonly audience?: string;
}

/** What the token endpoint answered: the token, or IAM's OAuth error (secrets cut out). */
export interface ClientCredentialsAnswer {
    readonly status: number;
    readonly token?: string;
    /** The scope IAM granted, when it says. */
    readonly scope?: string;
    readonly expiresIn?: number;
    /** IAM's `error: error_description`, when it gave no token. */
    readonly error: string;
}

/**
 * POST of the grant to the token endpoint, through `send` (with retries or a single attempt, as
 * the caller needs): HTTP Basic as IAM reads it, scope and audience as form parameters. `secrets`
 * are cut out of IAM's error text.
 */
export async function clientCredentialsGrant(c: ClientCredentials, send: (req: OneRequest) => Promise<HttpAnswer>, secrets: readonly string[]): Promise<ClientCredentialsAnswer> {
    const form: Record<string, string> = { grant_type: "client_credentials" };
    if (c.scope) form.scope = c.scope;
    if (c.audience) form.audience = c.audience;
    const answer = await send({
        method: "POST",
        url: c.tokenUrl,
        headers: { authorization: basicAuthorization(c.clientId, c.clientSecret), "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams(form).toString(),
    });
    let body: any;
    try {
        body = JSON.parse(answer.text);
    } catch {
        body = undefined;
    }
    if (answer.status === 200 && typeof body?.access_token === "string") {
        return { status: answer.status, token: body.access_token, scope: typeof body.scope === "string" ? body.scope : undefined, expiresIn: typeof body.expires_in === "number" ? body.expires_in : undefined, error: "" };
    }
    return { status: answer.status, error: redact([body?.error, body?.error_description].filter(Boolean).join(": "), [...secrets, c.clientSecret]).slice(0, maxMessage) };
}

/**
 * oidc: a client_credentials token from IAM's token endpoint, sent to Rucio as X-Rucio-Auth-Token.
 * Rucio takes a JWT it does not know (three dot-separated parts), checks its signature against the
 * issuers of its idpsecrets, its scope and audience against [oidc] expected_scope and
 * expected_audience, and maps its identity "SUB=<sub>, ISS=<iss>" to that identity's default
 * account (rucio@40.4.1:lib/rucio/core/authentication.py:520-531,
 * rucio@40.4.1:lib/rucio/core/oidc.py:855-892 and 933-999). No Rucio auth endpoint is involved.
 */
async function loginOidc(s: RucioSession, auth: Extract<RucioAuth, { method: "oidc" }>): Promise<{ value: string; expiresAt: number }> {
    // IAM's discovery names its token endpoint (indigo-iam@v1.12.0:iam-login-service/src/main/java/
    // it/infn/mw/iam/core/web/wellknown/IamWellKnownInfoProvider.java:128,175). A site whose Rucio
    // has a private CA's certificate has its IAM behind the same CA.
    s.tokenEndpoint ??= (await discover(auth.issuer, s.policy, s.server.caCertificates)).tokenEndpoint;
    const grant = await clientCredentialsGrant(
        { tokenUrl: s.tokenEndpoint, clientId: auth.clientId, clientSecret: auth.clientSecret, scope: auth.scope, audience: auth.audience },
        // A token request changes nothing: asking again is safe.
        (req) => sendWithRetry({ ...req, accept: [400, 401, 403], repeatable: true, ca: s.server.caCertificates, lookup: s.lookup }, s.policy, service(s, "IAM")),
        s.secrets,
    );
    if (!grant.token) {
        throw new Error(`IAM's token endpoint ${s.tokenEndpoint} refused a client_credentials token to ${whoLogsIn(auth)}: HTTP ${grant.status}${grant.error ? ` ${grant.error}` : ""}; check the client's ID and secret in the stack's secrets and that it may use client_credentials`);
    }
    return { value: grant.token, expiresAt: Date.now() + (grant.expiresIn ?? assumedTokenSeconds) * 1000 };
}

/**
 * The account Rucio gives a token: GET /accounts/whoami answers a redirect to /accounts/<account>
 * (accounts.py AccountParameter.get, the same in both releases).
 */
async function whoami(s: RucioSession, token: string): Promise<HttpAnswer> {
    return sendWithRetry(
        { method: "GET", url: `${trimSlash(s.server.serverUrl)}/accounts/whoami`, headers: { "X-Rucio-Auth-Token": token, accept: "application/json" }, accept: [302, 303, 401], repeatable: true, ca: s.server.caCertificates, lookup: s.lookup },
        s.policy,
        service(s),
    );
}

/**
 * An IAM token Rucio takes is checked at once, so that a token Rucio cannot validate, or one that
 * maps to another account than the configured one, fails here with the reason.
 */
/**
 * The account a whoami redirect names: its Location's last segment (the account name alone, a
 * relative redirect; <front end>/accounts/<account> when 1.31 is asked through a front end:
 * rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/accounts.py:339-341, rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/accounts.py:330-335).
 */
export function accountOfWhoami(location: string | undefined): string | undefined {
    if (!location) return undefined;
    const last = new URL(location, "http://rucio.invalid/accounts/whoami").pathname.replace(/\/+$/, "").split("/").pop();
    return last ? decodeURIComponent(last) : undefined;
}

async function checkOidcToken(s: RucioSession, auth: Extract<RucioAuth, { method: "oidc" }>, token: string): Promise<void> {
    const answer = await whoami(s, token);
    if (answer.status === 401) throw refusedToken(s, "GET", "/accounts/whoami", answer, token);
    const account = accountOfWhoami(headerOf(answer, "location"));
    if (auth.account && account !== auth.account) {
        throw new Error(`Rucio at ${trimSlash(s.server.serverUrl)} maps the token of ${whoLogsIn(auth)}${jwtIdentity(token) ? ` (${jwtIdentity(token)})` : ""} to account ${account || "(none)"}, not ${auth.account}: map the client's identity to ${auth.account} in Rucio`);
    }
}

/** The session's token, logging in when it has none or it is about to end. */
export async function rucioToken(s: RucioSession): Promise<string> {
    if (s.auth.method === "bearer") return s.auth.token;
    if (!s.token || s.token.expiresAt - renewBeforeMs < Date.now()) {
        s.token = undefined;
        const token = s.auth.method === "userpass" ? await loginUserpass(s, s.auth) : await loginOidc(s, s.auth);
        s.secrets.push(token.value);
        if (s.auth.method === "oidc") await checkOidcToken(s, s.auth, token.value);
        s.token = token;
    }
    return s.token.value;
}

/**
 * The identity Rucio maps a JWT by, "SUB=<sub>, ISS=<iss>" (oidc_identity_string,
 * rucio@40.4.1:lib/rucio/core/oidc.py:1002-1010), read from the token without checking it (who
 * Rucio takes it for, not a secret), for a message about a token Rucio refused or mapped;
 * undefined for a token that is not a JWT.
 */
export function jwtIdentity(token: string): string | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    try {
        const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
        return typeof claims.sub === "string" && typeof claims.iss === "string" ? `SUB=${claims.sub}, ISS=${claims.iss}` : undefined;
    } catch {
        return undefined;
    }
}

function refusedToken(s: RucioSession, method: string, path: string, answer: HttpAnswer, token: string): Error {
    const e = rucioErrorOf(answer, s.secrets);
    const auth = s.auth;
    const hint =
        auth.method === "userpass"
            ? "the token Rucio gave at login was refused"
            : `Rucio refuses a token it cannot validate: its [oidc] configuration must trust the token's issuer, expect its scope and audience, and map its identity${jwtIdentity(token) ? ` (${jwtIdentity(token)})` : ""} to an account`;
    const authAt = auth.method === "userpass" ? `${trimSlash(s.server.authUrl)}/auth/userpass` : auth.method === "oidc" ? s.tokenEndpoint : undefined;
    return new RucioRequestError(
        `Rucio at ${trimSlash(s.server.serverUrl)} did not accept the credentials of ${whoLogsIn(auth)}${authAt ? ` (auth at ${authAt})` : ""} on ${method} ${path}: HTTP ${answer.status}${describeError(e) ? ` ${describeError(e)}` : ""}; ${hint}`,
        answer.status,
        e.exceptionClass,
    );
}

export interface RucioAnswer {
    readonly status: number;
    readonly text: string;
    /** Rucio's error, for a status the caller accepted. */
    readonly error?: RucioError;
}

export interface RucioCall {
    readonly json?: unknown;
    /** Statuses that are answers, not errors (404 for a read, 409 for a create that may exist). */
    readonly accept?: readonly number[];
    /** A list Rucio streams (try_stream): it answers only Accept: application/x-json-stream (check_accept_header_wrapper_flask). */
    readonly stream?: boolean;
}

/**
 * One request to the server with the session's token. Every call is safe to repeat: creates
 * either overwrite or answer 409, which the caller settles. A 401 for a token the session had
 * kept logs in again, once.
 */
export async function rucioCall(s: RucioSession, method: "GET" | "POST" | "PUT" | "DELETE", path: string, call: RucioCall = {}): Promise<RucioAnswer> {
    const url = `${trimSlash(s.server.serverUrl)}${path}`;
    const send = async (token: string) =>
        sendWithRetry(
            {
                method,
                url,
                headers: { "X-Rucio-Auth-Token": token, accept: call.stream ? "application/x-json-stream" : "application/json", ...(call.json !== undefined ? { "content-type": "application/json" } : {}) },
                body: call.json !== undefined ? JSON.stringify(call.json) : undefined,
                accept: [...(call.accept ?? []), 401],
                repeatable: true,
                ca: s.server.caCertificates,
                lookup: s.lookup,
            },
            s.policy,
            service(s),
        );
    const kept = s.token !== undefined;
    let token = await rucioToken(s);
    let answer = await send(token);
    if (answer.status === 401 && !call.accept?.includes(401) && kept) {
        // The kept token may have ended early (revoked, or the server's database replaced): one new login.
        s.token = undefined;
        token = await rucioToken(s);
        answer = await send(token);
    }
    if (answer.status === 401 && !call.accept?.includes(401)) throw refusedToken(s, method, new URL(url).pathname, answer, token);
    const ok = answer.status >= 200 && answer.status < 300;
    return { status: answer.status, text: answer.text, error: ok ? undefined : rucioErrorOf(answer, s.secrets) };
}

/** Path segments are names chosen by people: encoded. */
export const seg = (v: string | number) => encodeURIComponent(String(v));

/** The JSON of an answer (Infinity allowed). */
export const jsonOf = (a: RucioAnswer): any => (a.text.trim() ? parseRucioJson(a.text) : undefined);

/** An answer the caller did not expect: an error naming what was asked and what Rucio said. */
export function unexpected(what: string, a: RucioAnswer): Error {
    const e = a.error;
    return new RucioRequestError(`Rucio refused to ${what}: HTTP ${a.status}${e && describeError(e) ? ` ${describeError(e)}` : ""}`, a.status, e?.exceptionClass ?? "");
}

// ---- The calls the RSE registration makes -------------------------------------------------

/** An RSE's own properties, as GET /rses/{rse} answers them (rses.py RSE.get). */
export interface RseProperties {
    readonly deterministic: boolean;
    readonly rseType: string;
    readonly volatile: boolean;
}

/** The RSE, or undefined when Rucio has none of that name (404 RSENotFound; a deleted RSE reads so too). */
export async function getRse(s: RucioSession, rse: string): Promise<RseProperties | undefined> {
    const a = await rucioCall(s, "GET", `/rses/${seg(rse)}`, { accept: [404] });
    if (a.status === 404) {
        if (a.error?.exceptionClass === "RSENotFound") return undefined;
        throw unexpected(`read RSE ${rse}`, a);
    }
    const body = jsonOf(a);
    return { deterministic: body.deterministic, rseType: String(body.rse_type), volatile: body.volatile };
}

/** POST /rses/{rse}: true when made, false when Rucio already has (or had) that name (409 Duplicate). */
export async function addRse(s: RucioSession, rse: string, props: RseProperties): Promise<boolean> {
    const a = await rucioCall(s, "POST", `/rses/${seg(rse)}`, { json: { deterministic: props.deterministic, rse_type: props.rseType, volatile: props.volatile }, accept: [409] });
    return a.status !== 409;
}

/** PUT /rses/{rse} with the properties Rucio lets change (MUTABLE_RSE_PROPERTIES, rucio@40.4.1:lib/rucio/core/rse.py:1785-1803). */
export async function updateRse(s: RucioSession, rse: string, props: Partial<RseProperties>): Promise<void> {
    const json: Record<string, unknown> = {};
    if (props.deterministic !== undefined) json.deterministic = props.deterministic;
    if (props.volatile !== undefined) json.volatile = props.volatile;
    if (props.rseType !== undefined) json.rse_type = props.rseType;
    await rucioCall(s, "PUT", `/rses/${seg(rse)}`, { json });
}

/** The RSE's bytes as Rucio counts them (the "rucio" usage source, which del_rse checks: rucio@40.4.1:lib/rucio/core/rse.py:547). */
export async function rseUsedBytes(s: RucioSession, rse: string): Promise<number> {
    const a = await rucioCall(s, "GET", `/rses/${seg(rse)}/usage?source=rucio`, { accept: [404], stream: true });
    if (a.status === 404) return 0;
    return parseJsonLines(a.text).reduce((sum, u) => sum + (Number(u?.used) || 0), 0);
}

/** Why Rucio refuses to delete an RSE that holds data (del_rse raises RSEOperationNotSupported, answered as 404: rses.py RSE.delete). */
export function notEmptyError(rse: string, detail: string): Error {
    return new Error(
        `Rucio refuses to delete RSE ${rse}: it is not empty (${detail}). Rucio deletes only an RSE that holds no replicas; remove its rules and replicas first (the reaper deletes them), or keep the RSE and remove it from the stack with pulumi state delete`,
    );
}

/** DELETE /rses/{rse}; an RSE already gone is fine. */
export async function deleteRse(s: RucioSession, rse: string): Promise<void> {
    const a = await rucioCall(s, "DELETE", `/rses/${seg(rse)}`, { accept: [404] });
    if (a.status !== 404 || a.error?.exceptionClass === "RSENotFound") return;
    if (a.error?.exceptionClass === "RSEOperationNotSupported") throw notEmptyError(rse, a.error.exceptionMessage);
    throw unexpected(`delete RSE ${rse}`, a);
}

/** A protocol as Rucio's JSON has it (rucio@40.4.1:lib/rucio/core/rse.py:1604-1627). */
export interface RucioProtocol {
    readonly scheme: string;
    readonly hostname: string;
    readonly port: number;
    readonly prefix: string;
    readonly impl: string;
    readonly domains: { readonly lan: Record<string, number>; readonly wan: Record<string, number> };
    readonly extended_attributes?: unknown;
}

/** GET /rses/{rse}/protocols: the list; none is 404 RSEProtocolNotSupported, an empty list here. */
export async function listProtocols(s: RucioSession, rse: string): Promise<RucioProtocol[]> {
    const a = await rucioCall(s, "GET", `/rses/${seg(rse)}/protocols`, { accept: [404] });
    if (a.status === 404) {
        if (a.error?.exceptionClass === "RSEProtocolNotSupported") return [];
        throw unexpected(`list the protocols of RSE ${rse}`, a);
    }
    return jsonOf(a) ?? [];
}

/** The body Rucio takes for a protocol; third-party-copy priorities exist in the wan domain only. */
function protocolBody(p: Omit<RucioProtocol, "scheme">): Record<string, unknown> {
    return { hostname: p.hostname, port: p.port, prefix: p.prefix, impl: p.impl, domains: p.domains, ...(p.extended_attributes !== undefined ? { extended_attributes: p.extended_attributes } : {}) };
}

/** POST /rses/{rse}/protocols/{scheme}: true when made, false when one exists at that scheme, hostname and port (409 Duplicate). */
export async function addProtocol(s: RucioSession, rse: string, p: RucioProtocol): Promise<boolean> {
    const a = await rucioCall(s, "POST", `/rses/${seg(rse)}/protocols/${seg(p.scheme)}`, { json: protocolBody(p), accept: [409] });
    if (a.status === 409 && a.error?.exceptionClass !== "Duplicate") throw unexpected(`add the ${p.scheme} protocol to RSE ${rse}`, a);
    return a.status !== 409;
}

/**
 * PUT /rses/{rse}/protocols/{scheme}/{hostname}/{port}. Rucio 1.31 takes a priority in an update
 * only from 0 to the number of the RSE's protocols (rucio@1.31.7:lib/rucio/core/rse.py:1331-1339),
 * Rucio 40 any one from 0 (rucio@40.4.1:lib/rucio/core/rse.py:1690-1693); false when it refuses
 * one (409 RSEProtocolPriorityError), for the caller to make the protocol anew.
 */
export async function updateProtocol(s: RucioSession, rse: string, p: RucioProtocol): Promise<boolean> {
    const { prefix, impl, domains, extended_attributes } = p;
    const json: Record<string, unknown> = { prefix, impl, domains, extended_attributes: extended_attributes ?? null };
    const a = await rucioCall(s, "PUT", `/rses/${seg(rse)}/protocols/${seg(p.scheme)}/${seg(p.hostname)}/${seg(p.port)}`, { json, accept: [409] });
    if (a.status === 409 && a.error?.exceptionClass !== "RSEProtocolPriorityError") throw unexpected(`update the ${p.scheme} protocol of RSE ${rse}`, a);
    return a.status !== 409;
}

/** DELETE /rses/{rse}/protocols/{scheme}/{hostname}/{port}; one already gone is fine. */
export async function deleteProtocol(s: RucioSession, rse: string, p: Pick<RucioProtocol, "scheme" | "hostname" | "port">): Promise<void> {
    const a = await rucioCall(s, "DELETE", `/rses/${seg(rse)}/protocols/${seg(p.scheme)}/${seg(p.hostname)}/${seg(p.port)}`, { accept: [404] });
    if (a.status === 404 && !["RSEProtocolNotSupported", "RSENotFound"].includes(a.error?.exceptionClass ?? "")) throw unexpected(`delete the ${p.scheme} protocol of RSE ${rse}`, a);
}

/** GET /rses/{rse}/attr/ (the trailing slash is the route). Values come back typed: booleans as booleans, the rest as strings. */
export async function listAttributes(s: RucioSession, rse: string): Promise<Record<string, unknown>> {
    return jsonOf(await rucioCall(s, "GET", `/rses/${seg(rse)}/attr/`)) ?? {};
}

/** POST /rses/{rse}/attr/{key} {"value": v}: creates or overwrites (session.merge, rucio@40.4.1:lib/rucio/core/rse.py:868-875). */
export async function setAttribute(s: RucioSession, rse: string, key: string, value: string | number | boolean): Promise<void> {
    await rucioCall(s, "POST", `/rses/${seg(rse)}/attr/${seg(key)}`, { json: { value } });
}

/** DELETE /rses/{rse}/attr/{key}; one already gone (404 RSEAttributeNotFound) is fine. */
export async function deleteAttribute(s: RucioSession, rse: string, key: string): Promise<void> {
    const a = await rucioCall(s, "DELETE", `/rses/${seg(rse)}/attr/${seg(key)}`, { accept: [404] });
    if (a.status === 404 && a.error?.exceptionClass !== "RSEAttributeNotFound") throw unexpected(`delete attribute ${key} of RSE ${rse}`, a);
}

/** GET /rses/{a}/distances/{b}: the distance, or undefined when none is set (an empty list). */
export async function getDistance(s: RucioSession, from: string, to: string): Promise<number | undefined> {
    const list = jsonOf(await rucioCall(s, "GET", `/rses/${seg(from)}/distances/${seg(to)}`));
    const d = Array.isArray(list) ? list[0] : undefined;
    // "ranking" is the old name, still sent beside "distance" (rucio@40.4.1:lib/rucio/core/distance.py:77-78).
    return d ? Number(d.distance ?? d.ranking) : undefined;
}

/**
 * Sets the distance from `from` to `to`. The body key is "distance" in both releases, "ranking"
 * still read when it is missing (rucio@40.4.1:.../rses.py:1936-1940, rucio@1.31.7:.../rses.py:1897-1899).
 * POST makes it (409 when it exists); PUT on a pair that has none answers 200 and does nothing,
 * so PUT is used only for a distance seen to exist.
 */
export async function setDistance(s: RucioSession, from: string, to: string, distance: number, exists: boolean): Promise<void> {
    const path = `/rses/${seg(from)}/distances/${seg(to)}`;
    if (exists) {
        await rucioCall(s, "PUT", path, { json: { distance } });
        return;
    }
    const a = await rucioCall(s, "POST", path, { json: { distance }, accept: [409] });
    // Made meanwhile (a repeated POST whose first answer was lost): set it.
    if (a.status === 409) await rucioCall(s, "PUT", path, { json: { distance } });
}

/** DELETE /rses/{a}/distances/{b}; Rucio answers 200 "Deleted" whether or not one was set. */
export async function deleteDistance(s: RucioSession, from: string, to: string): Promise<void> {
    const a = await rucioCall(s, "DELETE", `/rses/${seg(from)}/distances/${seg(to)}`, { accept: [404] });
    if (a.status === 404 && a.error?.exceptionClass !== "RSENotFound") throw unexpected(`delete the distance from ${from} to ${to}`, a);
}

/**
 * GET /accounts/{account}: its status (ACTIVE, SUSPENDED or DELETED), or undefined when Rucio has
 * no such account (404 AccountNotFound). A deleted account keeps its name and its scopes: Rucio
 * answers 409 to making it again.
 */
export async function accountStatus(s: RucioSession, account: string): Promise<string | undefined> {
    const a = await rucioCall(s, "GET", `/accounts/${seg(account)}`, { accept: [404] });
    if (a.status === 404) {
        if (a.error?.exceptionClass === "AccountNotFound") return undefined;
        throw unexpected(`read account ${account}`, a);
    }
    return String(jsonOf(a)?.status ?? "ACTIVE");
}

/** POST /accounts/{account} {type, email}: Rucio needs both (a missing email is 400 KeyError); 409 when it exists. */
export async function addAccount(s: RucioSession, account: string, type: "SERVICE" | "USER" | "GROUP", email: string): Promise<boolean> {
    const a = await rucioCall(s, "POST", `/accounts/${seg(account)}`, { json: { type, email }, accept: [409] });
    return a.status !== 409;
}

/** DELETE /accounts/{account}; one already gone is fine. */
export async function deleteAccount(s: RucioSession, account: string): Promise<void> {
    const a = await rucioCall(s, "DELETE", `/accounts/${seg(account)}`, { accept: [404] });
    if (a.status === 404 && a.error?.exceptionClass !== "AccountNotFound") throw unexpected(`delete account ${account}`, a);
}

/** GET /accounts/{account}/scopes/: the account's scopes; none is 404 ScopeNotFound (an empty list), no account undefined. */
export async function accountScopes(s: RucioSession, account: string): Promise<string[] | undefined> {
    const a = await rucioCall(s, "GET", `/accounts/${seg(account)}/scopes/`, { accept: [404] });
    if (a.status === 404) {
        if (a.error?.exceptionClass === "ScopeNotFound") return [];
        if (a.error?.exceptionClass === "AccountNotFound") return undefined;
        throw unexpected(`list the scopes of account ${account}`, a);
    }
    return jsonOf(a) ?? [];
}

/**
 * POST /accounts/{account}/scopes/{scope}: true when made, false on 409 (Duplicate: the scope
 * exists, possibly another account's). Rucio has no API that deletes a scope.
 */
export async function addScope(s: RucioSession, account: string, scope: string): Promise<boolean> {
    const a = await rucioCall(s, "POST", `/accounts/${seg(account)}/scopes/${seg(scope)}`, { accept: [409] });
    return a.status !== 409;
}

/**
 * GET /accounts/{account}/limits/local/{rse}: {"<rse>": bytes}, null when none is set and
 * Infinity for -1, which is returned as -1 (no limit) here.
 */
export async function getLocalLimit(s: RucioSession, account: string, rse: string): Promise<number | undefined> {
    const a = await rucioCall(s, "GET", `/accounts/${seg(account)}/limits/local/${seg(rse)}`, { accept: [404] });
    if (a.status === 404) return undefined;
    const v = (jsonOf(a) ?? {})[rse];
    if (v === null || v === undefined) return undefined;
    return v === Infinity ? -1 : Number(v);
}

/**
 * POST /accountlimits/local/{account}/{rse} {"bytes": N} sets (or replaces) the limit. 1.31 has
 * only this route (rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/accountlimits.py:217-220); Rucio 40
 * keeps it, marked for removal, beside POST /accounts/{account}/limits/local/{rse}
 * (rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/accounts.py:1284-1298): a Rucio without it needs that one.
 */
export async function setLocalLimit(s: RucioSession, account: string, rse: string, bytes: number): Promise<void> {
    await rucioCall(s, "POST", `/accountlimits/local/${seg(account)}/${seg(rse)}`, { json: { bytes } });
}

/** DELETE /accountlimits/local/{account}/{rse}; a limit, account or RSE already gone is fine. */
export async function deleteLocalLimit(s: RucioSession, account: string, rse: string): Promise<void> {
    await rucioCall(s, "DELETE", `/accountlimits/local/${seg(account)}/${seg(rse)}`, { accept: [404] });
}

// One HTTP request, retried the way every API client of the program needs it: network errors
// and 5xx with exponential backoff and jitter, 429 after as long as Retry-After says, each
// attempt bounded, the whole bounded by a deadline. What a final refusal or an unknown outcome
// looks like is the calling API's business (its product name, its error classes): it passes a
// Service. No message made here carries a request body or header, so no secret reaches a log.
// A caller may name how hostnames are looked up (a chosen DNS server) and cap the attempts (one,
// for a check that reports what a server answers now); sendOnce is the single attempt itself.
import * as http from "node:http";
import * as https from "node:https";
import type { LookupFunction } from "node:net";
import * as tls from "node:tls";

export interface RetryPolicy {
    /** Give up after this long, counted from the first attempt. */
    readonly deadlineMs: number;
    readonly attemptTimeoutMs: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
    /** At most this many attempts (1: no retry); as many as the deadline allows when not given. */
    readonly attempts?: number;
}

export const defaultRetry: RetryPolicy = { deadlineMs: 120_000, attemptTimeoutMs: 15_000, baseDelayMs: 500, maxDelayMs: 15_000 };

/** One request as it goes out, whatever is made of its answer. */
export interface OneRequest {
    readonly method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "MKCOL";
    readonly url: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string | Buffer;
    /** CA certificates (PEM) to verify an https server with, in addition to the public roots. */
    readonly ca?: readonly string[];
    /** How the hostname is turned into addresses; the system's (getaddrinfo) when not given. */
    readonly lookup?: LookupFunction;
}

export interface HttpRequest extends OneRequest {
    /** Statuses that are answers, not errors (404 for a read). */
    readonly accept?: readonly number[];
    /** Retry a request that may have reached the server (only for requests that are safe to repeat). */
    readonly repeatable: boolean;
    /** Count a 5xx answer as "may have happened" too, for a caller that can check before repeating. */
    readonly uncertainOn5xx?: boolean;
}

/**
 * What a client trusts given extra CAs (PEM): Node's public roots and the extra ones, since `ca`
 * alone would replace the public roots; undefined (the public roots) when there are none.
 */
export function withPublicRoots(extra: readonly string[] | undefined): string[] | undefined {
    return extra && extra.length > 0 ? [...tls.rootCertificates, ...extra] : undefined;
}

export interface HttpAnswer {
    readonly status: number;
    readonly headers: http.IncomingHttpHeaders;
    readonly text: string;
}

/** The first value of an answer's header (node gives a repeated one as a list). */
export const headerOf = (answer: HttpAnswer, name: string): string | undefined => {
    const v = answer.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
};

/** How one API names its server and its errors. */
export interface Service {
    /** The server as messages name it: "IAM", "Rucio". */
    readonly name: string;
    /** The error for a final answer: a 4xx other than 429 the caller did not accept. */
    refused(method: string, path: string, answer: HttpAnswer): Error;
    /** A short account of an error answer (5xx), free of secrets, for the last reason given up on. */
    detail(answer: HttpAnswer): string;
    /** The error for a request whose outcome is unknown: it may have reached the server. */
    ambiguous(message: string): Error;
}

export function retryAfterMs(header: string | undefined): number | undefined {
    if (!header) return undefined;
    const seconds = Number(header);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(header);
    return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Whether a failed request certainly never reached the server (no connection was made). */
function neverSent(err: unknown): boolean {
    const code = (err as { code?: string })?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
    return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN";
}

/** An attempt that got no whole answer in its time. */
export class AttemptTimeout extends Error {}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The backoff before attempt `attempt + 1`: full jitter below an exponentially growing cap. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
    return Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
}

/**
 * One attempt, over node's http or https (https with the extra CAs), bounded as a whole by
 * `timeoutMs`; no redirect is followed, and every status is an answer.
 */
export function sendOnce(req: OneRequest, timeoutMs: number): Promise<HttpAnswer> {
    const url = new URL(req.url);
    const client = url.protocol === "http:" ? http : https;
    const ca = withPublicRoots(req.ca);
    return new Promise((resolve, reject) => {
        // Declared before the callbacks that clear it (Pulumi's closure serializer needs that order).
        let timer: ReturnType<typeof setTimeout> | undefined;
        const done = (settle: () => void) => {
            clearTimeout(timer);
            settle();
        };
        // A connection per request: no socket outlives the call, and none is reused after a server restart.
        const headers = { ...req.headers, ...(req.body !== undefined ? { "content-length": String(Buffer.byteLength(req.body)) } : {}) };
        const outgoing = client.request(url, { method: req.method, headers, agent: false, ...(ca ? { ca } : {}), ...(req.lookup ? { lookup: req.lookup } : {}) }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => done(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString("utf8") })));
            res.on("error", (err) => done(() => reject(err)));
        });
        outgoing.on("error", (err) => done(() => reject(err)));
        // The whole exchange is bounded, a body that stops half-way too.
        timer = setTimeout(() => {
            reject(new AttemptTimeout(`no answer from ${url.host} within ${timeoutMs / 1000} s`));
            outgoing.destroy();
        }, timeoutMs);
        outgoing.end(req.body);
    });
}

export async function sendWithRetry(req: HttpRequest, policy: RetryPolicy, service: Service): Promise<HttpAnswer> {
    const path = new URL(req.url).pathname;
    const started = Date.now();
    let last = "";
    for (let attempt = 0; ; attempt++) {
        const backoff = backoffMs(policy, attempt);
        let wait = backoff;
        let answer: HttpAnswer | undefined;
        try {
            answer = await sendOnce(req, policy.attemptTimeoutMs);
        } catch (err) {
            const reason = err instanceof AttemptTimeout ? `no answer within ${policy.attemptTimeoutMs / 1000} s` : (err as Error).message;
            last = reason;
            if (!req.repeatable && !neverSent(err)) {
                throw service.ambiguous(`${req.method} ${path} may or may not have reached ${service.name}: ${reason}`);
            }
        }
        if (answer) {
            if ((answer.status >= 200 && answer.status < 300) || req.accept?.includes(answer.status)) return answer;
            if (answer.status === 429) {
                last = `HTTP 429 (too many requests)`;
                const header = answer.headers["retry-after"];
                wait = retryAfterMs(Array.isArray(header) ? header[0] : header) ?? backoff;
            } else if (answer.status >= 500) {
                const detail = service.detail(answer);
                last = `HTTP ${answer.status}${detail ? `: ${detail}` : ""}`;
                if (req.uncertainOn5xx) throw service.ambiguous(`${req.method} ${path} failed with ${last}`);
            } else {
                throw service.refused(req.method, path, answer);
            }
        }
        if (policy.attempts !== undefined && attempt + 1 >= policy.attempts) {
            throw new Error(`${service.name} did not answer ${req.method} ${path} successfully in ${policy.attempts} attempt${policy.attempts === 1 ? "" : "s"}; last: ${last}`);
        }
        if (Date.now() - started + wait > policy.deadlineMs) {
            throw new Error(`${service.name} did not answer ${req.method} ${path} successfully within ${Math.round(policy.deadlineMs / 1000)} s; last: ${last}`);
        }
        await sleep(wait);
    }
}

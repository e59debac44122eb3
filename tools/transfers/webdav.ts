// Writing a small file to an RSE's WebDAV storage (StoRM-WebDAV) with a bearer token, as a
// Rucio upload's gfal2 does it: PUT, and on 409 (a missing parent collection, RFC 4918 9.7.1)
// MKCOL the missing parents, then PUT again. The token goes only over TLS, or to this machine.
import * as http from "node:http";
import * as https from "node:https";
import * as tls from "node:tls";
import { redact } from "../../components/rucio/rucio-api";

export interface StorageAccess {
    /** Bearer token the storage takes for writing (a WLCG token with storage.create). */
    readonly token: string;
    /** PEM certificates trusted in addition to the public roots. */
    readonly caCertificates?: readonly string[];
    readonly timeoutMs?: number;
}

/** A PFN as the HTTP URL it is written to: davs is WebDAV over TLS, dav over plain HTTP. */
export function httpUrlOf(pfn: string): URL {
    const url = new URL(pfn);
    const scheme = { "davs:": "https:", "https:": "https:", "dav:": "http:", "http:": "http:" }[url.protocol];
    if (!scheme) throw new Error(`cannot write ${pfn}: only davs, https, dav and http are WebDAV`);
    // URL does not let a special scheme be set on a non-special one: rebuilt from the parts.
    return new URL(`${scheme}//${url.host}${url.pathname}${url.search}`);
}

const loopback = new Set(["127.0.0.1", "[::1]", "localhost"]);

/** Whether a bearer token may be sent to the URL: TLS, or a server on this machine. */
export const tokenMayGo = (url: URL) => url.protocol === "https:" || loopback.has(url.hostname);

interface Answer {
    readonly status: number;
    readonly text: string;
}

function send(method: "PUT" | "MKCOL", url: URL, access: StorageAccess, body?: Buffer): Promise<Answer> {
    const client = url.protocol === "https:" ? https : http;
    const ca = access.caCertificates && access.caCertificates.length > 0 ? [...tls.rootCertificates, ...access.caCertificates] : undefined;
    const headers: Record<string, string> = { authorization: `Bearer ${access.token}`, ...(body ? { "content-length": String(body.length), "content-type": "application/octet-stream" } : {}) };
    return new Promise((resolve, reject) => {
        const req = client.request(url, { method, headers, agent: false, ...(ca ? { ca } : {}), timeout: access.timeoutMs ?? 60_000 }, (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${(access.timeoutMs ?? 60_000) / 1000} s`)));
        req.on("error", reject);
        req.end(body);
    });
}

const short = (text: string, token: string) => redact(text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim(), [token]).slice(0, 200);

/** An error naming the URL and the storage's answer, never the token. */
function refused(method: string, url: URL, a: Answer, token: string): Error {
    const detail = short(a.text, token);
    const hint = a.status === 401 || a.status === 403 ? "; the token must be one the storage trusts, with storage.create for the path" : "";
    return new Error(`the storage refused ${method} ${url.href}: HTTP ${a.status}${detail ? ` ${detail}` : ""}${hint}`);
}

/** The parent collections of a path, nearest first: /a/b/c/f -> /a/b/c/, /a/b/, /a/. */
export function parentCollections(pathname: string): string[] {
    const parts = pathname.split("/").filter(Boolean);
    const out: string[] = [];
    for (let n = parts.length - 1; n >= 1; n--) out.push(`/${parts.slice(0, n).join("/")}/`);
    return out;
}

/** Creates the missing parents of `url`: MKCOL upwards until one exists (405) or is made, then down again. */
async function makeParents(url: URL, access: StorageAccess): Promise<void> {
    const parents = parentCollections(url.pathname);
    let missing = 0;
    for (; missing < parents.length; missing++) {
        const at = new URL(parents[missing], url);
        const a = await send("MKCOL", at, access);
        // 201 made; 405 it exists: everything above it exists too.
        if (a.status === 201 || a.status === 405) break;
        // 409: its own parent is missing, go up.
        if (a.status !== 409) throw refused("MKCOL", at, a, access.token);
    }
    for (let i = missing - 1; i >= 0; i--) {
        const at = new URL(parents[i], url);
        const a = await send("MKCOL", at, access);
        if (a.status !== 201 && a.status !== 405) throw refused("MKCOL", at, a, access.token);
    }
}

/** Writes `content` at the PFN. */
export async function uploadFile(pfn: string, content: Buffer, access: StorageAccess): Promise<void> {
    const url = httpUrlOf(pfn);
    if (!tokenMayGo(url)) throw new Error(`will not send a token to ${url.href} over plain HTTP; the RSE's protocol must be davs (WebDAV over TLS)`);
    try {
        let a = await send("PUT", url, access, content);
        if (a.status === 409) {
            await makeParents(url, access);
            a = await send("PUT", url, access, content);
        }
        if (a.status !== 201 && a.status !== 204 && a.status !== 200) throw refused("PUT", url, a, access.token);
    } catch (err) {
        const e = err as Error;
        if (e.message.startsWith("the storage refused")) throw e;
        throw new Error(`could not write ${url.href}: ${redact(e.message, [access.token])}`);
    }
}

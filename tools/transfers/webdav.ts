// Writing a small file to an RSE's WebDAV storage (StoRM-WebDAV) with a bearer token, as a
// Rucio upload's gfal2 does it: PUT, and on 409 (a missing parent collection, RFC 4918 9.7.1)
// MKCOL the missing parents, then PUT again. The token goes only over TLS, or to this machine.
// Each request is one attempt of the program's own (sendOnce, components/http/retrying-request.ts):
// a write that may have happened is not repeated blindly.
import { sendOnce, type HttpAnswer } from "../../components/http/retrying-request";
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

function send(method: "PUT" | "MKCOL", url: URL, access: StorageAccess, body?: Buffer): Promise<HttpAnswer> {
    const headers: Record<string, string> = { authorization: `Bearer ${access.token}`, ...(body ? { "content-type": "application/octet-stream" } : {}) };
    return sendOnce({ method, url: url.href, headers, body, ca: access.caCertificates }, access.timeoutMs ?? 60_000);
}

const short = (text: string, token: string) => redact(text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim(), [token]).slice(0, 200);

/** An error naming the URL and the storage's answer, never the token. */
function refused(method: string, url: URL, a: HttpAnswer, token: string): Error {
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

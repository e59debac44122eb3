// The storage: StoRM-WebDAV's health, then a small file written, read back, checksummed and
// deleted in the RSE's storage area with the checks' token, and a request without a token refused.
//
// Health: StoRM serves Spring Boot's actuator under /.storm-webdav/actuator on every connector,
// open to anyone (italiangrid/storm-webdav@v1.9.0-rc3:src/main/java/org/italiangrid/storm/webdav/web/PathConstants.java:15-16,
// spring/AppConfig.java:471-477, spring/web/SecurityConfig.java:151-166; both connectors of
// server/DefaultJettyServerCustomizer.java:66-72; the same at the 1.9.0 version bump). The site
// opens the plain port 8085 only inside the site (components/network/plan.ts), so from outside it
// is asked on the WebDAV port; UP answers 200 and DOWN 503
// (spring-boot@v3.4.5:spring-boot-project/spring-boot-actuator/src/main/java/org/springframework/boot/actuate/health/SimpleHttpCodeStatusMapper.java:40-41).
//
// Checksum: StoRM answers a HEAD or GET of a file with `Digest: adler32=<8 hex digits>`
// (storm-webdav@v1.8.1:src/main/java/org/italiangrid/storm/webdav/server/servlet/ChecksumFilter.java:65,115-116,
// utils/ChecksumHelper.java:9-12), what Rucio's verify_checksum and gfal2 compare.
import { randomBytes } from "node:crypto";
import type { OneRequest } from "../../components/http/retrying-request";
import { redact } from "../../components/rucio/rucio-api";
import { adler32 } from "../site-access/adler32";
import type { StoragePlan } from "./plan";
import { jsonField, probe, type Network } from "./net";
import { fail, pass, skip, skipAll, timed, type CheckResult } from "./result";

/** The adler32 value of a Digest header (RFC 3230: `alg=value` items, comma-separated, the algorithm in any case). */
export function digestValue(header: string | string[] | undefined, algorithm = "adler32"): string | undefined {
    const text = Array.isArray(header) ? header.join(",") : (header ?? "");
    for (const item of text.split(",")) {
        const at = item.indexOf("=");
        if (at > 0 && item.slice(0, at).trim().toLowerCase() === algorithm) return item.slice(at + 1).trim();
    }
    return undefined;
}

const refused = (status: number) => status === 401 || status === 403;

export interface StorageRun {
    readonly plan: StoragePlan;
    readonly net: Network;
    /** The checks' token; undefined: the checks that need one are skipped with `noToken`. */
    readonly token?: string;
    readonly noToken: string;
    /** Names the test file; a time and random by default. */
    readonly fileName?: string;
}

export async function storageChecks(run: StorageRun): Promise<CheckResult[]> {
    const { plan, net, token } = run;
    const results: CheckResult[] = [];
    const name = run.fileName ?? `srcnet-smoke-${new Date().toISOString().replace(/[-:.]/g, "")}-${randomBytes(4).toString("hex")}`;
    const url = `${plan.areaUrl}${name}`;
    const anonymousUrl = `${url}-anonymous`;
    const content = `srcnet-site smoke check ${name} ${randomBytes(16).toString("hex")}\n`;
    const bearer = token ? { authorization: `Bearer ${token}` } : undefined;
    const clean = (text: string) => redact(text, token ? [token] : []);
    const send = (method: OneRequest["method"], at: string, headers: Record<string, string> = {}, body?: string) => probe(net, { method, url: at, headers, body, ca: plan.ca });
    const check = async (check: string, target: string, f: () => Promise<CheckResult>) => {
        const r = await timed("storage", check, target, f);
        results.push({ ...r, detail: clean(r.detail) });
        return r.status === "pass";
    };

    await check("health", plan.healthUrl, async () => {
        const a = await send("GET", plan.healthUrl, { accept: "application/json" });
        const status = jsonField(a, "status");
        if (a.status === 200 && status === "UP") return pass("storage", "health", plan.healthUrl, "UP");
        return fail("storage", "health", plan.healthUrl, `HTTP ${a.status}${status !== undefined ? `, status ${JSON.stringify(status)}` : ", not StoRM's health answer"}`);
    });

    let written = false;
    if (!bearer) {
        results.push(...skipAll("storage", ["write", "read", "checksum", "delete"], url, run.noToken));
    } else {
        written = await check("write", url, async () => {
            const a = await send("PUT", url, { ...bearer, "content-type": "text/plain" }, content);
            return a.status >= 200 && a.status < 300 ? pass("storage", "write", url, `HTTP ${a.status}, ${Buffer.byteLength(content)} bytes`) : fail("storage", "write", url, `PUT with the token: HTTP ${a.status}`);
        });
        if (!written) {
            results.push(...skipAll("storage", ["read", "checksum"], url, "the file was not written"));
        } else {
            await check("read", url, async () => {
                const a = await send("GET", url, bearer);
                if (a.status !== 200) return fail("storage", "read", url, `GET with the token: HTTP ${a.status}`);
                return a.text === content ? pass("storage", "read", url, "the same bytes") : fail("storage", "read", url, `GET gave ${Buffer.byteLength(a.text)} bytes that are not the ones written`);
            });
            await check("checksum", url, async () => {
                const a = await send("HEAD", url, { ...bearer, "want-digest": "adler32" });
                const want = adler32(Buffer.from(content));
                const got = digestValue(a.headers.digest);
                if (a.status !== 200) return fail("storage", "checksum", url, `HEAD with Want-Digest: adler32: HTTP ${a.status}`);
                if (got === undefined) return fail("storage", "checksum", url, `no adler32 in the Digest header (${a.headers.digest === undefined ? "none" : JSON.stringify(a.headers.digest)}); Rucio's verify_checksum needs it`);
                return got.toLowerCase() === want ? pass("storage", "checksum", url, `adler32=${got}`) : fail("storage", "checksum", url, `Digest adler32=${got}, but the file's is ${want}`);
            });
        }
    }

    let anonymousWritten = false;
    await check("no token", plan.areaUrl, async () => {
        const problems: string[] = [];
        const put = await send("PUT", anonymousUrl, { "content-type": "text/plain" }, content);
        if (put.status >= 200 && put.status < 300) anonymousWritten = true;
        if (!refused(put.status)) problems.push(`a PUT without a token got HTTP ${put.status}, not 401 or 403`);
        let seen = `PUT ${put.status}`;
        // An area open to anonymous readers (anonymousRead) may answer a read without a token.
        if (written && !plan.anonymousRead) {
            const get = await send("GET", url);
            seen += `, GET ${get.status}`;
            if (!refused(get.status)) problems.push(`a GET without a token got HTTP ${get.status}, not 401 or 403`);
        }
        return problems.length > 0 ? fail("storage", "no token", plan.areaUrl, problems.join("; ")) : pass("storage", "no token", plan.areaUrl, `refused: ${seen}`);
    });

    if (bearer && written) {
        await check("delete", url, async () => {
            const a = await send("DELETE", url, bearer);
            if (a.status < 200 || a.status >= 300) return fail("storage", "delete", url, `DELETE with the token: HTTP ${a.status}; the file is left in the area`);
            const after = await send("GET", url, bearer);
            return after.status === 404 ? pass("storage", "delete", url, `HTTP ${a.status}, then GET 404`) : fail("storage", "delete", url, `DELETE answered ${a.status}, but a GET then got HTTP ${after.status}, not 404`);
        });
    } else if (bearer) {
        results.push(skip("storage", "delete", url, "the file was not written"));
    }
    // A file an anonymous PUT left behind goes too, when the token may delete it; else it is named.
    if (anonymousWritten) {
        let left: string | undefined = "no token to delete it with";
        if (bearer) {
            left = await send("DELETE", anonymousUrl, bearer).then(
                (a) => (a.status >= 200 && a.status < 300 ? undefined : `DELETE with the token: HTTP ${a.status}`),
                (err: Error) => `DELETE with the token: ${err.message}`,
            );
        }
        if (left) {
            const i = results.findIndex((r) => r.name === "no token");
            results[i] = { ...results[i], detail: clean(`${results[i].detail}; the file it wrote, ${anonymousUrl}, is left in the area (${left})`) };
        }
    }
    return results;
}

// How the checks reach a site: single HTTP requests and TLS handshakes, each bounded, through a
// name lookup that can be given (a chosen DNS server, or a test's). The requests are the program's
// own (components/http/retrying-request.ts), one attempt each: a check wants one answer as the
// server gives it now. Nothing made here carries a request header or body into a message.
import { isIP, type LookupFunction } from "node:net";
import * as tls from "node:tls";
import { sendOnce, withPublicRoots, type HttpAnswer, type OneRequest, type RetryPolicy } from "../../components/http/retrying-request";

export interface Network {
    /** How hostnames are turned into addresses; the system's (getaddrinfo) when not given. */
    readonly lookup?: LookupFunction;
    /** The longest one request or handshake may take. */
    readonly timeoutMs: number;
}

/** The resolver the DNS checks ask, and that a given lookup is made of. */
export interface DnsResolver {
    resolve4(hostname: string): Promise<string[]>;
    resolve6(hostname: string): Promise<string[]>;
}

/** No address of that type (ENODATA) or no such name (ENOTFOUND) is an empty answer, not an error. */
export async function addressesOf(resolver: DnsResolver, hostname: string, family: 4 | 6): Promise<string[]> {
    try {
        return await (family === 4 ? resolver.resolve4(hostname) : resolver.resolve6(hostname));
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "ENODATA" || code === "ENOTFOUND") return [];
        throw err;
    }
}

/** A lookup that asks `resolver` (A records first, then AAAA), as net.connect takes one. */
export function lookupVia(resolver: DnsResolver): LookupFunction {
    return (hostname, options, callback) => {
        const all = typeof options === "object" && options !== null && (options as { all?: boolean }).all === true;
        const done = callback as (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;
        const literal = isIP(hostname);
        const found = literal
            ? Promise.resolve([{ address: hostname, family: literal }])
            : addressesOf(resolver, hostname, 4).then(async (v4) => (v4.length > 0 ? v4.map((a) => ({ address: a, family: 4 })) : (await addressesOf(resolver, hostname, 6)).map((a) => ({ address: a, family: 6 }))));
        found.then(
            (list) => {
                if (list.length === 0) {
                    const err: NodeJS.ErrnoException = new Error(`no address for ${hostname}`);
                    err.code = "ENOTFOUND";
                    done(err, all ? [] : "", undefined);
                } else if (all) done(null, list);
                else done(null, list[0].address, list[0].family);
            },
            (err: NodeJS.ErrnoException) => done(err, all ? [] : "", undefined),
        );
    };
}

/** One request of a check; its `ca`: CA certificates (PEM) trusted besides the public roots. */
export type ProbeRequest = Omit<OneRequest, "lookup">;

/** One request, no redirect followed: the answer as the server gives it. */
export function probe(net: Network, req: ProbeRequest): Promise<HttpAnswer> {
    return sendOnce({ ...req, ...(net.lookup ? { lookup: net.lookup } : {}) }, net.timeoutMs);
}

/** A field of a JSON object answer; undefined when the answer is not JSON or has no such field. */
export function jsonField(a: HttpAnswer, key: string): unknown {
    try {
        return JSON.parse(a.text)?.[key];
    } catch {
        return undefined;
    }
}

/** The retry policy of a client the checks hand their network to (a Rucio session): one attempt, bounded as a probe is. */
export function singleAttempt(net: Network): RetryPolicy {
    return { attempts: 1, deadlineMs: net.timeoutMs, attemptTimeoutMs: net.timeoutMs, baseDelayMs: 0, maxDelayMs: 0 };
}

export interface TlsPeer {
    /** Whether the chain verifies against the trusted roots. */
    readonly authorized: boolean;
    readonly authorizationError?: string;
    /** The server's certificate first, then each issuer as far as it is known. */
    readonly chain: readonly tls.PeerCertificate[];
}

/** A TLS handshake with `host`'s name as SNI; the chain is reported, not refused. */
export function tlsPeer(net: Network, host: string, port: number, ca?: readonly string[]): Promise<TlsPeer> {
    const trusted = withPublicRoots(ca);
    return new Promise((resolve, reject) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const socket = tls.connect({
            host,
            port,
            ...(isIP(host) ? {} : { servername: host }),
            ...(trusted ? { ca: trusted } : {}),
            ...(net.lookup ? { lookup: net.lookup } : {}),
            rejectUnauthorized: false,
        });
        const settle = (f: () => void) => {
            clearTimeout(timer);
            socket.destroy();
            f();
        };
        socket.once("secureConnect", () => {
            const chain: tls.PeerCertificate[] = [];
            let cert: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
            while (cert && Object.keys(cert).length > 0 && !chain.includes(cert)) {
                chain.push(cert);
                // A self-signed root is its own issuer.
                cert = cert.issuerCertificate === cert ? undefined : cert.issuerCertificate;
            }
            const authorizationError = socket.authorizationError ? String(socket.authorizationError) : undefined;
            settle(() => resolve({ authorized: socket.authorized, authorizationError, chain }));
        });
        socket.once("error", (err) => settle(() => reject(err)));
        timer = setTimeout(() => settle(() => reject(new Error(`no TLS handshake with ${host}:${port} within ${net.timeoutMs / 1000} s`))), net.timeoutMs);
    });
}

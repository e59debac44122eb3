// TLS: each endpoint's certificate chain verifies (the public roots, the CAs the site's own clients
// trust for it, and any --ca), names the endpoint, is not from Let's Encrypt's staging CA on a
// production site, and does not expire within the allowed days.
import * as tls from "node:tls";
import type { TlsEndpoint } from "./plan";
import { tlsPeer, type Network, type TlsPeer } from "./net";
import { fail, pass, timed, type CheckResult } from "./result";

export interface TlsRules {
    /** Staging certificates are a fault only here. */
    readonly production: boolean;
    /** A certificate that ends sooner than this is a fault. */
    readonly minDays: number;
    readonly now: Date;
}

/**
 * Let's Encrypt names every staging root and intermediate "(STAGING) ..." (the roots the program
 * ships, components/certs/files/letsencrypt-staging-roots.pem: "(STAGING) Pretend Pear X1",
 * "(STAGING) Bogus Broccoli X2"); production names never carry it.
 */
export const stagingMark = "(STAGING)";

const nameOf = (dn: tls.Certificate | undefined) => (dn ? (dn.CN ?? dn.O ?? Object.values(dn).join(", ")) : "");

const dnText = (dn: tls.Certificate | undefined) =>
    dn
        ? Object.entries(dn)
              .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join("+") : v}`)
              .join(", ")
        : "";

const dayMs = 86_400_000;

const days = (n: number) => `${n} day${n === 1 ? "" : "s"}`;

/** What is wrong with the chain an endpoint presented: nothing when it is fit. Pure. */
export function certificateProblems(host: string, peer: TlsPeer, rules: TlsRules): string[] {
    const problems: string[] = [];
    const leaf = peer.chain[0];
    if (!leaf) return ["the server presented no certificate"];
    if (!peer.authorized) problems.push(`the chain does not verify: ${peer.authorizationError ?? "untrusted"}`);
    const identity = tls.checkServerIdentity(host, leaf);
    if (identity) problems.push(identity.message);
    const staged = peer.chain.find((c) => dnText(c.issuer).includes(stagingMark) || dnText(c.subject).includes(stagingMark));
    if (rules.production && staged) problems.push(`issued by Let's Encrypt staging (${nameOf(staged.issuer)}) on a production site`);
    const ends = Date.parse(leaf.valid_to);
    const left = (ends - rules.now.getTime()) / dayMs;
    if (!Number.isFinite(ends)) problems.push(`its end (${leaf.valid_to}) cannot be read`);
    else if (left < 0) problems.push(`expired on ${new Date(ends).toISOString().slice(0, 10)}`);
    else if (left < rules.minDays) problems.push(`expires in ${days(Math.floor(left))} (${new Date(ends).toISOString().slice(0, 10)}), sooner than the ${days(rules.minDays)} allowed`);
    return problems;
}

function summary(peer: TlsPeer, now: Date): string {
    const leaf = peer.chain[0];
    const ends = Date.parse(leaf.valid_to);
    return `issuer ${nameOf(leaf.issuer)}, valid until ${new Date(ends).toISOString().slice(0, 10)} (${days(Math.floor((ends - now.getTime()) / dayMs))})`;
}

export async function tlsChecks(endpoints: readonly TlsEndpoint[], net: Network, rules: TlsRules): Promise<CheckResult[]> {
    return Promise.all(
        endpoints.map((e) =>
            timed("tls", e.service, `${e.host}:${e.port}`, async () => {
                const peer = await tlsPeer(net, e.host, e.port, e.ca);
                const problems = certificateProblems(e.host, peer, rules);
                const target = `${e.host}:${e.port}`;
                return problems.length > 0 ? fail("tls", e.service, target, problems.join("; ")) : pass("tls", e.service, target, summary(peer, rules.now));
            }),
        ),
    );
}

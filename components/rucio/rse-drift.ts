// What Rucio holds about the RSE (observed), compared with what the site asks for: the REST
// operations that bring Rucio to the site's spec, each with a sentence saying why. Pure, so the
// comparison is tested on its own; the provider observes, plans with these and applies.
import type { RseProtocolSpec, RseSpec } from "./rse-registration";

/** A distance as Rucio holds it in each direction between the RSE and one peer; absent when none is set. */
export interface ObservedDistance {
    readonly peer: string;
    /** From the RSE to the peer. */
    readonly to?: number;
    /** From the peer to the RSE. */
    readonly from?: number;
}

export interface ObservedAccount {
    readonly account: string;
    readonly exists: boolean;
    /** The local limit on the RSE in bytes (-1: no limit); absent when none is set. */
    readonly limit?: number;
    readonly scopes: readonly string[];
}

/** What Rucio holds now of the parts the site manages. */
export interface ObservedRse {
    readonly deterministic: boolean;
    readonly rseType: string;
    readonly volatile: boolean;
    /** The RSE's protocols of the spec's scheme. */
    readonly protocols: readonly RseProtocolSpec[];
    /** Attribute values, canonical (see canonicalAttribute), of the keys looked at that Rucio has. */
    readonly attributes: Readonly<Record<string, string>>;
    readonly distances: readonly ObservedDistance[];
    readonly accounts: readonly ObservedAccount[];
}

/**
 * One attribute value as text that compares across releases: Rucio stores values as strings,
 * booleans (and "True"/"false" in any case) as true/false, and returns those as booleans and the
 * rest as strings (BooleanString, rucio@40.4.1:lib/rucio/db/sqla/types.py:80-118, the same in
 * rucio@1.31.7), so 5 comes back "5" and "True" comes back true.
 */
export function canonicalAttribute(value: unknown): string {
    if (typeof value === "boolean") return String(value);
    const text = String(value);
    return /^(true|false)$/i.test(text) ? text.toLowerCase() : text;
}

/** The identity of a protocol within an RSE: Rucio's key is (scheme, hostname, port). */
export const protocolKey = (p: Pick<RseProtocolSpec, "scheme" | "hostname" | "port">) => `${p.scheme}://${p.hostname}:${p.port}`;

const sameIdentity = (a: Pick<RseProtocolSpec, "scheme" | "hostname" | "port">, b: Pick<RseProtocolSpec, "scheme" | "hostname" | "port">) => protocolKey(a) === protocolKey(b);

/** Key order never makes a difference. */
function stableJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
    if (v && typeof v === "object") {
        return `{${Object.keys(v as object)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v ?? null);
}

const domainOps = {
    lan: ["read", "write", "delete"],
    wan: ["read", "write", "delete", "third_party_copy_read", "third_party_copy_write"],
} as const;

/** How the observed protocol differs from the spec at the same identity: one phrase a difference. */
export function protocolDifferences(want: RseProtocolSpec, have: RseProtocolSpec): string[] {
    const out: string[] = [];
    if (want.prefix !== have.prefix) out.push(`prefix ${JSON.stringify(have.prefix)} instead of ${JSON.stringify(want.prefix)}`);
    if (want.impl !== have.impl) out.push(`impl ${have.impl} instead of ${want.impl}`);
    for (const domain of ["lan", "wan"] as const) {
        for (const op of domainOps[domain]) {
            const w = (want.domains[domain] as Record<string, number>)[op];
            const h = (have.domains?.[domain] as Record<string, number> | undefined)?.[op];
            if (w !== h) out.push(`${domain} ${op} priority ${h ?? "unset"} instead of ${w}`);
        }
    }
    if (stableJson(want.extendedAttributes ?? null) !== stableJson(have.extendedAttributes ?? null)) out.push("other extended attributes");
    return out;
}

export type RseOp =
    | { readonly op: "updateRse"; readonly changes: { readonly deterministic?: boolean; readonly volatile?: boolean; readonly rseType?: string } }
    | { readonly op: "deleteProtocol"; readonly protocol: Pick<RseProtocolSpec, "scheme" | "hostname" | "port"> }
    | { readonly op: "addProtocol"; readonly protocol: RseProtocolSpec }
    | { readonly op: "updateProtocol"; readonly protocol: RseProtocolSpec }
    | { readonly op: "setAttribute"; readonly key: string; readonly value: string | number | boolean }
    | { readonly op: "deleteAttribute"; readonly key: string }
    | { readonly op: "setDistance"; readonly from: string; readonly to: string; readonly distance: number; readonly exists: boolean }
    | { readonly op: "deleteDistance"; readonly from: string; readonly to: string }
    | { readonly op: "addAccount"; readonly account: string; readonly email: string }
    | { readonly op: "addScope"; readonly account: string; readonly scope: string }
    | { readonly op: "setLimit"; readonly account: string; readonly bytes: number }
    | { readonly op: "deleteLimit"; readonly account: string };

export interface PlannedOp {
    readonly op: RseOp;
    /** Why it is needed, as a preview or an error would say it. */
    readonly why: string;
}

/** The email a created account gets when the spec names none. */
export const defaultEmail = (spec: RseSpec, account: string) => `${account}@${spec.protocol.hostname}`;

const bytesText = (b: number | undefined) => (b === undefined ? "none" : b === -1 ? "no limit" : `${b} bytes`);

/**
 * The operations, in the order they must run, that make Rucio hold `want`, given what it holds
 * (`have`) and, for an update, what the site asked for before (`before`: what to remove).
 * Only what the site manages is touched: attributes, peers and accounts it names or named, and
 * the protocol at the identities it names or named.
 */
export function planRseOps(want: RseSpec, have: ObservedRse, before?: RseSpec): PlannedOp[] {
    const ops: PlannedOp[] = [];
    const add = (op: RseOp, why: string) => ops.push({ op, why });
    const name = want.name;

    const changes: { deterministic?: boolean; volatile?: boolean; rseType?: string } = {};
    if (have.deterministic !== want.deterministic) changes.deterministic = want.deterministic;
    if (have.volatile !== (want.volatile ?? false)) changes.volatile = want.volatile ?? false;
    if (have.rseType !== want.rseType) changes.rseType = want.rseType;
    if (Object.keys(changes).length > 0) add({ op: "updateRse", changes }, `RSE ${name} has ${Object.keys(changes).map((k) => `${k} ${String((have as unknown as Record<string, unknown>)[k])}`).join(", ")}`);

    // A protocol the site registered before at another identity goes first: Rucio bounds an
    // update's priorities by the number of protocols the RSE has.
    if (before && !sameIdentity(before.protocol, want.protocol) && have.protocols.some((p) => sameIdentity(p, before.protocol))) {
        add({ op: "deleteProtocol", protocol: before.protocol }, `protocol ${protocolKey(before.protocol)} is no longer the site's`);
    }
    const current = have.protocols.find((p) => sameIdentity(p, want.protocol));
    if (!current) add({ op: "addProtocol", protocol: want.protocol }, `protocol ${protocolKey(want.protocol)} is missing`);
    else {
        const diffs = protocolDifferences(want.protocol, current);
        if (diffs.length > 0) add({ op: "updateProtocol", protocol: want.protocol }, `protocol ${protocolKey(want.protocol)} has ${diffs.join(", ")}`);
    }

    for (const [key, value] of Object.entries(want.attributes)) {
        const held = have.attributes[key];
        if (held === undefined) add({ op: "setAttribute", key, value }, `attribute ${key} is missing`);
        else if (held !== canonicalAttribute(value)) add({ op: "setAttribute", key, value }, `attribute ${key} is ${JSON.stringify(held)} instead of ${JSON.stringify(canonicalAttribute(value))}`);
    }
    for (const key of Object.keys(before?.attributes ?? {})) {
        if (!(key in want.attributes) && have.attributes[key] !== undefined) add({ op: "deleteAttribute", key }, `attribute ${key} is no longer the site's`);
    }

    for (const peer of want.peers) {
        const seen = have.distances.find((d) => d.peer === peer.rse);
        for (const [from, to, held] of [
            [name, peer.rse, seen?.to],
            [peer.rse, name, seen?.from],
        ] as const) {
            if (held === peer.distance) continue;
            add({ op: "setDistance", from, to, distance: peer.distance, exists: held !== undefined }, held === undefined ? `the distance from ${from} to ${to} is missing` : `the distance from ${from} to ${to} is ${held} instead of ${peer.distance}`);
        }
    }
    for (const old of before?.peers ?? []) {
        if (want.peers.some((p) => p.rse === old.rse)) continue;
        const seen = have.distances.find((d) => d.peer === old.rse);
        if (seen?.to !== undefined) add({ op: "deleteDistance", from: name, to: old.rse }, `${old.rse} is no longer a peer`);
        if (seen?.from !== undefined) add({ op: "deleteDistance", from: old.rse, to: name }, `${old.rse} is no longer a peer`);
    }

    for (const account of want.accounts) {
        const seen = have.accounts.find((a) => a.account === account.account);
        // A missing account the site may not create is refused before planning (see missingAccounts).
        if (!seen?.exists && want.createAccounts) add({ op: "addAccount", account: account.account, email: account.email ?? defaultEmail(want, account.account) }, `account ${account.account} is missing`);
        for (const scope of account.scopes) {
            if (!seen?.scopes.includes(scope)) add({ op: "addScope", account: account.account, scope }, `account ${account.account} has no scope ${scope}`);
        }
        if (seen?.limit !== account.bytes) add({ op: "setLimit", account: account.account, bytes: account.bytes }, `the limit of ${account.account} on ${name} is ${bytesText(seen?.limit)} instead of ${bytesText(account.bytes)}`);
    }
    for (const old of before?.accounts ?? []) {
        if (want.accounts.some((a) => a.account === old.account)) continue;
        // The account and its scopes stay (see the provider's delete); only its limit here was the site's.
        if (have.accounts.find((a) => a.account === old.account)?.limit !== undefined) add({ op: "deleteLimit", account: old.account }, `${old.account} is no longer one of the site's accounts`);
    }
    return ops;
}

/** The accounts the spec names that Rucio does not have, when the site may not create them. */
export function missingAccounts(want: RseSpec, have: Pick<ObservedRse, "accounts">): string[] {
    if (want.createAccounts) return [];
    return want.accounts.filter((a) => !have.accounts.find((o) => o.account === a.account)?.exists).map((a) => a.account);
}

/** Inputs whose change makes a new RSE: Rucio keys an RSE by its name, and deterministic and the type decide how its files are found. */
export function replacingChanges(before: RseSpec, want: RseSpec): string[] {
    const out: string[] = [];
    if (before.name !== want.name) out.push("rse.name");
    if (before.deterministic !== want.deterministic) out.push("rse.deterministic");
    if (before.rseType !== want.rseType) out.push("rse.rseType");
    return out;
}

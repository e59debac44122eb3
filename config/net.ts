// Address arithmetic for CIDRs in site config: parsing, overlap and "any address" checks.
// Pure and dependency-free so that validation and the network plan share one definition.
import { isIPv4, isIPv6 } from "node:net";

export interface Cidr {
    /** The text as configured (already checked to be canonical). */
    readonly text: string;
    readonly version: 4 | 6;
    readonly prefix: number;
    /** The network address as an integer (host bits are zero). */
    readonly network: bigint;
}

export type CidrResult = { readonly ok: true; readonly cidr: Cidr } | { readonly ok: false; readonly reason: string };

const bits = { 4: 32, 6: 128 } as const;

function ipv4ToBigInt(address: string): bigint {
    return address.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6ToBigInt(address: string): bigint {
    // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hextets first.
    let text = address;
    const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
    if (v4Tail) {
        const v4 = ipv4ToBigInt(v4Tail[1]);
        text = `${text.slice(0, v4Tail.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
    }
    const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
    const headParts = head ? head.split(":") : [];
    const tailParts = tail === undefined ? [] : tail ? tail.split(":") : [];
    const missing = 8 - headParts.length - tailParts.length;
    const parts = tail === undefined ? headParts : [...headParts, ...Array(missing).fill("0"), ...tailParts];
    return parts.reduce((acc, hextet) => (acc << 16n) | BigInt(parseInt(hextet, 16)), 0n);
}

function formatAddress(value: bigint, version: 4 | 6): string {
    if (version === 4) {
        return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join(".");
    }
    const hextets = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt((7 - i) * 16)) & 0xffffn));
    // RFC 5952: the longest run of two or more zero hextets becomes "::".
    let best = { at: -1, length: 1 };
    for (let i = 0; i < 8; i++) {
        let j = i;
        while (j < 8 && hextets[j] === 0) j++;
        if (j - i > best.length) best = { at: i, length: j - i };
        i = Math.max(i, j);
    }
    const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(":");
    return best.at < 0 ? hex(hextets) : `${hex(hextets.slice(0, best.at))}::${hex(hextets.slice(best.at + best.length))}`;
}

/** Parses `address/prefix`; rejects host bits so that a typo like 10.0.0.1/24 is caught, not silently widened. */
export function parseCidr(text: string): CidrResult {
    const match = /^([^/\s]+)\/(0|[1-9]\d{0,2})$/.exec(text);
    if (!match) {
        return { ok: false, reason: "must be an address with a prefix length, such as 192.0.2.0/24 or 2001:db8::/32" };
    }
    const [, address, prefixText] = match;
    if (address.includes("%")) {
        return { ok: false, reason: `"${address}" has a zone index (%...), which a network prefix cannot have` };
    }
    const version = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined;
    if (version === undefined) {
        return { ok: false, reason: `"${address}" is not an IPv4 or IPv6 address` };
    }
    const prefix = Number(prefixText);
    if (prefix > bits[version]) {
        return { ok: false, reason: `prefix length /${prefix} is longer than /${bits[version]}` };
    }
    const value = version === 4 ? ipv4ToBigInt(address) : ipv6ToBigInt(address);
    const hostBits = BigInt(bits[version] - prefix);
    const network = (value >> hostBits) << hostBits;
    if (network !== value) {
        return { ok: false, reason: `host bits are set; the network is ${formatAddress(network, version)}/${prefix}` };
    }
    return { ok: true, cidr: { text, version, prefix, network } };
}

/** Parses a CIDR already known to be valid (validated config); throws on a programming error. */
export function cidr(text: string): Cidr {
    const result = parseCidr(text);
    if (!result.ok) {
        throw new Error(`invalid CIDR ${text}: ${result.reason}`);
    }
    return result.cidr;
}

/** True for 0.0.0.0/0 and ::/0, which admit every address. */
export function isAnyAddress(c: Cidr): boolean {
    return c.prefix === 0;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
    if (a.version !== b.version) {
        return false;
    }
    const shortest = BigInt(bits[a.version] - Math.min(a.prefix, b.prefix));
    return a.network >> shortest === b.network >> shortest;
}

/** The n-th address of a network, as text (the network itself is n = 0). */
export function hostAddress(c: Cidr, n: number): string {
    return formatAddress(c.network + BigInt(n), c.version);
}

/** The OpenStack security-group ethertype for a CIDR. */
export function ethertype(c: Cidr): "IPv4" | "IPv6" {
    return c.version === 4 ? "IPv4" : "IPv6";
}

export const anyIPv4 = "0.0.0.0/0";
export const anyIPv6 = "::/0";

/** Whether a text is an IPv4 address (a host, not a network). */
export const isIPv4Address = (text: string): boolean => isIPv4(text);

/** The IPv4 networks of a list, in order: what an Octavia load balancer's allowed CIDRs take. */
export const ipv4Only = (cidrs: readonly string[]): string[] => cidrs.filter((c) => cidr(c).version === 4);

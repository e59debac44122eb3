// A tiny authoritative DNS server over UDP on loopback (RFC 1035 messages): A and AAAA records
// (RFC 3596) from a map the test changes at will, NXDOMAIN for other names, an empty answer for
// other types of a known name. Enough for node's Resolver (c-ares) with setServers.
import { createSocket, type Socket } from "node:dgram";
import { isIPv6, type AddressInfo } from "node:net";

export interface DnsServer {
    /** 127.0.0.1:<port>, as Resolver.setServers and --dns-server take it. */
    readonly address: string;
    /** Name (no trailing dot) -> its addresses: IPv4 ones are its A records, IPv6 ones its AAAA records. */
    readonly records: Map<string, string[]>;
    /** Every name asked, in order. */
    readonly asked: string[];
    stop(): Promise<void>;
}

const typeA = 1;
const typeAAAA = 28;

/** The 16 bytes of an IPv6 address, "::" expanded. */
function ipv6Bytes(address: string): Buffer {
    const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
    const groups = (part: string | undefined) => (part ? part.split(":") : []);
    const h = groups(head);
    const t = groups(tail);
    const all = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
    const out = Buffer.alloc(16);
    all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
    return out;
}

/** The question's name and where the question ends (after its type and class). */
function question(msg: Buffer): { name: string; type: number; end: number } {
    const labels: string[] = [];
    let at = 12;
    while (msg[at] !== 0) {
        const len = msg[at];
        labels.push(msg.subarray(at + 1, at + 1 + len).toString("ascii"));
        at += 1 + len;
    }
    at += 1;
    return { name: labels.join(".").toLowerCase(), type: msg.readUInt16BE(at), end: at + 4 };
}

function answer(query: Buffer, records: Map<string, string[]>, asked: string[]): Buffer {
    const q = question(query);
    asked.push(q.name);
    const known = records.get(q.name);
    const addresses = known && (q.type === typeA || q.type === typeAAAA) ? known.filter((a) => isIPv6(a) === (q.type === typeAAAA)) : [];
    const header = Buffer.alloc(12);
    query.copy(header, 0, 0, 2); // the ID
    // QR=1, opcode 0, AA=1, RD copied; RA=0; RCODE 0, or 3 (NXDOMAIN) for a name not held.
    header[2] = 0x84 | (query[2] & 0x01);
    header[3] = known ? 0 : 3;
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addresses.length, 6);
    const rrs = addresses.map((a) => {
        const data = q.type === typeAAAA ? ipv6Bytes(a) : Buffer.from(a.split(".").map(Number));
        const rr = Buffer.alloc(12);
        rr.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
        rr.writeUInt16BE(q.type, 2);
        rr.writeUInt16BE(1, 4); // IN
        rr.writeUInt32BE(300, 6);
        rr.writeUInt16BE(data.length, 10);
        return Buffer.concat([rr, data]);
    });
    return Buffer.concat([header, query.subarray(12, q.end), ...rrs]);
}

export async function startDnsServer(initial: Record<string, string[]> = {}): Promise<DnsServer> {
    const records = new Map(Object.entries(initial).map(([k, v]) => [k.toLowerCase(), v]));
    const asked: string[] = [];
    const socket: Socket = createSocket("udp4");
    socket.on("message", (msg, from) => {
        try {
            socket.send(answer(msg, records, asked), from.port, from.address);
        } catch {
            // Not a query this server reads: no answer.
        }
    });
    await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
    const port = (socket.address() as AddressInfo).port;
    return {
        address: `127.0.0.1:${port}`,
        records,
        asked,
        stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
    };
}

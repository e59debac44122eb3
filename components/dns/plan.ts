// The site's DNS records as data: one A record per service the site runs, pointing at the
// address of its endpoint. Designate gets them as record sets; an external DNS as zone-file lines.
import type { Endpoint, Service, ServiceName } from "../../config/derive";

export interface DnsRecord {
    readonly service: Service;
    /** Fully qualified, with the trailing dot DNS uses. */
    readonly name: string;
    readonly type: "A";
    readonly ttl: number;
    readonly value: string;
}

export function dnsRecords(services: readonly ServiceName[], addresses: Readonly<Record<Endpoint, string>>, ttl: number): DnsRecord[] {
    return services.map((s) => ({ service: s.service, name: `${s.hostname}.`, type: "A", ttl, value: addresses[s.endpoint] }));
}

/** Zone-file lines, for whoever runs an external DNS. */
export function zoneFileLines(records: readonly DnsRecord[]): string[] {
    return records.map((r) => `${r.name} ${r.ttl} IN ${r.type} ${r.value}`);
}

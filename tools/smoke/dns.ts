// DNS: every hostname the site gave a record resolves to exactly the addresses of its records, A
// and AAAA alike: both are asked for every name, so an address of either family the site did not
// give (a stray AAAA beside the site's A record) is a fault too. The records are the site's own
// output (outputs.dnsRecords, the zone-file lines the DNS part writes, or creates in Designate); a
// hostname without a record is a service the site does not run.
import { parseDnsRecord, type SiteOutputs } from "../site-access/outputs";
import { addressesOf, type DnsResolver } from "./net";
import { fail, pass, skip, timed, type CheckResult } from "./result";

const families = { A: 4, AAAA: 6 } as const;

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

export async function dnsChecks(outputs: Pick<SiteOutputs, "hostnames" | "dnsRecords">, resolver: DnsResolver): Promise<CheckResult[]> {
    const records = outputs.dnsRecords.map((line) => ({ line, record: parseDnsRecord(line) }));
    const results: CheckResult[] = [];
    for (const { line, record } of records) {
        if (!record) results.push(fail("dns", "record", line, "is not a zone-file line of the form <name>. <ttl> IN <type> <address>"));
    }
    const byName = new Map<string, { service: string; hostname: string }>();
    // In the order of the services' names, whatever the order of the JSON's keys.
    for (const [service, hostname] of Object.entries(outputs.hostnames).sort(([a], [b]) => a.localeCompare(b))) byName.set(hostname.toLowerCase(), { service, hostname });
    // Records of names outside outputs.hostnames are checked too, under their own name.
    for (const { record } of records) if (record && !byName.has(record.name)) byName.set(record.name, { service: record.name, hostname: record.name });

    for (const [name, { service, hostname }] of byName) {
        const own = records.flatMap(({ record }) => (record && record.name === name ? [record] : []));
        if (own.length === 0) {
            results.push(skip("dns", service, hostname, "no DNS record: the site does not run this service"));
            continue;
        }
        results.push(
            await timed("dns", service, hostname, async () => {
                const problems: string[] = [];
                const seen: string[] = [];
                for (const type of Object.keys(families) as (keyof typeof families)[]) {
                    const want = own.filter((r) => r.type === type).map((r) => r.value);
                    const got = await addressesOf(resolver, hostname, families[type]);
                    seen.push(...got);
                    if (want.length === 0) {
                        if (got.length > 0) problems.push(`resolves to ${got.join(", ")} (${type}) too, which the site gave no record of`);
                    } else if (got.length === 0) problems.push(`has no ${type} record; the site gave it ${want.join(", ")}`);
                    else if (!sameSet(want, got)) problems.push(`resolves to ${got.join(", ")} (${type}), not ${want.join(", ")} as the site gave it`);
                }
                const other = own.filter((r) => !(r.type in families));
                if (other.length > 0) problems.push(`has records of types the check does not read: ${other.map((r) => r.type).join(", ")}`);
                return problems.length > 0 ? fail("dns", service, hostname, problems.join("; ")) : pass("dns", service, hostname, seen.join(", "));
            }),
        );
    }
    return results;
}

// The DNS part: a record set per service hostname in Designate (in an existing zone or one it
// creates), or, for an external DNS, no resources and the records as an output to create by hand.
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import type { Endpoint, ServiceName } from "../../config/derive";
import { dnsRecords, zoneFileLines, type DnsRecord } from "./plan";

/** The zone the records go in: one the preflight found, or one this site creates. */
export type DesignateZone =
    | { readonly existingZoneId: string }
    | {
          readonly create: {
              /** Zone name without the trailing dot. */
              readonly name: string;
              readonly email: string;
              /** A created zone may hold records others added: production sites protect it. */
              readonly protect: boolean;
          };
      };

export interface SiteDnsArgs {
    readonly namePrefix: string;
    readonly services: readonly ServiceName[];
    readonly addresses: Readonly<Record<Endpoint, pulumi.Input<string>>>;
    readonly ttl: number;
    /** Absent for an external DNS. */
    readonly designate?: DesignateZone;
    readonly provider: openstack.Provider;
}

/** Records of an external DNS carry this TTL in the listed lines. */
export const externalTtl = 300;

export class SiteDns extends pulumi.ComponentResource {
    readonly records: pulumi.Output<DnsRecord[]>;
    /** The records as zone-file lines. */
    readonly lines: pulumi.Output<string[]>;

    constructor(name: string, args: SiteDnsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:dns:SiteDns", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        this.records = pulumi
            .all([args.addresses.storage, args.addresses.ingress])
            .apply(([storage, ingress]) => dnsRecords(args.services, { storage, ingress }, args.ttl));
        this.lines = this.records.apply(zoneFileLines);

        const zone = args.designate;
        if (zone) {
            const zoneId =
                "create" in zone
                    ? new openstack.dns.Zone(
                          `${args.namePrefix}-zone`,
                          { name: `${zone.create.name}.`, email: zone.create.email, ttl: args.ttl, type: "PRIMARY", description: `DNS zone of SRC site ${args.namePrefix}` },
                          { ...child, protect: zone.create.protect, retainOnDelete: zone.create.protect },
                      ).id
                    : pulumi.output(zone.existingZoneId);
            // One record set per service, named after it, so that adding a service adds one record.
            for (const service of args.services) {
                const record = this.records.apply((records) => records.find((r) => r.service === service.service)!);
                new openstack.dns.RecordSet(
                    `${args.namePrefix}-dns-${service.service}`,
                    { zoneId, name: `${service.hostname}.`, type: "A", ttl: args.ttl, records: [record.value], description: `${service.service} of SRC site ${args.namePrefix}` },
                    child,
                );
            }
        }
        this.registerOutputs({ records: this.records, lines: this.lines });
    }
}

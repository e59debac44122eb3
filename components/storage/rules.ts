// Traffic to the storage node from inside the site, beyond its public WebDAV port.
import { ports } from "../../config/ports";
import type { SiteRule } from "../network";

export function storageSiteRules(nfsClients: readonly string[]): SiteRule[] {
    return [
        { description: "StoRM-WebDAV health and metrics, for monitoring inside the site", protocol: "tcp", port: ports.stormHealth, from: { kind: "site" }, to: "storage" },
        ...nfsClients.map(
            (cidr): SiteRule => ({ description: "NFSv4 read-only export of the storage areas to the cluster", protocol: "tcp", port: ports.nfs, from: { kind: "cidr", cidr }, to: "storage" }),
        ),
    ];
}

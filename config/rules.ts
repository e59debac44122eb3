// Rules that involve more than one field. Each declares what it reads; it runs only when those
// parts of the config are individually valid, so that every independent problem is reported
// in one pass without a rule tripping over a half-valid value.
import type { SiteConfig } from "./schema";
import type { IssuePath } from "./messages";
import { isAnyAddress, parseCidr } from "./net";
import { accessPointOf, hostnamesOf, siteIssuerName } from "./derive";

export type Report = (path: IssuePath, message: string) => void;

export interface CrossRule {
    readonly name: string;
    /** Config paths the rule reads; it is skipped when any of them has a problem of its own. */
    readonly reads: readonly IssuePath[];
    /** The rule skips invalid list entries itself, so a bad entry does not hide the others. */
    readonly checksEachEntry?: boolean;
    readonly check: (site: SiteConfig, report: Report) => void;
}

function isUnder(hostname: string, domain: string): boolean {
    return hostname.endsWith(`.${domain}`);
}

/** Reports every entry after the first that repeats a key. */
function reportDuplicates<T>(items: readonly T[], key: (item: T) => string, report: (index: number, value: string) => void) {
    const seen = new Set<string>();
    items.forEach((item, index) => {
        const value = key(item);
        if (seen.has(value)) report(index, value);
        seen.add(value);
    });
}

export const crossRules: readonly CrossRule[] = [
    {
        name: "hostnames lie under the domain and are distinct",
        reads: [["domain"], ["hostnames"]],
        check: (site, report) => {
            for (const [service, hostname] of Object.entries(site.hostnames)) {
                if (hostname !== undefined && !isUnder(hostname, site.domain)) {
                    report(["hostnames", service], `"${hostname}" is not under the site domain "${site.domain}"; use a name ending in .${site.domain}`);
                }
            }
            const all = Object.entries(hostnamesOf(site));
            reportDuplicates(all, ([, h]) => h, (index, h) =>
                report(["hostnames", all[index][0]], `"${h}" is already the hostname of ${all.find(([, other]) => other === h)?.[0]}; each service needs its own`),
            );
        },
    },
    {
        name: "admin networks are listed once",
        reads: [["openstack", "adminCidrs"]],
        check: (site, report) =>
            reportDuplicates(site.openstack.adminCidrs, (c) => c, (i, c) => report(["openstack", "adminCidrs", i], `${c} is listed twice`)),
    },
    {
        name: "production admin access is restricted",
        reads: [["environment"], ["openstack", "adminCidrs"]],
        checksEachEntry: true,
        check: (site, report) => {
            if (site.environment !== "production") return;
            site.openstack.adminCidrs.forEach((text, index) => {
                const parsed = parseCidr(text);
                if (parsed.ok && isAnyAddress(parsed.cidr)) {
                    report(["openstack", "adminCidrs", index], `${text} opens admin access to the whole internet, which production sites refuse; list the operators' networks`);
                }
            });
        },
    },
    {
        name: "storage areas are distinct and the RSE area exists",
        reads: [["storage", "storageAreas"], ["storage", "rseStorageArea"]],
        check: (site, report) => {
            const areas = site.storage.storageAreas;
            reportDuplicates(areas, (a) => a.name, (i, name) => report(["storage", "storageAreas", i, "name"], `"${name}" is used by another storage area; names must be unique`));
            reportDuplicates(areas, accessPointOf, (i, ap) =>
                report(["storage", "storageAreas", i, "accessPoint"], `"${ap}" is the access point of another storage area; access points must be unique`),
            );
            const rseArea = site.storage.rseStorageArea;
            if (rseArea !== undefined && !areas.some((a) => a.name === rseArea)) {
                report(["storage", "rseStorageArea"], `"${rseArea}" is not a storage area; allowed: ${areas.map((a) => a.name).join(", ")}`);
            }
        },
    },
    {
        name: "storage-area quotas fit on the data volume",
        reads: [["storage", "storageAreas"], ["storage", "volume"]],
        check: (site, report) => {
            const planned = site.storage.storageAreas.reduce((sum, a) => sum + (a.quotaGb ?? 0), 0);
            if (planned > site.storage.volume.sizeGb) {
                report(["storage", "volume", "sizeGb"], `${site.storage.volume.sizeGb} GB is smaller than the storage areas' quotas together (${planned} GB)`);
            }
        },
    },
    {
        name: "trusted issuers are distinct from each other and from the site's IAM",
        reads: [["iam"]],
        check: (site, report) => {
            const issuers = site.iam.trustedIssuers;
            issuers.forEach((t, i) => {
                if (t.issuer === site.iam.issuer) report(["iam", "trustedIssuers", i, "issuer"], "is the site's own IAM issuer, which is always trusted; remove this entry");
                if (t.name === siteIssuerName) report(["iam", "trustedIssuers", i, "name"], `"${siteIssuerName}" is reserved for the site's own IAM; choose another name`);
            });
            reportDuplicates(issuers, (t) => t.name, (i, n) => report(["iam", "trustedIssuers", i, "name"], `"${n}" names another trusted issuer; names must be unique`));
            reportDuplicates(issuers, (t) => t.issuer, (i) => report(["iam", "trustedIssuers", i, "issuer"], "repeats another trusted issuer"));
        },
    },
    {
        name: "Rucio peers are other, distinct RSEs",
        reads: [["rucio", "peers"], ["storage", "rse"]],
        check: (site, report) => {
            site.rucio.peers.forEach((p, i) => {
                if (p.rse === site.storage.rse) report(["rucio", "peers", i, "rse"], `"${p.rse}" is this site's own RSE; list other sites' RSEs`);
            });
            reportDuplicates(site.rucio.peers, (p) => p.rse, (i, rse) => report(["rucio", "peers", i, "rse"], `"${rse}" is listed twice`));
        },
    },
    {
        name: "the DNS zone is a parent of every hostname",
        reads: [["dns"], ["domain"], ["hostnames"]],
        check: (site, report) => {
            if (site.dns.provider !== "designate" || site.dns.zone === undefined) return;
            const zone = site.dns.zone;
            const outside = Object.values(hostnamesOf(site)).filter((h) => !isUnder(h, zone));
            if (outside.length > 0) {
                report(["dns", "zone"], `"${zone}" is not a parent of ${outside.join(", ")}; use the site domain or one of its parents`);
            }
        },
    },
    {
        name: "a Magnum cluster has a template or the settings to create one",
        reads: [["cluster"]],
        check: (site, report) => {
            const c = site.cluster;
            if (c.backend !== "magnum") return;
            for (const key of ["kubernetesVersion", "image"] as const) {
                if (c.template === undefined && c[key] === undefined) {
                    report(["cluster", key], "is required when no existing template is given (cluster.template)");
                }
                if (c.template !== undefined && c[key] !== undefined) {
                    report(["cluster", key], `comes from the existing template "${c.template}"; remove it or remove cluster.template`);
                }
            }
        },
    },
    {
        name: "node groups are distinct and their bounds hold their count",
        reads: [["cluster"]],
        check: (site, report) => {
            const c = site.cluster;
            if (c.backend === "existing") return;
            reportDuplicates(c.nodeGroups, (g) => g.name, (i, n) => report(["cluster", "nodeGroups", i, "name"], `"${n}" names another node group; names must be unique`));
            c.nodeGroups.forEach((g, i) => {
                if (g.minCount !== undefined && g.minCount > g.count) report(["cluster", "nodeGroups", i, "minCount"], `${g.minCount} is above count ${g.count}`);
                if (g.maxCount !== undefined && g.maxCount < g.count) report(["cluster", "nodeGroups", i, "maxCount"], `${g.maxCount} is below count ${g.count}`);
            });
        },
    },
];

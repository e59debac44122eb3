// Rules that involve more than one field. Each declares the parts of the config it reads; it
// runs whenever those parts are valid on their own (partial.ts), so that every independent
// problem is reported in one pass. A read ending in "*" gives the list's valid entries and
// leaves holes for the invalid ones, which `each` skips.
import type { SiteConfig } from "./schema";
import type { IssuePath } from "./messages";
import type { ReadPath } from "./partial";
import { cidr, isAnyAddress, parseCidr } from "./net";
import { accessPointOf, derivedRseAttributes, hostnamesOf, servicesRun, siteIssuerName, type Service } from "./derive";
import { formatRelease, parseRelease, satisfies } from "./kube-version";
import { clusterCharts } from "./versions";

export type Report = (path: IssuePath, message: string) => void;

export interface CrossRule {
    readonly name: string;
    readonly reads: readonly ReadPath[];
    /** `site` holds only what the rule reads. */
    readonly check: (site: SiteConfig, report: Report) => void;
}

/** Visits the valid entries of a list read with "*". */
function each<T>(list: readonly (T | undefined)[], visit: (item: T, index: number) => void): void {
    list.forEach((item, index) => item !== undefined && visit(item, index));
}

/** Reports each valid entry after the first that repeats a key. */
function duplicates<T>(list: readonly (T | undefined)[], key: (item: T) => string, report: (index: number, item: T) => void): void {
    const seen = new Set<string>();
    each(list, (item, index) => {
        const k = key(item);
        if (seen.has(k)) report(index, item);
        seen.add(k);
    });
}

const isUnder = (hostname: string, domain: string) => hostname.endsWith(`.${domain}`);

/** A CIDR's identity whatever its spelling (2001:DB8::/32 and 2001:db8:0::/32 are one network). */
function networkKey(text: string): string {
    const parsed = parseCidr(text);
    return parsed.ok ? `${parsed.cidr.version}/${parsed.cidr.network}/${parsed.cidr.prefix}` : text;
}

export const crossRules: readonly CrossRule[] = [
    {
        name: "hostname overrides lie under the domain",
        reads: [["domain"], ["hostnames"]],
        check: (site, report) => {
            for (const [service, hostname] of Object.entries(site.hostnames)) {
                if (hostname !== undefined && !isUnder(hostname, site.domain)) {
                    report(["hostnames", service], `"${hostname}" is not under the site domain "${site.domain}"; use a name ending in .${site.domain}`);
                }
            }
        },
    },
    {
        name: "each service has its own hostname",
        reads: [["domain"], ["hostnames"]],
        check: (site, report) => {
            const all = hostnamesOf(site);
            for (const [service, hostname] of Object.entries(site.hostnames)) {
                const other = (Object.keys(all) as Service[]).find((s) => s !== service && all[s] === hostname);
                if (hostname !== undefined && other !== undefined && (site.hostnames[other] === undefined || other < service)) {
                    report(["hostnames", service], `"${hostname}" is also the hostname of ${other}; each service needs its own`);
                }
            }
        },
    },
    {
        name: "admin networks are listed once",
        reads: [["openstack", "adminCidrs", "*"]],
        check: (site, report) =>
            duplicates(site.openstack.adminCidrs, networkKey, (i, c) => report(["openstack", "adminCidrs", i], `${c} is the same network as an earlier entry`)),
    },
    {
        name: "production admin access is restricted",
        reads: [["environment"], ["openstack", "adminCidrs", "*"]],
        check: (site, report) => {
            if (site.environment !== "production") return;
            each(site.openstack.adminCidrs, (text, index) => {
                const parsed = parseCidr(text);
                if (parsed.ok && isAnyAddress(parsed.cidr)) {
                    report(["openstack", "adminCidrs", index], `${text} opens admin access to the whole internet, which production sites refuse; list the operators' networks`);
                }
            });
        },
    },
    {
        name: "storage areas are distinct",
        reads: [["storage", "storageAreas", "*"]],
        check: (site, report) => {
            const areas = site.storage.storageAreas;
            duplicates(areas, (a) => a.name, (i, a) => report(["storage", "storageAreas", i, "name"], `"${a.name}" is used by another storage area; names must be unique`));
            duplicates(areas, accessPointOf, (i, a) =>
                report(["storage", "storageAreas", i, "accessPoint"], `"${accessPointOf(a)}" is the access point of another storage area; access points must be unique`),
            );
        },
    },
    {
        name: "the RSE's storage area exists",
        reads: [["storage", "storageAreas"], ["storage", "rseStorageArea"]],
        check: (site, report) => {
            const name = site.storage.rseStorageArea;
            const areas = site.storage.storageAreas;
            if (name !== undefined && !areas.some((a) => a.name === name)) {
                report(["storage", "rseStorageArea"], `"${name}" is not a storage area; allowed: ${areas.map((a) => a.name).join(", ")}`);
            }
        },
    },
    {
        name: "storage-area quotas fit on the data volume",
        reads: [["storage", "storageAreas"], ["storage", "volume", "sizeGb"]],
        check: (site, report) => {
            const planned = site.storage.storageAreas.reduce((sum, a) => sum + (a.quotaGb ?? 0), 0);
            if (planned > site.storage.volume.sizeGb) {
                report(["storage", "volume", "sizeGb"], `${site.storage.volume.sizeGb} GB is smaller than the storage areas' quotas together (${planned} GB)`);
            }
        },
    },
    {
        name: "trusted issuers are distinct",
        reads: [["iam", "trustedIssuers", "*"]],
        check: (site, report) => {
            const issuers = site.iam.trustedIssuers;
            each(issuers, (t, i) => {
                if (t.name === siteIssuerName) report(["iam", "trustedIssuers", i, "name"], `"${siteIssuerName}" is reserved for the site's own IAM; choose another name`);
            });
            duplicates(issuers, (t) => t.name, (i, t) => report(["iam", "trustedIssuers", i, "name"], `"${t.name}" names another trusted issuer; names must be unique`));
            duplicates(issuers, (t) => t.issuer, (i) => report(["iam", "trustedIssuers", i, "issuer"], "repeats another trusted issuer"));
        },
    },
    {
        name: "the site's own IAM is not listed as a trusted issuer",
        reads: [["iam", "issuer"], ["iam", "trustedIssuers", "*"]],
        check: (site, report) =>
            each(site.iam.trustedIssuers, (t, i) => {
                if (t.issuer === site.iam.issuer) report(["iam", "trustedIssuers", i, "issuer"], "is the site's own IAM issuer, which is always trusted; remove this entry");
            }),
    },
    {
        name: "Rucio peers are listed once",
        reads: [["rucio", "peers", "*"]],
        check: (site, report) => duplicates(site.rucio.peers, (p) => p.rse, (i, p) => report(["rucio", "peers", i, "rse"], `"${p.rse}" is listed twice`)),
    },
    {
        name: "Rucio peers are other sites",
        reads: [["rucio", "peers", "*"], ["storage", "rse"]],
        check: (site, report) =>
            each(site.rucio.peers, (p, i) => {
                if (p.rse === site.storage.rse) report(["rucio", "peers", i, "rse"], `"${p.rse}" is this site's own RSE; list other sites' RSEs`);
            }),
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
        reads: [["cluster", "backend"], ["cluster", "template"], ["cluster", "kubernetesVersion"], ["cluster", "image"]],
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
        name: "an existing cluster that serves JupyterHub or Rucio names its ingress address",
        reads: [["cluster", "backend"], ["cluster", "ingressAddress"], ["jupyterhub", "enabled"], ["rucio", "mode"]],
        check: (site, report) => {
            const c = site.cluster;
            const runs = servicesRun(site);
            const served = [runs.jupyter ? "JupyterHub" : "", runs.rucio ? "Rucio" : ""].filter(Boolean);
            if (c.backend === "existing" && c.ingressAddress === undefined && served.length > 0) {
                report(["cluster", "ingressAddress"], `is required: ${served.join(" and ")} are reached through the cluster's ingress, and DNS needs its address`);
            }
        },
    },
    {
        name: "a cluster the site builds admits its API from the admin networks",
        reads: [["cluster", "backend"], ["openstack", "adminCidrs", "*"]],
        check: (site, report) => {
            const cidrs = site.openstack.adminCidrs;
            // An invalid entry is reported by itself; what it was meant to be is unknown.
            if (site.cluster.backend === "existing" || cidrs.some((c) => c === undefined)) return;
            const ipv4 = cidrs.filter((c) => cidr(c).version === 4);
            if (cidrs.length > 0 && ipv4.length === 0) {
                report(["openstack", "adminCidrs"], "needs an IPv4 network: the Kubernetes API's load balancer admits IPv4 admin networks only, and pulumi up must reach it");
            } else if (cidrs.length === 0) {
                report(["openstack", "adminCidrs"], `is empty, but the ${site.cluster.backend} cluster's API admits only these networks and pulumi up must reach it; list the operators' networks`);
            }
        },
    },
    {
        name: "clients that need IAM admin rights are not registered anonymously",
        reads: [["iam", "registration"], ["jupyterhub", "enabled"], ["rucio", "mode"]],
        check: (site, report) => {
            if (site.iam.registration !== "dynamic") return;
            const runs = servicesRun(site);
            const needAdmin = [
                runs.jupyter ? "the notebook token-exchange client (JupyterHub)" : "",
                runs.rucio ? "the Rucio client (client credentials, token exchange)" : "",
            ].filter(Boolean);
            if (needAdmin.length > 0) {
                report(["iam", "registration"], `"dynamic" cannot register ${needAdmin.join(" or ")}: IAM grants token exchange, client credentials and storage scopes only to admins; use "admin" or "static"`);
            }
        },
    },
    {
        name: "static clients cover every client the site needs",
        reads: [["iam"], ["rucio", "mode"]],
        check: (site, report) => {
            if (site.iam.registration !== "static") return;
            if (site.iam.stormLogin && site.iam.clients.storm === undefined) {
                report(["iam", "clients", "storm"], "is required when iam.stormLogin is true");
            }
            if (site.rucio.mode === "deploy") {
                for (const role of ["rucioWebui", "rucioSync"] as const) {
                    if (site.iam.clients[role] === undefined) report(["iam", "clients", role], 'is required when rucio.mode is "deploy"');
                }
            }
        },
    },
    {
        name: "node groups are distinct, and each has a fixed size or autoscaling bounds",
        reads: [["cluster", "backend"], ["cluster", "nodeGroups", "*"]],
        check: (site, report) => {
            const c = site.cluster;
            if (c.backend === "existing") return;
            duplicates(c.nodeGroups, (g) => g.name, (i, g) => report(["cluster", "nodeGroups", i, "name"], `"${g.name}" names another node group; names must be unique`));
            each(c.nodeGroups, (g, i) => {
                const bounds = [g.minCount, g.maxCount].filter((b) => b !== undefined).length;
                if (g.count !== undefined && bounds > 0) {
                    // openstack-cluster leaves replicas out of an autoscaling group; Cluster API starts it at its minimum.
                    report(["cluster", "nodeGroups", i, "count"], "is ignored when the group autoscales (it starts at minCount); give count for a fixed size, or minCount and maxCount, not both");
                } else if (g.count === undefined && bounds === 0) {
                    report(["cluster", "nodeGroups", i], "needs count (a fixed size), or minCount and maxCount (autoscaling)");
                } else if (bounds === 1) {
                    report(["cluster", "nodeGroups", i, g.minCount === undefined ? "minCount" : "maxCount"], "is required with the other bound: an autoscaling group needs both minCount and maxCount");
                } else if (g.minCount !== undefined && g.maxCount !== undefined && g.minCount > g.maxCount) {
                    report(["cluster", "nodeGroups", i, "maxCount"], `${g.maxCount} is below minCount ${g.minCount}`);
                }
            });
        },
    },
    {
        name: "the Kubernetes release is one the pinned charts support",
        reads: [["cluster", "backend"], ["cluster", "kubernetesVersion"]],
        check: (site, report) => {
            const c = site.cluster;
            if (c.backend === "existing" || c.kubernetesVersion === undefined) return;
            const release = parseRelease(c.kubernetesVersion);
            if (!release) return;
            for (const pin of clusterCharts) {
                if (pin.kubeVersion && !satisfies(release, pin.kubeVersion)) {
                    report(["cluster", "kubernetesVersion"], `${formatRelease(release)} is outside what ${pin.chart} ${pin.version} supports (${pin.kubeVersion}); choose a release the pinned charts support, and an image built for it`);
                }
            }
        },
    },
    {
        name: "production sites do not run Magnum, whose API cannot be limited to the admin networks",
        reads: [["environment"], ["cluster", "backend"]],
        check: (site, report) => {
            if (site.environment === "production" && site.cluster.backend === "magnum") {
                // magnum-capi-helm passes api_master_lb_allowed_cidrs as apiServer.allowedCidrs,
                // which openstack-cluster 0.24 and later do not read; without the API's floating IP
                // the cloud's management cluster cannot reach the cluster at all.
                report(
                    ["cluster", "backend"],
                    `"magnum" leaves the Kubernetes API open to the internet (Magnum's Cluster API driver cannot limit it to the admin networks), which production sites refuse; use "capi", or "existing"`,
                );
            }
        },
    },
    {
        name: "the management cluster's addresses are IPv4, and not the whole internet in production",
        reads: [["environment"], ["cluster", "backend"], ["cluster", "managementEgressCidrs", "*"]],
        check: (site, report) => {
            const c = site.cluster;
            if (c.backend !== "capi") return;
            each(c.managementEgressCidrs, (text, i) => {
                const parsed = cidr(text);
                // CAPO drops every allowed CIDR that is not IPv4 from the API load balancer.
                if (parsed.version !== 4) report(["cluster", "managementEgressCidrs", i], `${text} is not IPv4; the API's load balancer admits IPv4 addresses only`);
                else if (site.environment === "production" && isAnyAddress(parsed)) {
                    report(["cluster", "managementEgressCidrs", i], `${text} opens the Kubernetes API to the whole internet, which production sites refuse; list the management cluster's egress address`);
                }
            });
            duplicates(c.managementEgressCidrs, networkKey, (i, t) => report(["cluster", "managementEgressCidrs", i], `${t} is the same network as an earlier entry`));
        },
    },
    {
        name: "RSE attributes the program derives are not set by hand",
        reads: [["rucio", "rseAttributes"]],
        check: (site, report) => {
            for (const key of Object.keys(site.rucio.rseAttributes)) {
                if ((derivedRseAttributes as readonly string[]).includes(key)) {
                    report(["rucio", "rseAttributes", key], `is derived from the site config (${derivedRseAttributes.join(", ")} are); remove it here`);
                }
            }
        },
    },
    {
        name: "notebook profiles are distinct, and at most one is the default",
        reads: [["jupyterhub", "profiles", "*"]],
        check: (site, report) => {
            const profiles = site.jupyterhub.profiles;
            duplicates(profiles, (p) => p.name, (i, p) => report(["jupyterhub", "profiles", i, "name"], `"${p.name}" is listed twice; give each profile its own name`));
            const defaults = profiles.map((p, i) => (p?.default ? i : -1)).filter((i) => i >= 0);
            for (const i of defaults.slice(1)) report(["jupyterhub", "profiles", i, "default"], `only one profile can be the default; profile ${defaults[0]} already is`);
        },
    },
    {
        name: "accounts on the RSE are distinct",
        reads: [["rucio", "accounts", "*"]],
        check: (site, report) => {
            duplicates(site.rucio.accounts, (a) => a.account, (i, a) => report(["rucio", "accounts", i, "account"], `"${a.account}" is listed twice; give each account once`));
        },
    },
    {
        name: "an external database is not deployed",
        reads: [["rucio", "mode"], ["rucio", "database"]],
        check: (site, report) => {
            if (site.rucio.mode !== "deploy" || !site.rucio.database.external) return;
            for (const key of ["instances", "backup", "restore"] as const) {
                if (site.rucio.database[key] !== undefined) report(["rucio", "database", key], "applies only to the database the site deploys; an external database (rucio.database.external) is run and backed up by its owners");
            }
        },
    },
    {
        name: "a restore reads the backups of another cluster",
        reads: [["rucio", "mode"], ["rucio", "database"]],
        check: (site, report) => {
            if (site.rucio.mode !== "deploy" || site.rucio.database.external) return;
            const db = site.rucio.database;
            if (!db.restore) return;
            if (!db.backup) report(["rucio", "database", "restore"], "needs rucio.database.backup: the backups are read from that object store");
            // Barman refuses to archive into a WAL archive that is not empty.
            if (db.restore.fromCluster === db.name) report(["rucio", "database", "restore", "fromCluster"], `is the database's own name "${db.name}"; give rucio.database.name a new name for the restored cluster`);
        },
    },
];

// What to ask the cloud, and what in the answers is left of a site: pure functions of the site,
// the answers and each API's documented rules. The queries use the APIs' own filters, so that a
// project with many resources answers with few; every answer is checked again here, since an API
// that does not apply a filter answers with everything instead of failing.
//
// API facts (each project's api-ref, at the commit named):
// - Neutron (openstack/neutron-lib@6cd671a8 api-ref/source/v2): `tags` returns resources that have
//   every tag of the comma-separated list, `tags-any` any of them (parameters.yaml:1784-1799), for
//   networks, subnets, routers, ports, security groups and floating IPs (tags.inc:15-18,
//   networks.inc:411); lists page with `<collection>_links` rel next (intro.inc:190-290).
// - Nova (openstack/nova@00a03040 api-ref/source): GET /servers/detail takes `tags` (all of them) from
//   microversion 2.26 (parameters.yaml:1385-1393), a filter outside the version's whitelist is
//   silently ignored (servers.inc:153-154), and a server's `tags` are in the answer from 2.26;
//   `name` is a regular expression (parameters.yaml:1211-1224). The version is asked for with
//   X-OpenStack-Nova-API-Version (api-guide/source/microversions.rst:102-113).
// - Cinder (openstack/cinder@ab09bc39): GET /v3/{project_id}/volumes/detail takes `metadata`, a
//   dictionary of key and value pairs (api-ref/source/v3/parameters.yaml:420-426), each of which a
//   volume must have (cinder/db/api.py:3148-3160); the value is read as a Python literal
//   (cinder/volume/api.py:2342-2370), and one that is not a dictionary matches nothing (db/api.py:3124-3128, 2776-2777).
// - Designate (openstack/designate@9f82089b): zones and recordsets are filtered by exact `name`
//   (`*` a wildcard) and `type` (designate/api/v2/controllers/rest.py:55-75, common.py:19-28); a
//   record set's name is the FQDN with its trailing dot; lists page with links.next.
// - Octavia (openstack/octavia@0e6ea11c api-ref/source/v2/general.inc:166-217): `tags` as Neutron's.
// - Magnum (openstack/magnum@5a492d64 magnum/api/controllers/v1/cluster.py:400-412): clusters and
//   templates are listed whole (marker, limit and sort only) and page with `next`.
// - Keystone (openstack/keystone@30ef2ffa api-ref/source/v3/application-credentials.inc:254-291):
//   a user's application credentials, filtered by `name`.
import type { LeftoverSite } from "./site";
import { literal } from "./site";

export type Service = "network" | "compute" | "block-storage" | "dns" | "load-balancer" | "container-infra" | "identity";

export interface ServiceSpec {
    readonly label: string;
    /** Catalog types, in the order they are tried (gophercloud@v1.8.0:openstack/client.go names the first). */
    readonly catalogTypes: readonly string[];
    /** The API's root below the catalog's endpoint, where the paths of the queries start. */
    readonly root: (endpoint: string) => string;
}

const trim = (url: string) => url.replace(/\/+$/, "");
const withVersion = (endpoint: string, version: string) => `${trim(endpoint).replace(new RegExp(`/${literal(version)}$`), "")}/${version}`;

/** The services the site's resources live in, as the provider reaches them (gophercloud@v1.8.0:openstack/client.go:383-492). */
export const services: Readonly<Record<Service, ServiceSpec>> = {
    network: { label: "Neutron (network)", catalogTypes: ["network"], root: (e) => withVersion(e, "v2.0") },
    compute: { label: "Nova (compute)", catalogTypes: ["compute"], root: trim },
    "block-storage": { label: "Cinder (volumev3)", catalogTypes: ["volumev3", "block-storage"], root: trim },
    dns: { label: "Designate (dns)", catalogTypes: ["dns"], root: (e) => withVersion(e, "v2") },
    "load-balancer": { label: "Octavia (load-balancer)", catalogTypes: ["load-balancer"], root: (e) => withVersion(trim(e).replace(/\/v2\.0$/, ""), "v2") },
    "container-infra": { label: "Magnum (container-infra)", catalogTypes: ["container-infra"], root: (e) => withVersion(e, "v1") },
    identity: { label: "Keystone (identity)", catalogTypes: ["identity"], root: (e) => withVersion(e, "v3") },
};

export type Kind =
    | "network"
    | "subnet"
    | "router"
    | "port"
    | "security-group"
    | "floating-ip"
    | "server"
    | "volume"
    | "load-balancer"
    | "magnum-cluster"
    | "magnum-cluster-template"
    | "dns-zone"
    | "dns-recordset"
    | "application-credential";

/** How the items of an answer are judged. */
export type Match =
    | { readonly by: "tag" }
    | { readonly by: "tag-metadata" }
    | { readonly by: "csi-volume" }
    | { readonly by: "cluster-load-balancer" }
    | { readonly by: "node-name"; readonly prefix: string }
    | { readonly by: "name"; readonly name: string }
    | { readonly by: "name-pattern"; readonly pattern: string }
    | { readonly by: "zone"; readonly created: boolean }
    | { readonly by: "recordset"; readonly fqdn: string };

export interface Query {
    /** Unique within a run; also what a missing answer is reported under. */
    readonly key: string;
    readonly service: Service;
    readonly kind: Kind;
    /** Below the service's root, with its query string. */
    readonly path: string;
    /** The key of the list in the answer. */
    readonly collection: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly match: Match;
    /** What it finds, for the JSON output. */
    readonly finds: string;
    /** Whether the service must be in the catalog: a service the site needs; otherwise nothing of that kind can exist. */
    readonly required: boolean;
}

/** An API resource as a list returns it. */
export type Item = Readonly<Record<string, unknown>>;

export interface Leftover {
    readonly kind: Kind;
    readonly id: string;
    readonly name: string;
    readonly service: Service;
    /** Why it is the site's. */
    readonly why: string;
}

/** Nova's microversion that filters and shows server tags. */
export const novaTagsVersion = "2.26";

/** The value the site's tags have as Cinder metadata keys (components/storage: tags go in as keys). */
export const tagMetadataValue = "true";

/** The site's tags as a volume's metadata carries them: every key whose value is `true`. */
export const tagsOfMetadata = (metadata: unknown): string[] =>
    typeof metadata === "object" && metadata !== null ? Object.entries(metadata as Record<string, unknown>).filter(([, v]) => v === tagMetadataValue).map(([k]) => k) : [];

/** Cinder CSI writes the cluster's ID into each volume it makes (cloud-provider-openstack@v1.36.0:pkg/csi/cinder/controllerserver.go:51,131). */
export const csiClusterKey = "cinder.csi.openstack.org/cluster";

const query = (params: Record<string, string>) => {
    const q = new URLSearchParams(params).toString();
    return q ? `?${q}` : "";
};

const neutronKinds: readonly { kind: Kind; path: string; collection: string }[] = [
    { kind: "network", path: "networks", collection: "networks" },
    { kind: "subnet", path: "subnets", collection: "subnets" },
    { kind: "router", path: "routers", collection: "routers" },
    { kind: "port", path: "ports", collection: "ports" },
    { kind: "security-group", path: "security-groups", collection: "security_groups" },
    { kind: "floating-ip", path: "floatingips", collection: "floatingips" },
];

/** The first round of queries; Designate's record sets follow once the zone's ID is known (followUps). */
export function planQueries(site: LeftoverSite, userId?: string): Query[] {
    const tag = site.tag;
    const c = site.cluster;
    const builds = c.backend !== "existing";
    const tagged = `carrying ${tag}`;
    const queries: Query[] = neutronKinds.map((n) => ({
        key: `network ${n.path} ${tag}`,
        service: "network",
        kind: n.kind,
        path: `/${n.path}${query({ tags: tag })}`,
        collection: n.collection,
        match: { by: "tag" },
        finds: `${n.kind}s ${tagged}`,
        required: true,
    }));
    const nova = { "X-OpenStack-Nova-API-Version": novaTagsVersion };
    queries.push({ key: `compute servers ${tag}`, service: "compute", kind: "server", path: `/servers/detail${query({ tags: tag })}`, collection: "servers", headers: nova, match: { by: "tag" }, finds: `servers ${tagged}`, required: true });
    queries.push({
        key: `block-storage volumes ${tag}`,
        service: "block-storage",
        kind: "volume",
        path: `/volumes/detail${query({ metadata: JSON.stringify({ [tag]: tagMetadataValue }) })}`,
        collection: "volumes",
        match: { by: "tag-metadata" },
        finds: `volumes whose metadata carries ${tag}`,
        required: true,
    });
    queries.push({
        key: `load-balancer loadbalancers ${tag}`,
        service: "load-balancer",
        kind: "load-balancer",
        path: `/lbaas/loadbalancers${query({ tags: tag })}`,
        collection: "loadbalancers",
        match: { by: "tag" },
        finds: `load balancers ${tagged}`,
        required: false,
    });
    if (builds || c.sharedIngressNamespace) {
        // The cluster's cloud controller names its load balancers after the cluster, not the site: every one is listed.
        queries.push({
            key: "load-balancer loadbalancers of the cluster",
            service: "load-balancer",
            kind: "load-balancer",
            path: "/lbaas/loadbalancers",
            collection: "loadbalancers",
            match: { by: "cluster-load-balancer" },
            finds: "load balancers the cluster's cloud controller or Cluster API made (named after the cluster), or on the site's network",
            required: false,
        });
    }
    if (builds) {
        queries.push({
            key: "block-storage volumes of the cluster",
            service: "block-storage",
            kind: "volume",
            path: "/volumes/detail",
            collection: "volumes",
            match: { by: "csi-volume" },
            finds: `volumes Cinder CSI made for the cluster (metadata ${csiClusterKey})`,
            required: true,
        });
        queries.push({
            key: "compute servers of the cluster",
            service: "compute",
            kind: "server",
            path: `/servers/detail${query({ name: `^${literal(c.nodePrefix!)}` })}`,
            collection: "servers",
            headers: nova,
            match: { by: "node-name", prefix: c.nodePrefix! },
            finds: `the cluster's nodes (servers named ${c.nodePrefix}...)`,
            required: true,
        });
    }
    if (c.backend === "magnum") {
        queries.push({ key: "container-infra clusters", service: "container-infra", kind: "magnum-cluster", path: "/clusters", collection: "clusters", match: { by: "name", name: c.name! }, finds: `the Magnum cluster ${c.name}`, required: true });
        if (c.templateName) {
            queries.push({
                key: "container-infra clustertemplates",
                service: "container-infra",
                kind: "magnum-cluster-template",
                path: "/clustertemplates",
                collection: "clustertemplates",
                match: { by: "name-pattern", pattern: c.templateName.source },
                finds: `the site's cluster templates (${c.templateName.source})`,
                required: true,
            });
        }
    }
    if (c.backend === "capi" && c.applicationCredential && userId) {
        queries.push({
            key: "identity application credentials",
            service: "identity",
            kind: "application-credential",
            path: `/users/${encodeURIComponent(userId)}/application_credentials${query({ name: c.applicationCredential })}`,
            collection: "application_credentials",
            match: { by: "name", name: c.applicationCredential },
            finds: `the Cluster API controllers' application credential ${c.applicationCredential}`,
            required: true,
        });
    }
    if (site.dns) {
        queries.push({
            key: "dns zones",
            service: "dns",
            kind: "dns-zone",
            path: `/zones${query({ name: `${site.dns.zone}.` })}`,
            collection: "zones",
            match: { by: "zone", created: site.dns.createZone },
            finds: site.dns.createZone ? `the zone ${site.dns.zone}. the site created` : `the zone ${site.dns.zone}. (the records' zone, not the site's)`,
            required: true,
        });
    }
    return queries;
}

/** Record sets of the site's hostnames in each zone of that name the first round found. */
export function followUps(site: LeftoverSite, answers: ReadonlyMap<string, readonly Item[]>): Query[] {
    if (!site.dns) return [];
    const zones = (answers.get("dns zones") ?? []).filter((z) => sameName(String(z.name), `${site.dns!.zone}.`));
    return zones.flatMap((z) =>
        site.dns!.hostnames.map(
            (host): Query => ({
                key: `dns recordsets ${host} in ${String(z.id)}`,
                service: "dns",
                kind: "dns-recordset",
                path: `/zones/${encodeURIComponent(String(z.id))}/recordsets${query({ name: `${host}.`, type: "A" })}`,
                collection: "recordsets",
                match: { by: "recordset", fqdn: `${host}.` },
                finds: `the A record set of ${host}.`,
                required: true,
            }),
        ),
    );
}

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

const tagsOf = (item: Item): string[] | undefined => (Array.isArray(item.tags) ? item.tags.map(String) : undefined);

/** A tag of another site: what the cluster's controllers make carries none, so a name that looks like ours but is tagged so is not ours. */
const otherSite = (site: LeftoverSite, item: Item) => (tagsOf(item) ?? []).some((t) => t.startsWith("site:") && t !== site.tag) || tagsOfMetadata(item.metadata).some((t) => t.startsWith("site:") && t !== site.tag);

/** Names of an item as its API calls them. */
function nameOf(kind: Kind, item: Item): string {
    if (kind === "floating-ip") return String(item.floating_ip_address ?? item.name ?? "");
    return String(item.name ?? "");
}

const idOf = (item: Item) => String(item.id ?? item.uuid ?? "");

/** An answer that does not say what the query asked: the service did not apply a filter it relies on. */
export class UnfilteredAnswer extends Error {}

export interface Facts {
    /** The cluster's names in the cloud: the site's patterns and, when the Magnum cluster is still there, its UUID and Helm release (stack_id). */
    readonly clusterNames: readonly string[];
    /** IDs of the site's networks still there. */
    readonly networkIds: ReadonlySet<string>;
}

/** What the first answers add to what the site says (the Magnum cluster's IDs, the site's networks). */
export function factsOf(site: LeftoverSite, answers: ReadonlyMap<string, readonly Item[]>): Facts {
    const names = [...site.cluster.cloudNames];
    if (site.cluster.backend === "magnum") {
        for (const m of (answers.get("container-infra clusters") ?? []).filter((x) => x.name === site.cluster.name)) {
            for (const v of [m.uuid, m.stack_id]) if (typeof v === "string" && v) names.push(literal(v));
        }
    }
    const networkIds = new Set((answers.get(`network networks ${site.tag}`) ?? []).filter((n) => (tagsOf(n) ?? []).includes(site.tag)).map(idOf));
    return { clusterNames: names, networkIds };
}

/**
 * Why an item of a query's answer is the site's, or undefined when it is not. Throws
 * UnfilteredAnswer for an answer to a tag query whose items carry no tags at all (Nova below
 * microversion 2.26 ignores the filter and shows no tags: every server would come back).
 */
export function judge(site: LeftoverSite, q: Query, item: Item, facts: Facts): string | undefined {
    const name = nameOf(q.kind, item);
    const anyName = (names: readonly string[]) => `(?:${names.join("|")})`;
    switch (q.match.by) {
        case "tag": {
            const tags = tagsOf(item);
            if (tags === undefined) throw new UnfilteredAnswer(`${services[q.service].label} answered ${q.path} with ${q.kind}s that show no tags: it did not apply the tag filter`);
            return tags.includes(site.tag) ? `tagged ${site.tag}` : undefined;
        }
        case "tag-metadata":
            return tagsOfMetadata(item.metadata).includes(site.tag) ? `metadata ${site.tag}=${tagMetadataValue}` : undefined;
        case "csi-volume": {
            const owner = (item.metadata as Record<string, unknown> | undefined)?.[csiClusterKey];
            if (typeof owner !== "string" || otherSite(site, item) || facts.clusterNames.length === 0) return undefined;
            return new RegExp(`^${anyName(facts.clusterNames)}$`).test(owner) ? `made by the cluster's Cinder CSI (${csiClusterKey}=${owner})` : undefined;
        }
        case "cluster-load-balancer": {
            if (otherSite(site, item)) return undefined;
            const c = facts.clusterNames;
            // The cloud controller: kube_service_<cluster>_<namespace>_<service>, also its tag where Octavia
            // has tags, and "Kubernetes external service <ns>/<svc> from cluster <cluster>"
            // (cloud-provider-openstack@v1.36.0:pkg/openstack/loadbalancer.go:100-101,230-239,369-371).
            const ccm = c.length ? new RegExp(`^kube_service_${anyName(c)}_`) : undefined;
            if (ccm && (ccm.test(name) || (tagsOf(item) ?? []).some((t) => ccm.test(t)))) return `the cluster's cloud controller made it (${name})`;
            if (c.length && new RegExp(` from cluster ${anyName(c)}$`).test(String(item.description ?? ""))) return "the cluster's cloud controller made it (its description names the cluster)";
            // Cluster API's own: k8s-clusterapi-cluster-<namespace>-<cluster>-kubeapi
            // (cluster-api-provider-openstack@v0.14.7:pkg/cloud/services/loadbalancer/loadbalancer.go:46-47,859-860).
            if (c.length && new RegExp(`^k8s-clusterapi-cluster-[a-z0-9-]+-${anyName(c)}-kubeapi$`).test(name)) return "Cluster API made it for the cluster's API";
            // A shared cluster: its own name is not the site's, but the site's ingress namespace is.
            const shared = site.cluster.sharedIngressNamespace;
            if (shared && new RegExp(`^kube_service_.+_${literal(shared)}_[a-z0-9-]+$`).test(name)) return `the shared cluster's cloud controller made it for the site's ${shared} namespace`;
            const vip = String(item.vip_network_id ?? "");
            if (vip && facts.networkIds.has(vip)) return "its address is on the site's network";
            return undefined;
        }
        case "node-name":
            return name.startsWith(q.match.prefix) && !otherSite(site, item) ? `a node of the cluster (named ${q.match.prefix}...)` : undefined;
        case "name":
            return name === q.match.name ? `named ${q.match.name}` : undefined;
        case "name-pattern":
            return new RegExp(q.match.pattern).test(name) ? "named as the site names its cluster templates" : undefined;
        case "zone":
            return q.match.created && sameName(name, `${site.dns!.zone}.`) ? "the zone the site created" : undefined;
        case "recordset":
            return sameName(name, q.match.fqdn) && item.type === "A" ? `the record of the site's hostname ${q.match.fqdn}` : undefined;
    }
}

export interface QueryProblem {
    readonly service: Service;
    readonly query: string;
    readonly message: string;
}

/** The leftovers in all answers, each resource once (the first query that finds it says why), and the answers that cannot be judged. */
export function leftoversOf(site: LeftoverSite, queries: readonly Query[], answers: ReadonlyMap<string, readonly Item[]>): { leftovers: Leftover[]; problems: QueryProblem[] } {
    const facts = factsOf(site, answers);
    const seen = new Set<string>();
    const leftovers: Leftover[] = [];
    const problems: QueryProblem[] = [];
    for (const q of queries) {
        const items = answers.get(q.key);
        if (!items) continue;
        const judged: Leftover[] = [];
        try {
            for (const item of items) {
                const why = judge(site, q, item, facts);
                if (why) judged.push({ kind: q.kind, id: idOf(item), name: nameOf(q.kind, item), service: q.service, why });
            }
        } catch (err) {
            if (!(err instanceof UnfilteredAnswer)) throw err;
            problems.push({ service: q.service, query: q.key, message: err.message });
            continue;
        }
        for (const l of judged) {
            if (seen.has(`${l.kind} ${l.id}`)) continue;
            seen.add(`${l.kind} ${l.id}`);
            leftovers.push(l);
        }
    }
    return { leftovers, problems };
}

// The list rules of the OpenStack APIs the leftovers tool asks, written from each project's API
// reference (and, where the reference is silent, its code), one function per rule, so that the
// loopback stand-in answers as the real services do, not as the tool expects them to.
// Citations: openstack/neutron-lib@6cd671a8, openstack/nova@00a03040, openstack/cinder@ab09bc39,
// openstack/designate@9f82089b, openstack/octavia@0e6ea11c, openstack/magnum@master (5a492d64).

export type Item = Record<string, unknown>;

/** Query parameters as the services read them: every occurrence of a key. */
export type Params = ReadonlyMap<string, readonly string[]>;

export function paramsOf(search: URLSearchParams): Params {
    const m = new Map<string, string[]>();
    for (const [k, v] of search) m.set(k, [...(m.get(k) ?? []), v]);
    return m;
}

/** An answer with an HTTP status that is not 200. */
export class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly body: unknown,
    ) {
        super(`HTTP ${status}`);
    }
}

// --- tags: Neutron and Octavia alike

/**
 * The tag filters, each a comma-separated list (neutron-lib api-ref/source/v2/parameters.yaml:1161-1176,
 * 1784-1799; octavia api-ref/source/v2/general.inc:175-184, which also allows the key repeated):
 * `tags` keeps resources that have all the tags, `tags-any` those that have at least one,
 * `not-tags` drops those that have all of them, `not-tags-any` those that have any.
 */
export function tagFilter(params: Params): (tags: readonly string[]) => boolean {
    const list = (key: string) => (params.get(key) ?? []).flatMap((v) => v.split(",")).filter((t) => t !== "");
    const all = list("tags");
    const any = list("tags-any");
    const notAll = list("not-tags");
    const notAny = list("not-tags-any");
    return (tags) =>
        all.every((t) => tags.includes(t)) &&
        (any.length === 0 || any.some((t) => tags.includes(t))) &&
        !(notAll.length > 0 && notAll.every((t) => tags.includes(t))) &&
        !notAny.some((t) => tags.includes(t));
}

export const tagParams = ["tags", "tags-any", "not-tags", "not-tags-any"] as const;

const asText = (v: unknown) => (typeof v === "boolean" ? String(v) : v === null || v === undefined ? "" : String(v));

/** A value as Neutron compares a filter with it: booleans accept True/true/False/false. */
function sameValue(stored: unknown, wanted: string): boolean {
    if (typeof stored === "boolean") return wanted.toLowerCase() === String(stored);
    return asText(stored) === wanted;
}

// --- pagination: limit and marker, the next link in <collection>_links (Neutron intro.inc:190-290, Nova
// api-guide paginated_collections.rst, Cinder and Octavia alike) or links.next (Designate)

export interface Page {
    readonly items: Item[];
    /** The query string of the next page, if there is one. */
    readonly next?: URLSearchParams;
}

/** A page of `items` after `marker` (the last ID of the previous page), `limit` long or the server's maximum. */
export function page(items: readonly Item[], search: URLSearchParams, maxLimit: number, idKey = "id"): Page {
    const asked = Number(search.get("limit") ?? maxLimit);
    const limit = Number.isFinite(asked) && asked > 0 ? Math.min(asked, maxLimit) : maxLimit;
    const marker = search.get("marker");
    let start = 0;
    if (marker !== null) {
        const at = items.findIndex((i) => String(i[idKey]) === marker);
        if (at < 0) throw new ApiError(400, { message: `marker ${marker} not found` });
        start = at + 1;
    }
    const slice = items.slice(start, start + limit);
    if (start + limit >= items.length) return { items: slice };
    const next = new URLSearchParams(search);
    next.set("limit", String(limit));
    next.set("marker", String(slice[slice.length - 1][idKey]));
    return { items: slice, next };
}

// --- Neutron

/** Parameters of a Neutron list that are not filters (intro.inc: fields, pagination, sorting). */
const neutronControls = new Set(["fields", "limit", "marker", "page_reverse", "sort_key", "sort_dir"]);

/**
 * Neutron's list filters (intro.inc:116-171): any top-level attribute; different fields AND, a
 * field repeated OR; with the filter-validation extension an unknown parameter is a 400 instead of
 * being ignored. The tag filters as above.
 */
export function neutronFilter(params: Params, attributes: ReadonlySet<string>): (item: Item) => boolean {
    const unknown = [...params.keys()].filter((k) => !neutronControls.has(k) && !(tagParams as readonly string[]).includes(k) && !attributes.has(k));
    if (unknown.length > 0) throw new ApiError(400, { NeutronError: { type: "HTTPBadRequest", message: `[${unknown.join(", ")}] is invalid attribute for filtering`, detail: "" } });
    const tags = tagFilter(params);
    const fields = [...params.entries()].filter(([k]) => attributes.has(k) && !(tagParams as readonly string[]).includes(k));
    return (item) => tags((item.tags as string[] | undefined) ?? []) && fields.every(([k, values]) => values.some((v) => sameValue(item[k], v)));
}

// --- Nova

export interface Microversion {
    readonly major: number;
    readonly minor: number;
}

export const mv = (text: string): Microversion => {
    const m = /^(\d+)\.(\d+)$/.exec(text.trim());
    if (!m) throw new ApiError(400, { badRequest: { code: 400, message: `Invalid API version request ${text}` } });
    return { major: Number(m[1]), minor: Number(m[2]) };
};
export const atLeast = (v: Microversion, w: Microversion) => v.major > w.major || (v.major === w.major && v.minor >= w.minor);
export const mvText = (v: Microversion) => `${v.major}.${v.minor}`;

/** `OpenStack-API-Version: <service> X.Y[, ...]`, the newer header, for one service. */
function versionFor(header: string | undefined, service: string): string | undefined {
    for (const part of (header ?? "").split(",")) {
        const [s, v] = part.trim().split(/\s+/);
        if (s?.toLowerCase() === service && v) return v;
    }
    return undefined;
}

/**
 * The microversion a request asks for (nova api-guide/source/microversions.rst:118-131): none
 * asked, the minimum; OpenStack-API-Version preferred over X-OpenStack-Nova-API-Version; `latest`
 * the maximum; outside the supported range, 406.
 */
export function novaMicroversion(headers: Readonly<Record<string, string | string[] | undefined>>, min: Microversion, max: Microversion): Microversion {
    const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h.join(",") : h);
    const asked = versionFor(one(headers["openstack-api-version"]), "compute") ?? one(headers["x-openstack-nova-api-version"]);
    if (asked === undefined) return min;
    if (asked.trim() === "latest") return max;
    const v = mv(asked);
    if (!atLeast(v, min) || !atLeast(max, v)) {
        throw new ApiError(406, { computeFault: { code: 406, message: `Version ${asked} is not supported by the API. Minimum is ${mvText(min)} and maximum is ${mvText(max)}.` } });
    }
    return v;
}

/**
 * The filters a project's user may list servers by, each from the microversion that brought it
 * (servers.inc:153-190); any other is silently ignored.
 */
const novaUserFilters: readonly (readonly [string, string])[] = [
    ["changes-since", "2.1"],
    ["flavor", "2.1"],
    ["image", "2.1"],
    ["ip", "2.1"],
    ["ip6", "2.5"],
    ["name", "2.1"],
    ["not-tags", "2.26"],
    ["not-tags-any", "2.26"],
    ["reservation_id", "2.1"],
    ["status", "2.1"],
    ["tags", "2.26"],
    ["tags-any", "2.26"],
    ["changes-before", "2.66"],
    ["locked", "2.73"],
    ["availability_zone", "2.83"],
    ["key_name", "2.83"],
    ["user_id", "2.83"],
];

export function novaFilter(params: Params, version: Microversion): (server: Item) => boolean {
    const allowed = new Set(novaUserFilters.filter(([, since]) => atLeast(version, mv(since))).map(([k]) => k));
    const given = new Map([...params].filter(([k]) => allowed.has(k)));
    const tags = tagFilter(given);
    // `name` is a regular expression, matched anywhere in the name (parameters.yaml:1211-1224: ?name=bob returns bob and bobb).
    const name = given.get("name")?.[0];
    const pattern = name === undefined ? undefined : new RegExp(name);
    const status = given.get("status")?.[0];
    return (s) =>
        tags((s.tags as string[] | undefined) ?? []) &&
        (pattern === undefined || pattern.test(String(s.name))) &&
        (status === undefined || String(s.status).toUpperCase() === status.toUpperCase());
}

/** A server as the microversion shows it: `tags` from 2.26 on (parameters.yaml:7116-7122). */
export function novaView(server: Item, version: Microversion): Item {
    if (atLeast(version, mv("2.26"))) return server;
    const { tags: _tags, ...rest } = server;
    return rest;
}

// --- Cinder

/** The volume filters a project's user may use by default (cinder etc/cinder/resource_filters.json). */
export const cinderVolumeFilters = new Set(["name", "status", "metadata", "bootable", "migration_status", "availability_zone", "group_id", "size", "created_at", "updated_at", "consumes_quota"]);
const cinderControls = new Set(["limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count", "all_tenants"]);

/** `OpenStack-API-Version: volume 3.x`; none asked, 3.0. */
export function cinderMicroversion(header: string | undefined): Microversion {
    return mv(versionFor(header, "volume") ?? "3.0");
}

/**
 * A filter value as Cinder reads it: a Python literal when it is one, else the string itself
 * (cinder/volume/api.py:2342-2370, ast.literal_eval). JSON's objects, strings and numbers are
 * Python literals too; a Python dict with single quotes is read as well.
 */
export function pythonLiteral(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        // not JSON
    }
    if (/^\{.*\}$/s.test(text.trim())) {
        try {
            return JSON.parse(text.replace(/'/g, '"'));
        } catch {
            // not a dict
        }
    }
    return text;
}

/**
 * Cinder's volume filters: from microversion 3.31 a filter outside the allowed list is a 400
 * (volumes-v3-volumes.inc:69-73, cinder/api/common.py:507-527); before it is dropped
 * (api_utils.remove_invalid_filter_options). `metadata` must be a dictionary, every pair of which
 * the volume has, and one that is not a dictionary makes the list empty (cinder/db/api.py:3124-3128, 2776-2777,
 * 3146-3160); any other filter is an exact match.
 */
export function cinderFilter(params: Params, version: Microversion): (volume: Item) => boolean {
    const filters = [...params].filter(([k]) => !cinderControls.has(k));
    const invalid = filters.filter(([k]) => !cinderVolumeFilters.has(k)).map(([k]) => k);
    if (invalid.length > 0 && atLeast(version, mv("3.31"))) throw new ApiError(400, { badRequest: { code: 400, message: `Invalid filters ${invalid.join(",")} are found in query options.` } });
    const valid = filters.filter(([k]) => cinderVolumeFilters.has(k)).map(([k, v]) => [k, pythonLiteral(v[v.length - 1])] as const);
    const metadata = valid.find(([k]) => k === "metadata")?.[1];
    if (metadata !== undefined && (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))) return () => false;
    const rest = valid.filter(([k]) => k !== "metadata");
    return (v) =>
        Object.entries((metadata as Record<string, unknown> | undefined) ?? {}).every(([k, val]) => (v.metadata as Record<string, unknown>)?.[k] === val) &&
        rest.every(([k, val]) => asText(v[k]) === asText(val));
}

// --- Designate

/**
 * Designate's filters (designate/api/v2/controllers/rest.py:55-75): a key outside the accepted ones
 * is a 400, so is a key given twice; `*` in a value is SQL LIKE's `%` (storage/sqlalchemy/base.py:128-139),
 * otherwise the match is exact.
 */
export function designateFilter(params: Params, accepted: readonly string[]): (item: Item) => boolean {
    const controls = new Set(["limit", "marker", "sort_key", "sort_dir"]);
    const duplicate = [...params].filter(([, v]) => v.length > 1).map(([k]) => k);
    if (duplicate.length > 0) throw new ApiError(400, { code: 400, type: "bad_request", message: `Duplicate filters ${duplicate.join(", ")}` });
    const invalid = [...params.keys()].filter((k) => !controls.has(k) && !accepted.includes(k));
    if (invalid.length > 0) throw new ApiError(400, { code: 400, type: "bad_request", message: `Invalid filters ${invalid.join(", ")}` });
    const criteria = [...params].filter(([k]) => accepted.includes(k)).map(([k, [v]]) => [k, v.replace(/\*/g, "%")] as const);
    return (item) =>
        criteria.every(([k, v]) => {
            const stored = asText(item[k]);
            if (!v.includes("%")) return stored === v;
            const like = new RegExp(`^${v.split("%").map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/_/g, ".")).join(".*")}$`, "s");
            return like.test(stored);
        });
}

export const designateZoneFilters = ["name", "type", "email", "status", "description", "ttl"] as const;
export const designateRecordsetFilters = ["name", "type", "ttl", "data", "status", "description"] as const;

// --- Octavia

const octaviaControls = new Set(["fields", "limit", "marker", "page_reverse", "sort", "sort_key", "sort_dir"]);

/**
 * Octavia's filters (general.inc:141-217): top-level attributes, ANDed, no OR; the tag filters.
 * An unknown key is a 400 here: the reference does not say, and the tool sends none.
 */
export function octaviaFilter(params: Params, attributes: ReadonlySet<string>): (item: Item) => boolean {
    const unknown = [...params.keys()].filter((k) => !octaviaControls.has(k) && !(tagParams as readonly string[]).includes(k) && !attributes.has(k));
    if (unknown.length > 0) throw new ApiError(400, { faultcode: "Client", faultstring: `Invalid filter ${unknown.join(", ")}` });
    const tags = tagFilter(params);
    const fields = [...params].filter(([k]) => attributes.has(k) && !(tagParams as readonly string[]).includes(k));
    return (item) => tags((item.tags as string[] | undefined) ?? []) && fields.every(([k, values]) => values.every((v) => sameValue(item[k], v)));
}

// --- Magnum

/** Magnum's lists take marker, limit, sort_key and sort_dir only (magnum/api/controllers/v1/cluster.py:400-412); WSME refuses other arguments. */
export function magnumParams(params: Params): void {
    const unknown = [...params.keys()].filter((k) => !["marker", "limit", "sort_key", "sort_dir"].includes(k));
    if (unknown.length > 0) throw new ApiError(400, { errors: [{ status: 400, title: "Bad Request", detail: `Unknown argument: "${unknown.join(", ")}"` }] });
}

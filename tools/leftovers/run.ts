// Runs the queries against the cloud with the site's login: Keystone first (token and catalog),
// then every list, all pages of it, and judges the answers (plan.ts). A service that fails is
// reported by name; the others still answer.
import { cloudCa } from "../../components/site/cloud-ca";
import { cloudGet, type CloudRequest, type CloudResponse } from "../../components/site/cloud-http";
import { hostLookup, resolveLogin, type LoginLookup } from "./credentials";
import { endpointOf, errorMessage, issueToken, type Session } from "./keystone";
import { followUps, leftoversOf, planQueries, services, type Item, type Leftover, type Query, type QueryProblem, type Service } from "./plan";
import type { LeftoverSite } from "./site";

export interface Checked {
    readonly query: string;
    readonly service: Service;
    readonly url: string;
    readonly finds: string;
    readonly items: number;
}

export interface Report {
    readonly stack: string;
    readonly site: string;
    readonly tag: string;
    /** Where the login came from. */
    readonly login?: string;
    readonly leftovers: readonly Leftover[];
    /** Every query that could not be answered, by service: the listing is incomplete. */
    readonly errors: readonly QueryProblem[];
    /** Services not in the catalog that the site does not need: nothing of theirs can exist. */
    readonly skipped: readonly { readonly service: Service; readonly query: string; readonly reason: string }[];
    readonly checked: readonly Checked[];
}

export interface RunOptions {
    readonly lookup?: LoginLookup;
    /** GET transport; the program's own by default (components/site/cloud-http.ts). */
    readonly get?: (request: CloudRequest) => Promise<CloudResponse>;
}

/** A query's failure, already worded with the service's name. */
class ServiceError extends Error {}

/** Pages a list answer points to: Neutron, Nova, Cinder and Octavia's `<collection>_links` rel next, Designate and Keystone's links.next, Magnum's next. */
export function nextLink(body: unknown, collection: string, current: string): string | undefined {
    const b = body as Record<string, any>;
    let href: unknown;
    const links = b?.[`${collection}_links`];
    if (Array.isArray(links)) href = links.find((l: any) => l?.rel === "next")?.href;
    href ??= b?.links?.next ?? b?.next;
    return typeof href === "string" && href ? new URL(href, current).toString() : undefined;
}

const maxPages = 200;

async function listAll(q: Query, url: string, session: Session, ca: string, get: NonNullable<RunOptions["get"]>): Promise<Item[]> {
    const label = services[q.service].label;
    const items: Item[] = [];
    const visited = new Set<string>();
    let next: string | undefined = url;
    while (next) {
        if (visited.has(next) || visited.size >= maxPages) throw new ServiceError(`${label} kept paging ${url} (at ${next}): stopped after ${visited.size} pages`);
        visited.add(next);
        let answer: CloudResponse;
        try {
            answer = await get({ url: next, headers: { "x-auth-token": session.token, ...(q.headers ?? {}) }, ca });
        } catch (err) {
            throw new ServiceError(`${label} could not be reached at ${next}: ${(err as Error).message}`);
        }
        if (answer.status !== 200) throw new ServiceError(`${label} answered HTTP ${answer.status} to GET ${next}: ${errorMessage(answer.body)}`);
        const list = (answer.body as Record<string, unknown> | undefined)?.[q.collection];
        if (!Array.isArray(list)) throw new ServiceError(`${label} answered GET ${next} without a "${q.collection}" list`);
        items.push(...(list as Item[]));
        next = nextLink(answer.body, q.collection, next);
    }
    return items;
}

export async function findLeftovers(site: LeftoverSite, options: RunOptions = {}): Promise<Report> {
    const lookup = options.lookup ?? hostLookup();
    const get = options.get ?? cloudGet;
    const base = { stack: site.stack, site: site.name, tag: site.tag };
    let session: Session;
    let login;
    let ca: string;
    try {
        login = resolveLogin(site.openstack, lookup);
        // The CA as the provider finds it: the cloud's clouds.yaml entry may name it (OS_CLOUD, as the provider defaults to it).
        ca = cloudCa({ ...site.openstack, cloud: site.openstack.cloud ?? (lookup.env.OS_CLOUD || undefined) }, lookup).pem;
        session = await issueToken(login, ca);
    } catch (err) {
        return { ...base, login: login?.source, leftovers: [], errors: [{ service: "identity", query: "login", message: (err as Error).message }], skipped: [], checked: [] };
    }
    const errors: QueryProblem[] = [];
    const skipped: { service: Service; query: string; reason: string }[] = [];
    const checked: Checked[] = [];
    const answers = new Map<string, Item[]>();
    const ask = async (queries: readonly Query[]) => {
        await Promise.all(
            queries.map(async (q) => {
                const spec = services[q.service];
                const endpoint = endpointOf(session.catalog, spec.catalogTypes, login!.interface, login!.region);
                if (!endpoint) {
                    const reason = `${spec.label} has no ${login!.interface} endpoint${login!.region ? ` in region ${login!.region}` : ""} in the catalog (types ${spec.catalogTypes.join(", ")})`;
                    if (q.required) errors.push({ service: q.service, query: q.key, message: reason });
                    else skipped.push({ service: q.service, query: q.key, reason: `${reason}: nothing of that kind can be there` });
                    return;
                }
                const url = `${spec.root(endpoint)}${q.path}`;
                try {
                    const items = await listAll(q, url, session, ca, get);
                    answers.set(q.key, items);
                    checked.push({ query: q.key, service: q.service, url, finds: q.finds, items: items.length });
                } catch (err) {
                    if (!(err instanceof ServiceError)) throw err;
                    errors.push({ service: q.service, query: q.key, message: err.message });
                }
            }),
        );
    };
    const first = planQueries(site, session.userId);
    await ask(first);
    const second = followUps(site, answers);
    await ask(second);
    const queries = [...first, ...second];
    const judged = leftoversOf(site, queries, answers);
    const order = new Map(queries.map((q, i) => [q.key, i]));
    const byQuery = (a: { query: string }, b: { query: string }) => (order.get(a.query) ?? 0) - (order.get(b.query) ?? 0);
    return {
        ...base,
        login: login.source,
        leftovers: judged.leftovers,
        errors: [...errors, ...judged.problems].sort(byQuery),
        skipped: skipped.sort(byQuery),
        checked: checked.sort(byQuery),
    };
}

/** 0: nothing is left; 1: something is; 2: the cloud could not be asked everything (what was found is still listed). */
export function exitCodeOf(report: Pick<Report, "leftovers" | "errors">): 0 | 1 | 2 {
    if (report.errors.length > 0) return 2;
    return report.leftovers.length > 0 ? 1 : 0;
}

/** The leftovers as a table: type, id, name. */
export function tableOf(leftovers: readonly Leftover[]): string {
    const rows = [["TYPE", "ID", "NAME"], ...leftovers.map((l) => [l.kind, l.id, l.name])];
    const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length)));
    return rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`.trimEnd()).join("\n");
}

/** What the tool prints without --json. */
export function textOf(report: Report): { stdout: string; stderr: string } {
    const what = `site ${report.site} (stack ${report.stack}, tag ${report.tag})`;
    const out: string[] = [];
    if (report.leftovers.length > 0) {
        out.push(tableOf(report.leftovers), "", `${report.leftovers.length} resource${report.leftovers.length === 1 ? "" : "s"} of ${what} ${report.leftovers.length === 1 ? "is" : "are"} left`);
    } else if (report.errors.length === 0) {
        out.push(`nothing of ${what} is left`);
    }
    const err = report.errors.map((e) => `error: ${e.message}`);
    if (report.errors.length > 0) err.push(`the listing of ${what} is incomplete: ${[...new Set(report.errors.map((e) => services[e.service].label))].join(", ")} could not be asked`);
    return { stdout: out.join("\n"), stderr: err.join("\n") };
}

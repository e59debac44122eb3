// A loopback stand-in of an OpenStack cloud for the leftovers tool: Keystone v3 (password,
// application-credential and token logins, a catalog, a user's application credentials) and the
// list APIs of Neutron, Nova, Cinder, Designate, Octavia and Magnum, each with the filters,
// microversions and paging of rules.ts. Every request is logged; a service can be made to fail.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
    ApiError,
    cinderFilter,
    cinderMicroversion,
    designateFilter,
    designateRecordsetFilters,
    designateZoneFilters,
    magnumParams,
    mv,
    mvText,
    neutronFilter,
    novaFilter,
    novaMicroversion,
    novaView,
    octaviaFilter,
    page,
    paramsOf,
    type Item,
    type Microversion,
} from "./rules";

export type ServiceName = "identity" | "network" | "compute" | "volumev3" | "dns" | "load-balancer" | "container-infra";

export interface Project {
    readonly id: string;
    readonly name: string;
    readonly domainId: string;
}

export interface User {
    readonly id: string;
    readonly name: string;
    readonly domainId: string;
    readonly password: string;
    /** The project a password login may scope to. */
    readonly projectId: string;
}

export interface AppCredential {
    readonly id: string;
    readonly name: string;
    readonly secret: string;
    readonly userId: string;
    readonly projectId: string;
}

export const neutronCollections = ["networks", "subnets", "routers", "ports", "security-groups", "floatingips"] as const;
export type NeutronCollection = (typeof neutronCollections)[number];
const neutronKey = (c: NeutronCollection) => c.replace("-", "_");

/** Attributes every Neutron resource of a kind has (neutron-lib api-ref/source/v2, the list parameters). */
const neutronAttributes: Readonly<Record<NeutronCollection, readonly string[]>> = {
    networks: ["id", "name", "status", "admin_state_up", "shared", "router:external", "project_id", "tenant_id", "description", "mtu", "revision_number", "is_default", "tags"],
    subnets: ["id", "name", "network_id", "cidr", "ip_version", "gateway_ip", "enable_dhcp", "project_id", "tenant_id", "description", "revision_number", "subnetpool_id", "tags"],
    routers: ["id", "name", "status", "admin_state_up", "project_id", "tenant_id", "description", "revision_number", "tags"],
    ports: ["id", "name", "network_id", "device_id", "device_owner", "mac_address", "status", "admin_state_up", "project_id", "tenant_id", "description", "revision_number", "fixed_ips", "tags"],
    "security-groups": ["id", "name", "project_id", "tenant_id", "description", "revision_number", "shared", "stateful", "tags"],
    floatingips: ["id", "floating_ip_address", "floating_network_id", "router_id", "port_id", "fixed_ip_address", "status", "project_id", "tenant_id", "description", "revision_number", "tags"],
};

const octaviaAttributes = new Set(["id", "name", "description", "provisioning_status", "operating_status", "admin_state_up", "project_id", "vip_address", "vip_network_id", "vip_port_id", "vip_subnet_id", "provider", "flavor_id", "availability_zone"]);

export interface CloudOptions {
    /** The largest page any list answers with (the services' max_limit). */
    readonly pageSize?: number;
    /** Nova's newest microversion. */
    readonly novaMax?: string;
    readonly region?: string;
    /** Catalog services; all by default. */
    readonly services?: readonly ServiceName[];
}

export interface Logged {
    readonly method: string;
    readonly service: string;
    readonly path: string;
    readonly search: URLSearchParams;
    readonly headers: IncomingMessage["headers"];
}

interface TokenInfo {
    readonly userId: string;
    readonly projectId?: string;
    readonly methods: string[];
}

const unauthorized = () => new ApiError(401, { error: { code: 401, message: "The request you have made requires authentication.", title: "Unauthorized" } });

export class FakeOpenStack {
    readonly projects: Project[] = [];
    readonly users: User[] = [];
    readonly appCredentials: AppCredential[] = [];
    readonly neutron: Record<NeutronCollection, Item[]> = { networks: [], subnets: [], routers: [], ports: [], "security-groups": [], floatingips: [] };
    readonly servers: Item[] = [];
    readonly volumes: Item[] = [];
    readonly zones: Item[] = [];
    readonly recordsets: Item[] = [];
    readonly loadbalancers: Item[] = [];
    readonly magnumClusters: Item[] = [];
    readonly magnumTemplates: Item[] = [];
    readonly log: Logged[] = [];
    private readonly faults = new Map<string, { status: number; body: unknown }>();
    private readonly tokens = new Map<string, TokenInfo>();
    private server?: Server;
    private port = 0;
    readonly pageSize: number;
    readonly novaMax: Microversion;
    readonly region: string;
    readonly catalogServices: readonly ServiceName[];

    constructor(options: CloudOptions = {}) {
        this.pageSize = options.pageSize ?? 1000;
        this.novaMax = mv(options.novaMax ?? "2.96");
        this.region = options.region ?? "RegionOne";
        this.catalogServices = options.services ?? ["identity", "network", "compute", "volumev3", "dns", "load-balancer", "container-infra"];
    }

    get url(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    get authUrl(): string {
        return `${this.url}/identity/v3`;
    }

    async start(): Promise<this> {
        this.server = createServer((req, res) => void this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
        return this;
    }

    async stop(): Promise<void> {
        await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    }

    /** Makes every request to a service answer `status` until cleared. */
    fail(service: ServiceName, status: number, body: unknown = { message: `${service} is failing (stand-in fault)` }): void {
        this.faults.set(service, { status, body });
    }

    clearFaults(): void {
        this.faults.clear();
    }

    // --- building the cloud

    project(name: string, domainId = "default"): Project {
        const p = { id: randomUUID().replace(/-/g, ""), name, domainId };
        this.projects.push(p);
        return p;
    }

    user(name: string, password: string, project: Project): User {
        const u = { id: randomUUID().replace(/-/g, ""), name, domainId: project.domainId, password, projectId: project.id };
        this.users.push(u);
        return u;
    }

    appCredential(user: User, name: string, secret: string): AppCredential {
        const a = { id: randomUUID().replace(/-/g, ""), name, secret, userId: user.id, projectId: user.projectId };
        this.appCredentials.push(a);
        return a;
    }

    addNeutron(collection: NeutronCollection, project: Project, fields: Item): Item {
        const base: Item = Object.fromEntries(neutronAttributes[collection].map((k) => [k, null]));
        const item = { ...base, id: randomUUID(), name: "", tags: [], revision_number: 1, ...fields, project_id: project.id, tenant_id: project.id };
        this.neutron[collection].push(item);
        return item;
    }

    addServer(project: Project, name: string, tags: string[] = [], fields: Item = {}): Item {
        const s = { id: randomUUID(), name, status: "ACTIVE", tenant_id: project.id, user_id: "u", metadata: {}, tags, ...fields };
        this.servers.push(s);
        return s;
    }

    addVolume(project: Project, name: string, metadata: Record<string, string> = {}, fields: Item = {}): Item {
        const v = { id: randomUUID(), name, status: "available", size: 1, metadata, "os-vol-tenant-attr:tenant_id": project.id, ...fields };
        this.volumes.push(v);
        return v;
    }

    addZone(project: Project, name: string): Item {
        const z = { id: randomUUID(), name, type: "PRIMARY", email: `hostmaster@${name}`, status: "ACTIVE", ttl: 3600, description: null, project_id: project.id };
        this.zones.push(z);
        return z;
    }

    addRecordset(zone: Item, name: string, type: string, records: string[], fields: Item = {}): Item {
        const r = { id: randomUUID(), name, type, records, ttl: 300, status: "ACTIVE", description: null, zone_id: zone.id, zone_name: zone.name, project_id: zone.project_id, ...fields };
        this.recordsets.push(r);
        return r;
    }

    addLoadBalancer(project: Project, name: string, fields: Item = {}): Item {
        const lb = { id: randomUUID(), name, description: "", provisioning_status: "ACTIVE", operating_status: "ONLINE", admin_state_up: true, tags: [], vip_network_id: null, ...fields, project_id: project.id };
        this.loadbalancers.push(lb);
        return lb;
    }

    addMagnumCluster(project: Project, name: string, fields: Item = {}): Item {
        const c = { uuid: randomUUID(), name, status: "CREATE_COMPLETE", stack_id: null, cluster_template_id: null, keypair: null, master_count: 1, node_count: 1, ...fields, project_id: project.id };
        this.magnumClusters.push(c);
        return c;
    }

    addMagnumTemplate(project: Project, name: string): Item {
        const t = { uuid: randomUUID(), name, coe: "kubernetes", project_id: project.id };
        this.magnumTemplates.push(t);
        return t;
    }

    // --- serving

    private catalog(projectId: string) {
        const endpoint = (type: ServiceName, path: string) => ({
            type,
            name: type,
            id: type,
            endpoints: [
                { id: `${type}-public`, interface: "public", region: this.region, region_id: this.region, url: `${this.url}${path}` },
                // Another interface answers nothing: a client that picks it fails.
                { id: `${type}-internal`, interface: "internal", region: this.region, region_id: this.region, url: `${this.url}/internal${path}` },
            ],
        });
        const all: Record<ServiceName, string> = {
            identity: "/identity/v3",
            network: "/network",
            compute: "/compute/v2.1",
            volumev3: `/volume/v3/${projectId}`,
            dns: "/dns",
            "load-balancer": "/load-balancer",
            "container-infra": "/container-infra/v1",
        };
        return this.catalogServices.map((s) => endpoint(s, all[s]));
    }

    private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
        const url = new URL(req.url ?? "/", this.url);
        const [, service] = url.pathname.split("/");
        let body = "";
        for await (const chunk of req) body += chunk;
        this.log.push({ method: req.method ?? "GET", service, path: url.pathname, search: url.searchParams, headers: req.headers });
        const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
            res.writeHead(status, { "content-type": "application/json", ...headers });
            res.end(payload === undefined ? "" : JSON.stringify(payload));
        };
        try {
            const fault = this.faults.get(service === "volume" ? "volumev3" : service);
            if (fault) return send(fault.status, fault.body);
            if (service === "identity" && req.method === "POST" && url.pathname === "/identity/v3/auth/tokens") return this.issue(body, send);
            if (req.method !== "GET") throw new ApiError(405, { message: "method not allowed" });
            const token = this.tokens.get(String(req.headers["x-auth-token"] ?? ""));
            if (!token) throw unauthorized();
            const answer = this.route(service, url, req, token);
            send(200, answer.body, answer.headers);
        } catch (err) {
            if (err instanceof ApiError) return send(err.status, err.body);
            send(500, { message: String(err) });
        }
    }

    /** POST /v3/auth/tokens (keystone api-ref/source/v3/authenticate-v3.inc, application-credentials.inc:108-180). */
    private issue(text: string, send: (status: number, payload: unknown, headers?: Record<string, string>) => void): void {
        let auth: any;
        try {
            auth = JSON.parse(text).auth;
        } catch {
            throw new ApiError(400, { error: { code: 400, message: "Expecting to find auth in request body", title: "Bad Request" } });
        }
        const methods: string[] = auth?.identity?.methods ?? [];
        let user: User | undefined;
        let projectId: string | undefined;
        let credential: AppCredential | undefined;
        if (methods.includes("application_credential")) {
            const ac = auth.identity.application_credential;
            credential = ac?.id ? this.appCredentials.find((a) => a.id === ac.id) : this.appCredentials.find((a) => a.name === ac?.name && this.userMatches(a.userId, ac?.user));
            if (!credential || credential.secret !== ac?.secret) throw unauthorized();
            user = this.users.find((u) => u.id === credential!.userId);
            // An application credential carries its project; a scope in the request is refused.
            if (auth.scope) throw new ApiError(401, { error: { code: 401, message: "Application credentials cannot request a scope.", title: "Unauthorized" } });
            projectId = credential.projectId;
        } else if (methods.includes("password")) {
            const u = auth.identity.password?.user;
            user = this.users.find((x) => this.userMatches(x.id, u));
            if (!user || user.password !== u?.password) throw unauthorized();
        } else if (methods.includes("token")) {
            const t = this.tokens.get(auth.identity.token?.id);
            if (!t) throw unauthorized();
            user = this.users.find((x) => x.id === t.userId);
        } else {
            throw new ApiError(400, { error: { code: 400, message: "Expecting to find identity methods", title: "Bad Request" } });
        }
        if (!credential && auth.scope?.project) {
            const p = auth.scope.project;
            const project = p.id ? this.projects.find((x) => x.id === p.id) : this.projects.find((x) => x.name === p.name && (p.domain?.id ? x.domainId === p.domain.id : p.domain?.name ? x.domainId === p.domain.name : false));
            if (!project || project.id !== user!.projectId) throw unauthorized();
            projectId = project.id;
        }
        const id = randomUUID().replace(/-/g, "");
        this.tokens.set(id, { userId: user!.id, projectId, methods });
        const project = this.projects.find((p) => p.id === projectId);
        send(
            201,
            {
                token: {
                    methods,
                    user: { id: user!.id, name: user!.name, domain: { id: user!.domainId, name: user!.domainId } },
                    ...(project ? { project: { id: project.id, name: project.name, domain: { id: project.domainId, name: project.domainId } }, catalog: this.catalog(project.id) } : {}),
                    ...(credential ? { application_credential: { id: credential.id, name: credential.name, restricted: true } } : {}),
                    expires_at: new Date(Date.now() + 3600_000).toISOString(),
                    issued_at: new Date().toISOString(),
                },
            },
            { "x-subject-token": id },
        );
    }

    /** A user named by ID, or by name in a domain (ID or name). */
    private userMatches(userId: string, u: { id?: string; name?: string; domain?: { id?: string; name?: string } } | undefined): boolean {
        const user = this.users.find((x) => x.id === userId);
        if (!user || !u) return false;
        if (u.id) return u.id === user.id;
        return u.name === user.name && (u.domain?.id === user.domainId || u.domain?.name === user.domainId);
    }

    private route(service: string, url: URL, req: IncomingMessage, token: TokenInfo): { body: unknown; headers?: Record<string, string> } {
        const path = url.pathname;
        const search = url.searchParams;
        const params = paramsOf(search);
        const project = token.projectId;
        if (!project) throw new ApiError(403, { error: { code: 403, message: "an unscoped token may not list", title: "Forbidden" } });
        const link = (base: string, next?: URLSearchParams) => (next ? [{ href: `${this.url}${base}?${next.toString()}`, rel: "next" }] : []);
        let m: RegExpExecArray | null;
        if ((m = /^\/identity\/v3\/users\/([^/]+)\/application_credentials$/.exec(path))) {
            // A user lists their own (keystone api-ref application-credentials.inc:254-291; name filters).
            if (m[1] !== token.userId) throw new ApiError(403, { error: { code: 403, message: "You are not authorized to perform the requested action.", title: "Forbidden" } });
            const name = search.get("name");
            const list = this.appCredentials.filter((a) => a.userId === m![1] && (name === null || a.name === name)).map((a) => ({ id: a.id, name: a.name, project_id: a.projectId, user_id: a.userId }));
            return { body: { application_credentials: list, links: { self: `${this.url}${path}`, previous: null, next: null } } };
        }
        if ((m = /^\/network\/v2\.0\/([a-z-]+)$/.exec(path)) && (neutronCollections as readonly string[]).includes(m[1])) {
            const collection = m[1] as NeutronCollection;
            const keep = neutronFilter(params, new Set(neutronAttributes[collection]));
            // The project's own, and for networks those shared with it (networks.inc:400-406).
            const visible = this.neutron[collection].filter((x) => x.project_id === project || (collection === "networks" && x.shared === true));
            const p = page(visible.filter(keep), search, this.pageSize);
            const key = neutronKey(collection);
            return { body: { [key]: p.items, ...(p.next ? { [`${key}_links`]: link(path, p.next) } : {}) } };
        }
        if (path === "/compute/v2.1/servers/detail") {
            const version = novaMicroversion(req.headers, mv("2.1"), this.novaMax);
            const keep = novaFilter(params, version);
            const p = page(this.servers.filter((s) => s.tenant_id === project && keep(s)), search, this.pageSize);
            const headers = { "x-openstack-nova-api-version": mvText(version), "openstack-api-version": `compute ${mvText(version)}`, vary: "OpenStack-API-Version, X-OpenStack-Nova-API-Version" };
            return { body: { servers: p.items.map((s) => novaView(s, version)), ...(p.next ? { servers_links: link(path, p.next) } : {}) }, headers };
        }
        if ((m = /^\/volume\/v3\/([^/]+)\/volumes\/detail$/.exec(path))) {
            if (m[1] !== project) throw new ApiError(403, { forbidden: { code: 403, message: "Policy doesn't allow volume:get_all to be performed." } });
            const version = cinderMicroversion(req.headers["openstack-api-version"] as string | undefined);
            const keep = cinderFilter(params, version);
            const p = page(this.volumes.filter((v) => v["os-vol-tenant-attr:tenant_id"] === project && keep(v)), search, this.pageSize);
            return { body: { volumes: p.items, ...(p.next ? { volumes_links: link(path, p.next) } : {}) } };
        }
        if (path === "/dns/v2/zones") {
            const keep = designateFilter(params, designateZoneFilters);
            const p = page(this.zones.filter((z) => z.project_id === project && keep(z)), search, this.pageSize);
            return { body: { zones: p.items, links: { self: `${this.url}${path}`, ...(p.next ? { next: `${this.url}${path}?${p.next}` } : {}) }, metadata: { total_count: p.items.length } } };
        }
        if ((m = /^\/dns\/v2\/zones\/([^/]+)\/recordsets$/.exec(path))) {
            const zone = this.zones.find((z) => z.id === m![1] && z.project_id === project);
            if (!zone) throw new ApiError(404, { code: 404, type: "zone_not_found", message: "Could not find Zone" });
            const keep = designateFilter(params, designateRecordsetFilters);
            const p = page(this.recordsets.filter((r) => r.zone_id === zone.id && keep(r)), search, this.pageSize);
            return { body: { recordsets: p.items, links: { self: `${this.url}${path}`, ...(p.next ? { next: `${this.url}${path}?${p.next}` } : {}) }, metadata: { total_count: p.items.length } } };
        }
        if (path === "/load-balancer/v2/lbaas/loadbalancers") {
            const keep = octaviaFilter(params, octaviaAttributes);
            const p = page(this.loadbalancers.filter((lb) => lb.project_id === project && keep(lb)), search, this.pageSize);
            return { body: { loadbalancers: p.items, ...(p.next ? { loadbalancers_links: link(path, p.next) } : {}) } };
        }
        if (path === "/container-infra/v1/clusters" || path === "/container-infra/v1/clustertemplates") {
            magnumParams(params);
            const list = path.endsWith("clusters") ? this.magnumClusters : this.magnumTemplates;
            const key = path.endsWith("clusters") ? "clusters" : "clustertemplates";
            const p = page(list.filter((x) => x.project_id === project), search, this.pageSize, "uuid");
            return { body: { [key]: p.items, ...(p.next ? { next: `${this.url}${path}?${p.next}` } : {}) } };
        }
        throw new ApiError(404, { message: `no such API: ${service} ${path}` });
    }
}

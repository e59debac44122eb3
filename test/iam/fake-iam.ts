// A stand-in for INDIGO IAM on loopback: the real oidc-provider (registration and registration
// management, client credentials, a token-exchange grant with IAM's same-client rule), plus
// IAM's admin client API (/iam/api/clients) over the same client store. Its state lives in a Map
// that survives a restart of the server.
import { generateKeyPairSync } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

// oidc-provider is ESM; Node 20.19+ loads it with require.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const oidc = require("oidc-provider") as { default: new (issuer: string, config: object) => any; errors: Record<string, new (msg: string) => Error> };

export const tokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange";
export const adminClient = { clientId: "iam-admin", clientSecret: "iam-admin-secret-for-tests" };

const scopes = ["openid", "profile", "email", "offline_access", "wlcg.groups", "fts", "storage.read:/", "storage.create:/", "storage.modify:/", "iam:admin.read", "iam:admin.write"];

type Entry = { payload: any; expiresAt?: number };

function mapAdapter(store: Map<string, Entry>) {
    return class MapAdapter {
        constructor(readonly model: string) {}
        key(id: string) {
            return `${this.model}:${id}`;
        }
        async upsert(id: string, payload: any, expiresIn?: number) {
            store.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
        }
        async find(id: string) {
            const entry = store.get(this.key(id));
            if (!entry || (entry.expiresAt && entry.expiresAt < Date.now())) return undefined;
            return entry.payload;
        }
        async findByUid() {
            return undefined;
        }
        async findByUserCode() {
            return undefined;
        }
        async consume(id: string) {
            const entry = store.get(this.key(id));
            if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
        }
        async destroy(id: string) {
            store.delete(this.key(id));
        }
        async revokeByGrantId() {}
    };
}

function readBody(req: IncomingMessage): Promise<any> {
    return new Promise((resolve) => {
        let text = "";
        req.on("data", (c) => (text += c));
        req.on("end", () => resolve(text ? JSON.parse(text) : undefined));
    });
}

function reply(res: ServerResponse, status: number, body?: unknown) {
    res.writeHead(status, { "content-type": "application/json" }).end(body === undefined ? "" : JSON.stringify(body));
}

export class FakeIam {
    readonly store = new Map<string, Entry>();
    private provider: any;
    private server?: Server;
    private port = 0;
    /** The issuer: point it at a proxy so that every call passes through it. */
    issuer = "";

    /** Starts on `port` (0 picks one) with `issuer` (defaults to its own address). */
    async start(port = this.port, issuer?: string): Promise<void> {
        this.server = createServer((req, res) => this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(port, "127.0.0.1", resolve));
        this.port = (this.server.address() as AddressInfo).port;
        // The first start fixes the issuer; a restart keeps the provider and its state.
        if (!this.provider) {
            this.issuer = issuer ?? this.address;
            this.provider = this.makeProvider(this.issuer);
        }
    }

    get address(): string {
        return `http://127.0.0.1:${this.port}`;
    }

    async stop(): Promise<void> {
        this.server?.closeAllConnections();
        await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }

    /** Client IDs in the store, as IAM's database would list them. */
    clientIds(): string[] {
        return [...this.store.keys()].filter((k) => k.startsWith("Client:")).map((k) => k.slice("Client:".length));
    }

    client(id: string): any {
        return this.store.get(`Client:${id}`)?.payload;
    }

    private makeProvider(issuer: string) {
        const Provider = oidc.default;
        const provider = new Provider(issuer, {
            adapter: mapAdapter(this.store),
            clients: [
                { client_id: adminClient.clientId, client_secret: adminClient.clientSecret, grant_types: ["client_credentials"], response_types: [], redirect_uris: [], scope: "iam:admin.read iam:admin.write" },
            ],
            cookies: { keys: ["fake-iam-cookie-key"] },
            jwks: { keys: [generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" })] },
            ttl: { ClientCredentials: 600 },
            scopes,
            features: {
                devInteractions: { enabled: false },
                clientCredentials: { enabled: true },
                registration: { enabled: true, issueRegistrationAccessToken: true },
                registrationManagement: { enabled: true, rotateRegistrationAccessToken: false },
            },
        });
        // Token exchange as IAM does it, including its refusal of offline_access when the actor is the subject's client.
        provider.registerGrantType(
            tokenExchange,
            async (ctx: any) => {
                const { ClientCredentials } = ctx.oidc.provider;
                const params = ctx.oidc.params;
                const subject = await ClientCredentials.find(params.subject_token);
                if (!subject) throw new oidc.errors.InvalidGrant("subject_token is not valid");
                const scope: string = params.scope ?? subject.scope;
                if (subject.clientId === ctx.oidc.client.clientId && scope.split(" ").includes("offline_access")) {
                    // IAM answers access_denied with this description (OAuth2AccessDeniedException).
                    ctx.status = 400;
                    ctx.body = { error: "access_denied", error_description: "Token exchange not allowed: the actor and the subject are the same client and offline_access is in the requested scopes" };
                    return;
                }
                const token = new ClientCredentials({ client: ctx.oidc.client, scope });
                ctx.body = { access_token: await token.save(), issued_token_type: "urn:ietf:params:oauth:token-type:access_token", token_type: "Bearer", expires_in: token.expiration, scope };
            },
            ["audience", "resource", "scope", "requested_token_type", "subject_token", "subject_token_type", "actor_token", "actor_token_type"],
            ["audience", "resource"],
        );
        return provider;
    }

    private handle(req: IncomingMessage, res: ServerResponse) {
        const url = new URL(req.url ?? "/", this.address);
        if (url.pathname === "/iam/api/clients" || url.pathname.startsWith("/iam/api/clients/")) {
            this.adminApi(req, res, decodeURIComponent(url.pathname.slice("/iam/api/clients".length).replace(/^\//, ""))).catch((err) => reply(res, 500, { error: String(err) }));
            return;
        }
        this.provider.callback()(req, res);
    }

    /** IAM's admin client API: a client_credentials token with iam:admin.write; caller-chosen IDs and secrets. */
    private async adminApi(req: IncomingMessage, res: ServerResponse, id: string) {
        const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
        const granted = token ? await this.provider.ClientCredentials.find(token) : undefined;
        const needed = req.method === "GET" ? "iam:admin.read" : "iam:admin.write";
        if (!granted || !String(granted.scope).split(" ").includes(needed)) return reply(res, 401, { error: "unauthorized" });
        const clients = new (mapAdapter(this.store))("Client");
        const dto = async (clientId: string) => {
            const c = await clients.find(clientId);
            return c && { ...c, scope: c.scope ?? "" };
        };
        if (req.method === "GET") {
            const c = await dto(id);
            return c ? reply(res, 200, c) : reply(res, 404, { error: `Client not found: ${id}` });
        }
        if (req.method === "DELETE") {
            if (!(await clients.find(id))) return reply(res, 404, { error: `Client not found: ${id}` });
            await clients.destroy(id);
            return reply(res, 204);
        }
        const body = await readBody(req);
        const clientId = req.method === "POST" ? body.client_id : id;
        if (req.method === "POST" && (await clients.find(clientId))) return reply(res, 400, { error: `client_id ${clientId} is not available` });
        if (req.method === "PUT" && !(await clients.find(clientId))) return reply(res, 404, { error: `Client not found: ${id}` });
        const metadata = { ...body, client_id: clientId };
        try {
            await this.provider.Client.validate(metadata);
        } catch (err) {
            return reply(res, 400, { error: (err as any).error_description ?? String(err) });
        }
        await clients.upsert(clientId, metadata);
        return reply(res, req.method === "POST" ? 201 : 200, await dto(clientId));
    }
}

// A proxy in front of the stand-in IAM that injects faults on the requests a test picks: an
// error status, a 429 with Retry-After, no answer at all, or an answer lost after the server
// acted on the request (the case that could make a client twice).
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault =
    | { readonly status: number; readonly retryAfter?: string }
    | { readonly hang: true }
    | { readonly forwardThenHang: true };

interface Planned {
    readonly method: string;
    readonly path: RegExp;
    readonly fault: Fault;
}

export class FaultProxy {
    private planned: Planned[] = [];
    private server?: Server;
    private held: ServerResponse[] = [];
    /** Requests seen, as "METHOD /path". */
    readonly seen: string[] = [];
    url = "";

    constructor(private readonly target: () => string) {}

    async start(): Promise<void> {
        this.server = createServer((req, res) => this.handle(req, res));
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    }

    async stop(): Promise<void> {
        this.held.forEach((r) => r.destroy());
        this.server?.closeAllConnections();
        await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    }

    /** The next `times` requests matching method and path get `fault`. */
    inject(method: string, path: RegExp, fault: Fault, times = 1): void {
        for (let i = 0; i < times; i++) this.planned.push({ method, path, fault });
    }

    clear(): void {
        this.planned = [];
        this.seen.length = 0;
    }

    private handle(req: IncomingMessage, res: ServerResponse) {
        const path = new URL(req.url ?? "/", "http://x").pathname;
        this.seen.push(`${req.method} ${path}`);
        const at = this.planned.findIndex((p) => p.method === req.method && p.path.test(path));
        const fault = at >= 0 ? this.planned.splice(at, 1)[0].fault : undefined;
        if (fault && "status" in fault) {
            res.writeHead(fault.status, { "content-type": "application/json", ...(fault.retryAfter ? { "retry-after": fault.retryAfter } : {}) }).end(JSON.stringify({ error: "injected fault" }));
            return;
        }
        if (fault && "hang" in fault) {
            req.resume();
            this.held.push(res);
            return;
        }
        const upstream = request(`${this.target()}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
            if (fault && "forwardThenHang" in fault) {
                // The server did the work; its answer never reaches the caller.
                answer.resume();
                this.held.push(res);
                return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
        });
        upstream.on("error", () => {
            if (!res.headersSent) res.writeHead(502).end();
        });
        req.pipe(upstream);
    }
}

// An HTTPS front on loopback for a plain-HTTP test server (the Rucio test server, JupyterHub's
// proxy, the stand-in IAM), as the site's ingress is for the real ones: TLS with a given
// certificate, every request passed on as it came. A tap sees each answer before the client does.
import { createServer, type Server } from "node:https";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import type { Leaf } from "./certs";

export interface Answer {
    readonly method: string;
    readonly path: string;
    readonly status: number;
    readonly body: Buffer;
}

export interface TlsFront {
    readonly port: number;
    /** https://127.0.0.1:<port> */
    readonly url: string;
    stop(): Promise<void>;
}

export async function startTlsFront(leaf: Leaf, target: () => string, tap?: (answer: Answer) => void): Promise<TlsFront> {
    const server: Server = createServer({ cert: leaf.cert, key: leaf.key }, (req, res) => {
        const to = new URL(req.url ?? "/", target());
        const upstream = request(to, { method: req.method, headers: req.headers, agent: false }, (answer) => {
            const chunks: Buffer[] = [];
            answer.on("data", (c: Buffer) => chunks.push(c));
            answer.on("end", () => {
                const body = Buffer.concat(chunks);
                tap?.({ method: req.method ?? "GET", path: to.pathname, status: answer.statusCode ?? 0, body });
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                res.end(body);
            });
        });
        upstream.on("error", (err) => {
            if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
            res.end(`front: ${err.message}`);
        });
        req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        port,
        url: `https://127.0.0.1:${port}`,
        stop: () => {
            server.closeAllConnections();
            return new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}

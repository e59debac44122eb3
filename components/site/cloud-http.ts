// HTTPS requests the program itself makes to the cloud before it registers anything (the
// preflight's questions to Keystone). Under the recording engine (synth, tests) the engine answers
// them, through a hook on the global object: the program may be loaded twice there (compiled and
// through ts-node), and both copies must see the same hook. Nothing else reaches the network then.
import * as http from "node:http";
import * as https from "node:https";

export interface CloudRequest {
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    /** CA certificates (PEM) to verify the server with, instead of the public roots. */
    readonly ca?: string;
}

export interface CloudResponse {
    readonly status: number;
    readonly body: unknown;
}

export type CloudHttp = (request: CloudRequest) => Promise<CloudResponse>;

/** Answers for some requests, undefined for the rest (tests, in front of the engine's own). */
export type CloudHttpOverride = (request: CloudRequest) => Promise<CloudResponse | undefined>;

/** The global key the recording engine sets its answers under. */
export const cloudHttpHook = Symbol.for("srcnet-site.cloud-http");

export interface CloudAnswer extends CloudResponse {
    readonly headers: http.IncomingHttpHeaders;
}

/**
 * One JSON request over HTTPS, or HTTP where the cloud's catalog says so; a JSON body is sent when
 * given, an answer that is not JSON is kept as text. A proxy (HTTPS_PROXY) is not used.
 */
export function cloudSend(method: "GET" | "POST", request: CloudRequest & { readonly body?: unknown }): Promise<CloudAnswer> {
    const client = new URL(request.url).protocol === "http:" ? http : https;
    const payload = request.body === undefined ? undefined : JSON.stringify(request.body);
    const headers: Record<string, string | number> = { accept: "application/json", ...request.headers };
    if (payload !== undefined) Object.assign(headers, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
    return new Promise((resolve, reject) => {
        const req = client.request(request.url, { method, headers, ca: request.ca, timeout: 30_000 }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => (text += chunk));
            res.on("end", () => {
                let body: unknown = text;
                try {
                    body = text ? JSON.parse(text) : undefined;
                } catch {
                    // kept as text
                }
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            });
        });
        req.on("timeout", () => req.destroy(new Error("no answer within 30 s")));
        req.on("error", reject);
        req.end(payload);
    });
}

export function cloudGet(request: CloudRequest): Promise<CloudResponse> {
    const hook = (globalThis as Record<symbol, unknown>)[cloudHttpHook] as CloudHttp | undefined;
    return hook ? hook(request) : cloudSend("GET", request);
}

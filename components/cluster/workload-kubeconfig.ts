// Waits, during `pulumi up`, until Cluster API reports the workload cluster ready, then reads its
// kubeconfig from the management cluster. A dynamic provider: it runs in Pulumi's provider host,
// so it uses only node's own modules and js-yaml, and speaks to the Kubernetes API directly.
import * as pulumi from "@pulumi/pulumi";
import * as http from "http";
import * as https from "https";
import { load } from "js-yaml";

interface KubeAccess {
    readonly server: string;
    readonly ca?: Buffer;
    readonly cert?: Buffer;
    readonly key?: Buffer;
    readonly token?: string;
    readonly insecure: boolean;
}

/** The current context's server and credentials; exec plugins are not supported (no CLI here). */
export function kubeAccess(kubeconfig: string): KubeAccess {
    const doc = load(kubeconfig) as any;
    const contextName = doc?.["current-context"] ?? doc?.contexts?.[0]?.name;
    const context = doc?.contexts?.find((c: any) => c.name === contextName)?.context;
    const cluster = doc?.clusters?.find((c: any) => c.name === context?.cluster)?.cluster;
    const user = doc?.users?.find((u: any) => u.name === context?.user)?.user ?? {};
    if (!cluster?.server) throw new Error("the management kubeconfig names no cluster server in its current context");
    if (user.exec || user["auth-provider"]) throw new Error("the management kubeconfig uses an exec or auth-provider plugin; give it a client certificate or a token");
    const b64 = (value?: string) => (value ? Buffer.from(value, "base64") : undefined);
    return {
        server: String(cluster.server).replace(/\/+$/, ""),
        ca: b64(cluster["certificate-authority-data"]),
        cert: b64(user["client-certificate-data"]),
        key: b64(user["client-key-data"]),
        token: user.token,
        insecure: cluster["insecure-skip-tls-verify"] === true,
    };
}

/** GET a path of the Kubernetes API; resolves to undefined on 404. */
export function kubeGet(access: KubeAccess, path: string): Promise<any | undefined> {
    const url = new URL(access.server + path);
    const client = url.protocol === "https:" ? https : http;
    const headers: Record<string, string> = { accept: "application/json", ...(access.token ? { authorization: `Bearer ${access.token}` } : {}) };
    return new Promise((resolve, reject) => {
        const req = client.request(
            url,
            { method: "GET", headers, ca: access.ca, cert: access.cert, key: access.key, rejectUnauthorized: !access.insecure, timeout: 30000 },
            (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (chunk) => (body += chunk));
                res.on("end", () => {
                    if (res.statusCode === 404) return resolve(undefined);
                    if (!res.statusCode || res.statusCode >= 300) return reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
                    try {
                        resolve(JSON.parse(body));
                    } catch (err) {
                        reject(err);
                    }
                });
            },
        );
        req.on("timeout", () => req.destroy(new Error(`GET ${path}: no answer in 30 s`)));
        req.on("error", reject);
        req.end();
    });
}

export interface ClusterState {
    readonly ready: boolean;
    readonly failed: boolean;
    /** For messages: the phase and the Ready condition's reason. */
    readonly summary: string;
}

/** Ready by the v1beta1 `Ready` or v1beta2 `Available` condition; failed by phase. */
export function clusterState(cluster: any): ClusterState {
    const phase = cluster?.status?.phase ?? "Pending";
    const conditions: any[] = [...(cluster?.status?.conditions ?? []), ...(cluster?.status?.v1beta2?.conditions ?? [])];
    const ready = conditions.find((c) => c.type === "Ready" || c.type === "Available");
    const readyText = ready ? `${ready.type}=${ready.status}${ready.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ""})` : ""}` : "no Ready condition yet";
    return { ready: ready?.status === "True", failed: phase === "Failed", summary: `phase ${phase}, ${readyText}` };
}

export interface WaitOptions {
    readonly timeoutMs: number;
    readonly pollMs: number;
    readonly sleep?: (ms: number) => Promise<void>;
    readonly now?: () => number;
}

/** Polls until the Cluster is ready, then returns its kubeconfig (Secret `<name>-kubeconfig`, key `value`). */
export async function waitForWorkloadKubeconfig(access: KubeAccess, namespace: string, name: string, wait: WaitOptions): Promise<string> {
    const sleep = wait.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const now = wait.now ?? Date.now;
    const deadline = now() + wait.timeoutMs;
    let last = "the Cluster object does not exist yet";
    for (;;) {
        // A failed request is retried like a cluster that is not ready yet: the wait is long, the network not perfect.
        const get = (path: string) =>
            kubeGet(access, path).then(
                (body) => ({ answered: true as const, body }),
                (err: Error) => {
                    last = `the management cluster did not answer: ${err.message}`;
                    return { answered: false as const, body: undefined };
                },
            );
        const cluster = await get(`/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters/${name}`);
        if (cluster.answered && !cluster.body) last = "the Cluster object does not exist yet";
        if (cluster.body) {
            const state = clusterState(cluster.body);
            last = state.summary;
            if (state.failed) throw new Error(`Cluster API reports the cluster ${namespace}/${name} failed: ${state.summary}`);
            if (state.ready) {
                const secret = await get(`/api/v1/namespaces/${namespace}/secrets/${name}-kubeconfig`);
                const value = secret.body?.data?.value;
                if (value) return Buffer.from(value, "base64").toString("utf8");
                if (secret.answered) last = "ready, but its kubeconfig secret is not there yet";
            }
        }
        if (now() >= deadline) {
            throw new Error(`the cluster ${namespace}/${name} was not ready after ${Math.round(wait.timeoutMs / 60000)} minutes; last seen: ${last}`);
        }
        await sleep(wait.pollMs);
    }
}

interface WaiterInputs {
    managementKubeconfig: string;
    namespace: string;
    clusterName: string;
    timeoutMinutes: number;
}

/** The workload cluster it waits for is named by its namespace and name; a new one is a new waiter. */
export function kubeconfigWaiterReplaces(olds: Pick<WaiterInputs, "namespace" | "clusterName">, news: Pick<WaiterInputs, "namespace" | "clusterName">): string[] {
    return (["namespace", "clusterName"] as const).filter((k) => olds[k] !== news[k]);
}

export const waiterProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: WaiterInputs) {
        const kubeconfig = await waitForWorkloadKubeconfig(kubeAccess(inputs.managementKubeconfig), inputs.namespace, inputs.clusterName, {
            timeoutMs: inputs.timeoutMinutes * 60000,
            pollMs: 20000,
        });
        return { id: `${inputs.namespace}/${inputs.clusterName}`, outs: { ...inputs, kubeconfig } };
    },
    async read(id: string, props: WaiterInputs & { kubeconfig: string }) {
        // A refresh picks up rotated credentials; a cluster that is gone is reported gone.
        const secret = await kubeGet(kubeAccess(props.managementKubeconfig), `/api/v1/namespaces/${props.namespace}/secrets/${props.clusterName}-kubeconfig`);
        const value = secret?.data?.value;
        return value ? { id, props: { ...props, kubeconfig: Buffer.from(value, "base64").toString("utf8") } } : { id: "", props: {} };
    },
    async diff(_id: string, olds: WaiterInputs, news: WaiterInputs) {
        const replaces = kubeconfigWaiterReplaces(olds, news);
        const changes = replaces.length > 0 || olds.managementKubeconfig !== news.managementKubeconfig || olds.timeoutMinutes !== news.timeoutMinutes;
        return { changes, replaces, deleteBeforeReplace: false };
    },
    async update(_id: string, _olds: WaiterInputs, news: WaiterInputs) {
        const kubeconfig = await waitForWorkloadKubeconfig(kubeAccess(news.managementKubeconfig), news.namespace, news.clusterName, { timeoutMs: news.timeoutMinutes * 60000, pollMs: 20000 });
        return { outs: { ...news, kubeconfig } };
    },
    // Deleting the chart release deletes the cluster; there is nothing to do here.
    async delete() {},
};

export interface WorkloadKubeconfigArgs {
    readonly managementKubeconfig: pulumi.Input<string>;
    readonly namespace: pulumi.Input<string>;
    readonly clusterName: pulumi.Input<string>;
    readonly timeoutMinutes: pulumi.Input<number>;
}

export class WorkloadKubeconfig extends pulumi.dynamic.Resource {
    declare readonly kubeconfig: pulumi.Output<string>;

    constructor(name: string, args: WorkloadKubeconfigArgs, opts?: pulumi.CustomResourceOptions) {
        super(waiterProvider, name, { ...args, kubeconfig: undefined }, { ...opts, additionalSecretOutputs: ["kubeconfig"] }, "srcnet", "WorkloadKubeconfig");
    }
}

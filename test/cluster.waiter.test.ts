// The Cluster API waiter against a fake Kubernetes API on loopback: the management kubeconfig's
// parsing, the Cluster's readiness, and the wait for the workload kubeconfig, polled on a fake
// clock so that an hour-long wait takes milliseconds.
import { expect } from "chai";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { stringify } from "yaml";
import { clusterState, kubeAccess, kubeGet, waitForWorkloadKubeconfig } from "../components/cluster/workload-kubeconfig";
import { rejection } from "./harness";

type KubeAccess = ReturnType<typeof kubeAccess>;

// ---------------------------------------------------------------------------------------------
// Fixtures

const namespace = "default";
const name = "uksrc-k8s";
const clusterPath = `/apis/cluster.x-k8s.io/v1beta1/namespaces/${namespace}/clusters/${name}`;
const secretPath = `/api/v1/namespaces/${namespace}/secrets/${name}-kubeconfig`;
const token = "management-token-0123";

/** What the fake API serves; the tests change it between polls. */
interface ApiState {
    cluster?: unknown;
    secret?: unknown;
    /** Answers with this status (and a Status body) instead, for the next request to a path. */
    failOnce: Map<string, number>;
    /** Every request's path, in order, after authentication. */
    requests: string[];
    /** Requests refused for their credentials. */
    refused: number;
}

const freshState = (): ApiState => ({ failOnce: new Map(), requests: [], refused: 0 });

const status = (code: number, reason: string, message: string) => ({ kind: "Status", apiVersion: "v1", status: "Failure", message, reason, code });

/** The workload kubeconfig as Cluster API stores it: base64 in the `value` key. */
const workloadKubeconfig = "apiVersion: v1\nkind: Config\n# workload cluster ✓\nclusters:\n- name: uksrc-k8s\n  cluster:\n    server: https://192.0.2.50:6443\n";
const kubeconfigSecret = () => ({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${name}-kubeconfig`, namespace },
    type: "cluster.x-k8s.io/secret",
    data: { value: Buffer.from(workloadKubeconfig, "utf8").toString("base64") },
});

const clusterObject = (status: unknown) => ({ apiVersion: "cluster.x-k8s.io/v1beta1", kind: "Cluster", metadata: { name, namespace }, status });
const provisioning = () =>
    clusterObject({
        phase: "Provisioning",
        conditions: [{ type: "Ready", status: "False", severity: "Info", reason: "WaitingForControlPlane", message: "0 of 3 control plane machines ready" }],
    });
const ready = () => clusterObject({ phase: "Provisioned", conditions: [{ type: "Ready", status: "True" }] });

/** A kubeconfig with one context, its user holding a bearer token. */
function tokenKubeconfig(server: string, userToken = token): string {
    return stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "management",
        clusters: [{ name: "management", cluster: { server } }],
        contexts: [{ name: "management", context: { cluster: "management", user: "admin" } }],
        users: [{ name: "admin", user: { token: userToken } }],
    });
}

/** A clock that moves only when the waiter sleeps; each sleep may change what the API serves. */
function fakeClock(onSleep: (sleeps: number) => void = () => undefined) {
    const start = 1_700_000_000_000;
    let time = start;
    const slept: number[] = [];
    return {
        now: () => time,
        sleep: async (ms: number) => {
            slept.push(ms);
            time += ms;
            onSleep(slept.length);
        },
        slept,
        elapsed: () => time - start,
    };
}

/** A port nothing listens on: one the system gave out and took back. */
async function closedPort(): Promise<number> {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
}

describe("cluster waiter", () => {
    // ---------------------------------------------------------------------------------------------
    // The fake API server, shared by the tests below

    let state = freshState();
    let server: http.Server;
    let baseUrl = "";

    before(async () => {
        server = http.createServer((req, res) => {
            const reply = (code: number, body: unknown) => {
                res.writeHead(code, { "content-type": "application/json" });
                res.end(JSON.stringify(body));
            };
            if (req.method !== "GET") return reply(405, status(405, "MethodNotAllowed", `${req.method} is not allowed`));
            if (req.headers.authorization !== `Bearer ${token}`) {
                state.refused++;
                return reply(401, status(401, "Unauthorized", "Unauthorized"));
            }
            const path = req.url ?? "";
            state.requests.push(path);
            const failure = state.failOnce.get(path);
            if (failure !== undefined) {
                state.failOnce.delete(path);
                return reply(failure, status(failure, "InternalError", "etcdserver: request timed out"));
            }
            const found = path === clusterPath ? state.cluster : path === secretPath ? state.secret : undefined;
            if (found === undefined) return reply(404, status(404, "NotFound", `${path} not found`));
            return reply(200, found);
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    after(async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    beforeEach(() => {
        state = freshState();
    });

    const access = (userToken = token): KubeAccess => kubeAccess(tokenKubeconfig(baseUrl, userToken));

    // ---------------------------------------------------------------------------------------------
    // kubeAccess

    describe("the management kubeconfig", () => {
        const pem = (what: string) => `-----BEGIN ${what}-----\nMIIBfake${what.replace(/ /g, "")}\n-----END ${what}-----\n`;
        const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

        it("a token user: the server without its trailing slash, the token, no TLS material", () => {
            expect(kubeAccess(tokenKubeconfig("https://capi.example.org:6443/"))).to.deep.equal({
                server: "https://capi.example.org:6443",
                ca: undefined,
                cert: undefined,
                key: undefined,
                token,
                insecure: false,
            });
        });

        it("client certificate, key and CA data are decoded from base64 into bytes", () => {
            const access = kubeAccess(
                stringify({
                    "current-context": "admin@mgmt",
                    clusters: [{ name: "mgmt", cluster: { server: "https://10.0.0.5:6443", "certificate-authority-data": b64(pem("CERTIFICATE")) } }],
                    contexts: [{ name: "admin@mgmt", context: { cluster: "mgmt", user: "admin" } }],
                    users: [{ name: "admin", user: { "client-certificate-data": b64(pem("CERTIFICATE")), "client-key-data": b64(pem("EC PRIVATE KEY")) } }],
                }),
            );
            expect(access.server).to.equal("https://10.0.0.5:6443");
            expect(Buffer.isBuffer(access.ca) && Buffer.isBuffer(access.cert) && Buffer.isBuffer(access.key)).to.equal(true);
            expect(access.ca!.toString("utf8")).to.equal(pem("CERTIFICATE"));
            expect(access.cert!.toString("utf8")).to.equal(pem("CERTIFICATE"));
            expect(access.key!.toString("utf8")).to.equal(pem("EC PRIVATE KEY"));
            expect(access.token).to.equal(undefined);
            expect(access.insecure).to.equal(false);
        });

        const twoContexts = (current?: string) =>
            stringify({
                ...(current ? { "current-context": current } : {}),
                clusters: [
                    { name: "one", cluster: { server: "https://one.example.org:6443" } },
                    { name: "two", cluster: { server: "https://two.example.org:6443", "insecure-skip-tls-verify": true } },
                ],
                contexts: [
                    { name: "ctx-one", context: { cluster: "one", user: "user-one" } },
                    { name: "ctx-two", context: { cluster: "two", user: "user-two" } },
                ],
                users: [
                    { name: "user-one", user: { token: "token-one" } },
                    { name: "user-two", user: { token: "token-two" } },
                ],
            });

        it("the current context chooses the cluster and the user among several", () => {
            const second = kubeAccess(twoContexts("ctx-two"));
            expect(second.server).to.equal("https://two.example.org:6443");
            expect(second.token).to.equal("token-two");
            const first = kubeAccess(twoContexts("ctx-one"));
            expect(first.server).to.equal("https://one.example.org:6443");
            expect(first.token).to.equal("token-one");
        });

        it("without current-context, the first context", () => {
            const access = kubeAccess(twoContexts());
            expect(access.server).to.equal("https://one.example.org:6443");
            expect(access.token).to.equal("token-one");
        });

        it("insecure-skip-tls-verify: true turns certificate verification off, for that cluster only", () => {
            expect(kubeAccess(twoContexts("ctx-two")).insecure).to.equal(true);
            expect(kubeAccess(twoContexts("ctx-one")).insecure).to.equal(false);
        });

        it("a context whose cluster has no server is refused", () => {
            const text = stringify({
                "current-context": "c",
                clusters: [{ name: "k", cluster: { "certificate-authority-data": b64(pem("CERTIFICATE")) } }],
                contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
                users: [{ name: "u", user: { token } }],
            });
            expect(() => kubeAccess(text)).to.throw(/names no cluster server in its current context/);
        });

        it("a current-context naming no context, and an empty document, are refused", () => {
            expect(() => kubeAccess(twoContexts("ctx-three"))).to.throw(/names no cluster server/);
            expect(() => kubeAccess("")).to.throw(/names no cluster server/);
        });

        it("an exec or auth-provider plugin is refused, saying what to give instead", () => {
            const withUser = (user: unknown) =>
                stringify({
                    "current-context": "c",
                    clusters: [{ name: "k", cluster: { server: "https://capi.example.org:6443" } }],
                    contexts: [{ name: "c", context: { cluster: "k", user: "u" } }],
                    users: [{ name: "u", user }],
                });
            const exec = { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "kubelogin", args: ["get-token"] } };
            expect(() => kubeAccess(withUser(exec))).to.throw(/exec or auth-provider plugin; give it a client certificate or a token/);
            expect(() => kubeAccess(withUser({ "auth-provider": { name: "oidc", config: {} } }))).to.throw(/exec or auth-provider plugin/);
        });
    });

    // ---------------------------------------------------------------------------------------------
    // clusterState

    describe("the Cluster's state", () => {
        it("v1beta1 Ready=True: ready", () => {
            expect(clusterState(ready())).to.deep.equal({ ready: true, failed: false, summary: "phase Provisioned, Ready=True" });
        });

        it("v1beta1 Ready=False: not ready, the reason and message in the summary", () => {
            expect(clusterState(provisioning())).to.deep.equal({
                ready: false,
                failed: false,
                summary: "phase Provisioning, Ready=False (WaitingForControlPlane: 0 of 3 control plane machines ready)",
            });
            const reasonOnly = clusterObject({ phase: "Provisioning", conditions: [{ type: "Ready", status: "False", reason: "WaitingForInfrastructure" }] });
            expect(clusterState(reasonOnly).summary).to.equal("phase Provisioning, Ready=False (WaitingForInfrastructure)");
        });

        it("v1beta2 Available=True under status.v1beta2.conditions: ready", () => {
            const cluster = clusterObject({
                phase: "Provisioned",
                conditions: [{ type: "InfrastructureReady", status: "True" }],
                v1beta2: { conditions: [{ type: "RemoteConnectionProbe", status: "True", reason: "ProbeSucceeded" }, { type: "Available", status: "True", reason: "Available" }] },
            });
            expect(clusterState(cluster)).to.deep.equal({ ready: true, failed: false, summary: "phase Provisioned, Available=True (Available)" });
        });

        it("v1beta2 Available as a top-level condition (the v1beta2 API): ready; Available=False: not ready", () => {
            expect(clusterState(clusterObject({ phase: "Provisioned", conditions: [{ type: "Available", status: "True", reason: "Available" }] })).ready).to.equal(true);
            const notYet = clusterObject({ phase: "Provisioning", conditions: [{ type: "Available", status: "False", reason: "NotAvailable", message: "* ControlPlaneAvailable: not yet" }] });
            expect(clusterState(notYet)).to.deep.equal({
                ready: false,
                failed: false,
                summary: "phase Provisioning, Available=False (NotAvailable: * ControlPlaneAvailable: not yet)",
            });
        });

        it("phase Failed: failed, not ready", () => {
            const cluster = clusterObject({ phase: "Failed", failureReason: "CreateError", conditions: [{ type: "Ready", status: "False", reason: "InfrastructureFailed" }] });
            expect(clusterState(cluster)).to.deep.equal({ ready: false, failed: true, summary: "phase Failed, Ready=False (InfrastructureFailed)" });
        });

        it("other True conditions do not make it ready", () => {
            const cluster = clusterObject({ phase: "Provisioning", conditions: [{ type: "InfrastructureReady", status: "True" }, { type: "ControlPlaneInitialized", status: "True" }] });
            expect(clusterState(cluster)).to.deep.equal({ ready: false, failed: false, summary: "phase Provisioning, no Ready condition yet" });
        });

        it("an object without status (just created), or nothing at all: pending", () => {
            const pending = { ready: false, failed: false, summary: "phase Pending, no Ready condition yet" };
            expect(clusterState({})).to.deep.equal(pending);
            expect(clusterState(clusterObject(undefined))).to.deep.equal(pending);
            expect(clusterState(undefined)).to.deep.equal(pending);
        });
    });

    // ---------------------------------------------------------------------------------------------
    // kubeGet

    describe("GET from the Kubernetes API", () => {
        it("returns the parsed object, sending the bearer token", async () => {
            state.cluster = ready();
            expect(await kubeGet(access(), clusterPath)).to.deep.equal(ready());
            expect(state.requests).to.deep.equal([clusterPath]);
            expect(state.refused).to.equal(0);
        });

        it("resolves to undefined on 404", async () => {
            expect(await kubeGet(access(), clusterPath)).to.equal(undefined);
            expect(await kubeGet(access(), secretPath)).to.equal(undefined);
            expect(state.requests).to.deep.equal([clusterPath, secretPath]);
        });

        it("rejects on 401, naming the path and the status", async () => {
            state.cluster = ready();
            let error: Error | undefined;
            await kubeGet(access("a-wrong-token"), clusterPath).catch((err: Error) => (error = err));
            expect(error, "kubeGet resolved").to.be.instanceOf(Error);
            expect(error!.message).to.contain(`GET ${clusterPath}: HTTP 401`);
            expect(state.refused).to.equal(1);
        });

        it("without any credential the API refuses it too", async () => {
            state.cluster = ready();
            const anonymous: KubeAccess = { server: baseUrl, insecure: false };
            let error: Error | undefined;
            await kubeGet(anonymous, clusterPath).catch((err: Error) => (error = err));
            expect(error?.message).to.match(/HTTP 401/);
        });

        it("rejects on a server error, with the start of its body", async () => {
            state.failOnce.set(secretPath, 500);
            let error: Error | undefined;
            await kubeGet(access(), secretPath).catch((err: Error) => (error = err));
            expect(error?.message).to.match(/^GET \/api\/v1\/namespaces\/default\/secrets\/uksrc-k8s-kubeconfig: HTTP 500: \{.*etcdserver: request timed out/);
        });
    });

    // ---------------------------------------------------------------------------------------------
    // waitForWorkloadKubeconfig

    describe("waiting for the workload kubeconfig", () => {
        const pollMs = 20_000;

        it("absent, then provisioning, then ready: returns the decoded kubeconfig", async () => {
            const clock = fakeClock((sleeps) => {
                if (sleeps === 2) state.cluster = provisioning();
                if (sleeps === 3) {
                    state.cluster = ready();
                    state.secret = kubeconfigSecret();
                }
            });
            const kubeconfig = await waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 60 * 60_000, pollMs, sleep: clock.sleep, now: clock.now });
            expect(kubeconfig).to.equal(workloadKubeconfig);
            // Two polls find nothing, one finds it provisioning, the fourth finds it ready and reads the secret.
            expect(state.requests).to.deep.equal([clusterPath, clusterPath, clusterPath, clusterPath, secretPath]);
            expect(clock.slept).to.deep.equal([pollMs, pollMs, pollMs]);
            expect(state.refused).to.equal(0);
        });

        it("ready, but the kubeconfig secret comes later: keeps polling, then returns it", async () => {
            state.cluster = ready();
            const clock = fakeClock((sleeps) => {
                if (sleeps === 2) state.secret = kubeconfigSecret();
            });
            const kubeconfig = await waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 60 * 60_000, pollMs, sleep: clock.sleep, now: clock.now });
            expect(kubeconfig).to.equal(workloadKubeconfig);
            expect(state.requests).to.deep.equal([clusterPath, secretPath, clusterPath, secretPath, clusterPath, secretPath]);
            expect(clock.slept).to.have.length(2);
        });

        it("a secret without the value key counts as not there yet", async () => {
            state.cluster = ready();
            state.secret = { ...kubeconfigSecret(), data: {} };
            const clock = fakeClock((sleeps) => {
                if (sleeps === 1) state.secret = kubeconfigSecret();
            });
            expect(await waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 60_000, pollMs, sleep: clock.sleep, now: clock.now })).to.equal(workloadKubeconfig);
            expect(clock.slept).to.have.length(1);
        });

        it("phase Failed: rejects at once, naming the cluster", async () => {
            state.cluster = clusterObject({ phase: "Failed", conditions: [{ type: "Ready", status: "False", reason: "InfrastructureFailed" }] });
            state.secret = kubeconfigSecret();
            const clock = fakeClock();
            const error = await rejection(waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 60 * 60_000, pollMs, sleep: clock.sleep, now: clock.now }));
            expect(error.message).to.equal("Cluster API reports the cluster default/uksrc-k8s failed: phase Failed, Ready=False (InfrastructureFailed)");
            expect(clock.slept).to.deep.equal([]);
            expect(state.requests).to.deep.equal([clusterPath]);
        });

        it("never ready: rejects after the timeout with the last state seen", async () => {
            state.cluster = provisioning();
            const clock = fakeClock();
            const error = await rejection(waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 10 * 60_000, pollMs, sleep: clock.sleep, now: clock.now }));
            expect(error.message).to.equal(
                "the cluster default/uksrc-k8s was not ready after 10 minutes; last seen: phase Provisioning, Ready=False (WaitingForControlPlane: 0 of 3 control plane machines ready)",
            );
            // A poll at the start and one every 20 s until the deadline, the last one at it.
            expect(clock.elapsed()).to.equal(10 * 60_000);
            expect(state.requests).to.have.length(31);
            expect(state.requests.every((p) => p === clusterPath)).to.equal(true);
        });

        it("never created: the timeout says the Cluster object does not exist", async () => {
            const clock = fakeClock();
            const error = await rejection(waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 2 * 60_000, pollMs, sleep: clock.sleep, now: clock.now }));
            expect(error.message).to.equal("the cluster default/uksrc-k8s was not ready after 2 minutes; last seen: the Cluster object does not exist yet");
        });

        it("ready without its secret until the deadline: the timeout says so", async () => {
            state.cluster = ready();
            const clock = fakeClock();
            const error = await rejection(waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 60_000, pollMs, sleep: clock.sleep, now: clock.now }));
            expect(error.message).to.equal("the cluster default/uksrc-k8s was not ready after 1 minutes; last seen: ready, but its kubeconfig secret is not there yet");
        });

        it("a transient error reading the Cluster is retried", async () => {
            state.cluster = ready();
            state.secret = kubeconfigSecret();
            state.failOnce.set(clusterPath, 503);
            const clock = fakeClock();
            expect(await waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 60_000, pollMs, sleep: clock.sleep, now: clock.now })).to.equal(workloadKubeconfig);
            expect(state.requests).to.deep.equal([clusterPath, clusterPath, secretPath]);
        });

        it("refused credentials: keeps trying, and the timeout carries the 401", async () => {
            state.cluster = ready();
            state.secret = kubeconfigSecret();
            const clock = fakeClock();
            const error = await rejection(waitForWorkloadKubeconfig(access("a-wrong-token"), namespace, name, { timeoutMs: 60_000, pollMs, sleep: clock.sleep, now: clock.now }));
            expect(error.message).to.contain("was not ready after 1 minutes");
            expect(error.message).to.contain(`did not answer: GET ${clusterPath}: HTTP 401`);
            expect(state.refused).to.equal(4);
        });

        it("the management cluster not listening: keeps retrying, then times out saying it did not answer", async () => {
            const dead = kubeAccess(tokenKubeconfig(`http://127.0.0.1:${await closedPort()}`));
            const clock = fakeClock();
            const error = await rejection(waitForWorkloadKubeconfig(dead, namespace, name, { timeoutMs: 60_000, pollMs, sleep: clock.sleep, now: clock.now }));
            expect(error.message).to.match(/^the cluster default\/uksrc-k8s was not ready after 1 minutes; last seen: the management cluster did not answer: /);
            expect(error.message).to.contain("ECONNREFUSED");
            // Tried at 0, 20, 40 and 60 s.
            expect(clock.slept).to.deep.equal([pollMs, pollMs, pollMs]);
        });

        // An error reading the kubeconfig Secret is retried like one reading the Cluster.
        it("a transient error reading the kubeconfig secret is retried", async () => {
            state.cluster = ready();
            state.secret = kubeconfigSecret();
            state.failOnce.set(secretPath, 503);
            const clock = fakeClock();
            expect(await waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 60_000, pollMs, sleep: clock.sleep, now: clock.now })).to.equal(workloadKubeconfig);
            expect(state.requests).to.deep.equal([clusterPath, secretPath, clusterPath, secretPath]);
        });

        // A 404 after an error replaces the error as "last seen".
        it("the timeout reports the last answer: a Cluster gone missing after an error is reported missing", async () => {
            state.failOnce.set(clusterPath, 503);
            const clock = fakeClock();
            const error = await rejection(waitForWorkloadKubeconfig(access(), namespace, name, { timeoutMs: 60_000, pollMs, sleep: clock.sleep, now: clock.now }));
            expect(error.message).to.not.contain("did not answer");
            expect(error.message).to.contain("does not exist");
        });
    });
});

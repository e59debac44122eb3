// The JupyterHub part under the recording engine: what it registers, where, with which
// protection and teardown order, and that the notebook is pointed at the RSE as registered.
import { expect } from "chai";
import { charts } from "../config/versions";
import { notebookRucioPaths } from "../components/jupyterhub/render/rucio-notebook";
import type { Recording } from "../tools/engine/record";
import { inputsOf, named, ofType, runStack, upstream } from "./harness";

const T = {
    release: "kubernetes:helm.sh/v3:Release",
    namespace: "kubernetes:core/v1:Namespace",
    cluster: "openstack:containerinfra/cluster:Cluster",
    bytes: "random:index/randomBytes:RandomBytes",
    password: "random:index/randomPassword:RandomPassword",
};


const hubOf = (r: Recording) => ofType(r, T.release).find((x) => inputsOf(x).chart === charts.jupyterhub.chart)!;
const notebookFile = (values: any, mountPath: string): string => (Object.values(values.singleuser.extraFiles) as any[]).find((f) => f.mountPath === mountPath).stringData;

describe("JupyterHub part (recording engine)", function () {
    this.timeout(60000);
    let dev: Recording;
    let uksrc: Recording;
    before(async () => {
        dev = await runStack("dev");
        uksrc = await runStack("uksrc");
    });

    it("installs the pinned chart in the platform's namespace, where the RSE's claims are", () => {
        const hub = inputsOf(hubOf(dev));
        expect(hub).to.deep.include({ name: "jupyterhub", chart: charts.jupyterhub.chart, version: charts.jupyterhub.version, namespace: "jupyterhub" });
        expect(hub.repositoryOpts).to.deep.equal({ repo: charts.jupyterhub.repo });
        // After the claims it mounts (the SDK waits on a component through its resources).
        const claims = ofType(dev, "kubernetes:core/v1:PersistentVolumeClaim").map((c) => c.urn);
        expect(claims).to.not.be.empty;
        expect(hubOf(dev).dependsOn).to.include.members(claims);
    });

    it("generates the cookie secret, the proxy token and the auth_state key, and shows none of them", () => {
        expect(ofType(dev, T.bytes).map((r) => r.name).sort()).to.deep.equal(["dev-jupyterhub-cookie-secret", "dev-jupyterhub-crypt-key"]);
        expect(ofType(dev, T.password).map((r) => r.name)).to.include("dev-jupyterhub-proxy-token");
        const config = inputsOf(hubOf(dev)).values.hub.config;
        expect(config).to.deep.equal({ JupyterHub: { cookie_secret: "[secret]" }, CryptKeeper: { keys: ["[secret]"] }, ConfigurableHTTPProxy: { auth_token: "[secret]" } });
        const secret = named(dev, "dev-jupyterhub-iam");
        expect(inputsOf(secret).stringData).to.deep.equal({ "login-client-secret": "[secret]", "exchange-client-secret": "[secret]" });
        expect(JSON.stringify(dev.resources)).not.to.include("recording-engine-client-secret");
    });

    it("logs in with the site's JupyterHub client and exchanges with its exchange client", () => {
        const auth: string = inputsOf(hubOf(dev)).values.hub.extraConfig["10-srcnet-auth"];
        expect(auth).to.include('a.client_id = "dev-jupyterhub"');
        expect(auth).to.include('a.exchange_client_id = "dev-token-exchange"');
    });

    it("points rucio-jupyterlab and rucio.cfg at the RSE as registered, with its random suffix on a test site", () => {
        const registered = (dev.outputs as any).rse.name as string;
        expect(registered).to.match(/^[A-Z0-9_-]+_[A-Z0-9]{6}$/);
        const values = inputsOf(hubOf(dev)).values;
        const server = JSON.parse(notebookFile(values, notebookRucioPaths.jupyterServerConfig));
        expect(server.RucioConfig.instances[0]).to.deep.include({ destination_rse: registered, rucio_base_url: "https://rucio.dev.srcnet.example.org" });
        // A production RSE keeps its configured name.
        const prod = JSON.parse(notebookFile(inputsOf(hubOf(uksrc)).values, notebookRucioPaths.jupyterServerConfig));
        expect(prod.RucioConfig.instances[0].destination_rse).to.equal((uksrc.outputs as any).rse.name);
        expect(prod.RucioConfig.instances[0].rucio_base_url).to.equal("https://rucio.srcnet.example.org");
    });

    it("test site: removes the hub and its namespace (the users' home volumes) while the cluster runs", () => {
        const namespace = named(dev, "dev-jupyterhub");
        const cluster = ofType(dev, T.cluster)[0];
        for (const r of [namespace, hubOf(dev)]) {
            expect(r.deletedWith, r.name).to.equal(undefined);
            expect(r.protect || r.retainOnDelete, r.name).to.equal(false);
        }
        // Waiting for the cluster (through its provider), so destroyed before it.
        for (const r of [namespace, hubOf(dev)]) expect(upstream(dev, r.urn), `${r.name} waits for the cluster`).to.include(cluster.urn);
    });

    it("production: protects and keeps the namespace of the users' home volumes", () => {
        const namespace = named(uksrc, "uksrc-jupyterhub");
        expect(namespace.protect).to.equal(true);
        expect(namespace.retainOnDelete).to.equal(true);
    });

    it("outputs the hub's URL and namespace", () => {
        expect((dev.outputs as any).jupyterhub).to.deep.equal({ url: "https://jupyter.dev.srcnet.example.org", namespace: "jupyterhub" });
    });

    it("registers nothing of JupyterHub when it is disabled", async () => {
        const off = await runStack("dev", (s) => (s.jupyterhub.enabled = false));
        expect(hubOf(off)).to.equal(undefined);
        expect((off.outputs as any).jupyterhub).to.equal(undefined);
    });
});

// The hub's chart values as a pure function: what the site config and the notebook plan put
// where, checked against the values tree the chart reads. The rendering of the whole release
// with the real helm and the chart's values schema is in test/render.test.ts.
import { expect } from "chai";
import { deriveSite } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import { planNotebookData, tokenVolume } from "../components/jupyterhub/plan";
import { defaultProfile, hubValues, profileList, type HubValuesArgs } from "../components/jupyterhub/render/hub-values";
import { keysWith, problemsOf, secretsOf, siteOf } from "./harness";

function devSite(change: (site: any) => void = () => undefined) {
    const site = siteOf("dev");
    change(site);
    const result = validateStackConfig({ site, keys: keysWith(Object.keys(secretsOf("dev"))) });
    if (!result.ok) throw new Error(result.problems.join("\n"));
    return deriveSite(result.site);
}

function valuesOf(change?: (site: any) => void, more: Partial<HubValuesArgs> = {}): any {
    const model = devSite(change);
    const args: HubValuesArgs = {
        hostname: model.hostnames.jupyter,
        ingressClass: "srcnet-traefik",
        acmeServer: model.acme.server,
        storageClass: "srcnet-cinder",
        jupyterhub: model.config.jupyterhub,
        authConfig: "# auth",
        hubFiles: { auth: { mountPath: "/srv/auth.py", content: "x = 1\n", mode: 0o644 } },
        hubEnvSecret: { name: "srcnet-hub-iam", keys: { SRCNET_LOGIN_CLIENT_SECRET: "login-client-secret" } },
        notebook: { command: ["start"], files: { agent: { mountPath: "/srv/agent.py", content: "y = 2\n", mode: 0o755 } }, env: { A: "b" } },
        data: planNotebookData(model),
        generated: { cookieSecret: "c", proxyToken: "p", cryptKey: "k" },
        ...more,
    };
    return hubValues(args);
}

describe("JupyterHub values", () => {
    it("reaches the hub through the site's ingress with a cert-manager certificate, and gives the proxy no load balancer", () => {
        const v = valuesOf();
        expect(v.proxy.service).to.deep.equal({ type: "ClusterIP" });
        expect(v.ingress).to.deep.include({ enabled: true, ingressClassName: "srcnet-traefik", hosts: ["jupyter.dev.srcnet.example.org"] });
        expect(v.ingress.annotations["cert-manager.io/cluster-issuer"]).to.be.a("string");
        expect(v.ingress.tls[0].hosts).to.deep.equal(["jupyter.dev.srcnet.example.org"]);
    });

    it("lets notebooks reach the site's own ingress pods (Rucio at its public name), and nothing more than the chart allows otherwise", () => {
        const ingressPods = { namespace: "traefik", labels: { "app.kubernetes.io/name": "traefik" }, port: 8443 };
        expect(valuesOf(undefined, { ingressPods }).singleuser.networkPolicy).to.deep.equal({
            egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "traefik" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "traefik" } } }], ports: [{ port: 8443, protocol: "TCP" }] }],
        });
        expect(valuesOf().singleuser).to.not.have.property("networkPolicy");
    });

    it("mounts every storage area's claim read-only where the plan says, and the token on a memory volume", () => {
        const model = devSite();
        const v = valuesOf();
        const plan = planNotebookData(model);
        expect(plan.areas.map((a) => a.claim)).to.deep.equal(model.storage.areas.map((a) => `rse-${a.name}`));
        for (const area of plan.areas) {
            expect(v.singleuser.storage.extraVolumes).to.deep.include({ name: area.claim, persistentVolumeClaim: { claimName: area.claim, readOnly: true } });
            expect(v.singleuser.storage.extraVolumeMounts).to.deep.include({ name: area.claim, mountPath: area.mountPath, readOnly: true });
        }
        expect(v.singleuser.storage.extraVolumes).to.deep.include({ name: tokenVolume.name, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } });
        expect(v.singleuser.storage.extraVolumeMounts).to.deep.include({ name: tokenVolume.name, mountPath: tokenVolume.mountPath });
    });

    it("gives each user a home of jupyterhub.userStorageGb on the site's storage class", () => {
        const v = valuesOf((s) => (s.jupyterhub.userStorageGb = 42));
        expect(v.singleuser.storage).to.deep.include({ type: "dynamic", capacity: "42Gi" });
        expect(v.singleuser.storage.dynamic).to.deep.equal({ storageClass: "srcnet-cinder", storageAccessModes: ["ReadWriteOnce"] });
    });

    it("culls idle servers after jupyterhub.cullIdleMinutes", () => {
        expect(valuesOf((s) => (s.jupyterhub.cullIdleMinutes = 90)).cull).to.deep.equal({ enabled: true, timeout: 5400, every: 600 });
        expect(valuesOf((s) => (s.jupyterhub.cullIdleMinutes = 10)).cull).to.deep.include({ timeout: 600, every: 300 });
    });

    it("offers the configured sizes, each guaranteed and limited alike, with the marked one preselected", () => {
        const profiles = [
            { name: "a", displayName: "A", cpu: 0.5, memoryGb: 2 },
            { name: "b", displayName: "B", cpu: 4, memoryGb: 16, default: true },
        ];
        const v = valuesOf((s) => (s.jupyterhub.profiles = profiles));
        expect(v.singleuser.profileList).to.deep.equal([
            { slug: "a", display_name: "A", description: "", default: false, kubespawner_override: { cpu_guarantee: 0.5, cpu_limit: 0.5, mem_guarantee: "2G", mem_limit: "2G" } },
            { slug: "b", display_name: "B", description: "", default: true, kubespawner_override: { cpu_guarantee: 4, cpu_limit: 4, mem_guarantee: "16G", mem_limit: "16G" } },
        ]);
        expect(v.singleuser.cpu).to.deep.equal({ guarantee: 4, limit: 4 });
        expect(v.singleuser.memory).to.deep.equal({ guarantee: "16G", limit: "16G" });
    });

    it("preselects the first profile when none is marked", () => {
        const model = devSite((s) => (s.jupyterhub.profiles = [{ name: "x", displayName: "X", cpu: 1, memoryGb: 1 }, { name: "y", displayName: "Y", cpu: 2, memoryGb: 2 }]));
        expect(defaultProfile(model.config.jupyterhub.profiles).name).to.equal("x");
        expect(profileList(model.config.jupyterhub.profiles).map((p) => p.default)).to.deep.equal([true, false]);
    });

    it("splits the notebook image into the chart's name and tag, a registry port included", () => {
        const v = valuesOf((s) => (s.jupyterhub.image = "registry.example.org:5000/srcnet/notebook:1.2.3"));
        expect(v.singleuser.image).to.deep.equal({ name: "registry.example.org:5000/srcnet/notebook", tag: "1.2.3" });
    });

    it("pre-pulls the notebook image unless told not to", () => {
        expect(valuesOf().prePuller).to.deep.equal({ hook: { enabled: true }, continuous: { enabled: true } });
        expect(valuesOf((s) => (s.jupyterhub.prePull = false)).prePuller).to.deep.equal({ hook: { enabled: false }, continuous: { enabled: false } });
    });

    it("keeps the hub's IAM client secrets out of the values: the hub reads them from a Secret", () => {
        const v = valuesOf();
        expect(v.hub.extraEnv).to.deep.equal({ SRCNET_LOGIN_CLIENT_SECRET: { valueFrom: { secretKeyRef: { name: "srcnet-hub-iam", key: "login-client-secret" } } } });
        expect(v.hub.config).to.deep.equal({ JupyterHub: { cookie_secret: "c" }, CryptKeeper: { keys: ["k"] }, ConfigurableHTTPProxy: { auth_token: "p" } });
    });

    it("refuses two default profiles, a repeated profile name and an image without a pinned tag, naming each path", () => {
        const problems = problemsOf({
            ...siteOf("dev"),
            jupyterhub: {
                image: "quay.io/jupyter/minimal-notebook:latest",
                profiles: [
                    { name: "a", displayName: "A", cpu: 1, memoryGb: 1, default: true },
                    { name: "a", displayName: "B", cpu: 1, memoryGb: 1, default: true },
                ],
            },
        }, keysWith(Object.keys(secretsOf("dev"))));
        expect(problems.join("\n")).to.match(/jupyterhub\.image/);
        expect(problems.join("\n")).to.match(/jupyterhub\.profiles\[1\]\.name.*listed twice/);
        expect(problems.join("\n")).to.match(/jupyterhub\.profiles\[1\]\.default.*only one profile/);
    });
});

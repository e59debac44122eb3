// The site's Rucio as rendered data: rucio.cfg sections, idpsecrets.json, the web UI's .env, and
// the values of the rucio-server, rucio-daemons and rucio-webui charts, rendered by the real helm
// from the vendored 40.0.0 charts for a test site (dev) and a production one (uksrc), every object
// checked against the strict Kubernetes schemas, and what the pods would get checked against what
// Rucio and the images read.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { charts, versions } from "../config/versions";
import { hostnamesOf, siteIngressClass, siteIssuerName } from "../config/derive";
import { ingressTls } from "../components/certs/render/issuers";
import { chartFullname, rucioImageTag, rucioReleases, rucioSecrets, serverServiceUrl, webuiImageTag, type RucioChartArgs } from "../components/rucio/render/charts";
import { daemonCounts, rucioDaemonsValues } from "../components/rucio/render/daemons-values";
import { idpSecrets, rucioOidcRedirectUris } from "../components/rucio/render/idp-secrets";
import { checkCfg, databaseUrlEnv, idpSecretsPath, jsonMetadataPlugin, rucioAudience, rucioCfgText, rucioServerConfig, type RucioCfg } from "../components/rucio/render/server-config";
import { rucioServerValues } from "../components/rucio/render/server-values";
import { iamEndpoints } from "../components/identity/iam-endpoints";
import { rucioWebuiValues, webuiEnvFile, webuiRedirectUri } from "../components/rucio/render/webui-values";
import { helmTemplate, manifestObjects } from "../tools/render/helm-template";
import { KubeSchemas, type KubeObject } from "../tools/render/kube-schema";
import { siteOf } from "./harness";

// ---------------------------------------------------------------------------------------------
// Fixtures: the arguments the component would pass, from a committed stack's site.

function argsOf(stack: "dev" | "uksrc"): RucioChartArgs {
    const site = siteOf(stack);
    const hostnames = hostnamesOf({ domain: site.domain, hostnames: site.hostnames ?? {} });
    return {
        environment: site.environment,
        namespace: `${site.name}-rucio`,
        serverHostname: hostnames.rucio,
        webuiHostname: hostnames.rucioWebui,
        issuer: site.iam.issuer,
        issuerName: siteIssuerName,
        webuiClientId: `${site.name}-rucio-webui-client-id`,
        ingressClass: siteIngressClass,
        acmeServer: site.environment === "production" ? "production" : "staging",
        secrets: { idpSecrets: `${site.name}-rucio-idpsecrets`, databaseUrl: `${site.name}-rucio-database-url`, webui: `${site.name}-rucio-webui`, webuiEnv: `${site.name}-rucio-webui-env` },
    };
}

const sites = { test: argsOf("dev"), production: argsOf("uksrc") } as const;

const fakeSecret = "s3cr3t-Value-that-must-never-show";

/** Key=value lines of a dotenv file, quotes removed. */
function parseDotenv(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n").filter((l) => l.trim() !== "")) {
        const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
        if (!m) throw new Error(`not a dotenv line: ${line}`);
        out[m[1]] = m[2].replace(/^"(.*)"$/, "$1");
    }
    return out;
}

/** Paths of values that look like secrets: credentials in a URL, or a literal at a secret-named key or env variable. */
function secretLooking(value: unknown, path = ""): string[] {
    if (typeof value === "string") return /:\/\/[^/\s:@]+:[^/\s@]+@/.test(value) ? [path] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => secretLooking(v, `${path}[${i}]`));
    if (value === null || typeof value !== "object") return [];
    const o = value as Record<string, unknown>;
    const found: string[] = [];
    // A container env variable with a secret's name and a literal value.
    if (typeof o.name === "string" && /SECRET|PASSWORD|TOKEN/i.test(o.name) && typeof o.value === "string") found.push(`${path}.value`);
    for (const [k, v] of Object.entries(o)) {
        if (typeof v === "string" && /(password|secret|token|passphrase)$/i.test(k) && !["secretName", "secretFullName"].includes(k) && v !== "") found.push(`${path}.${k}`);
        found.push(...secretLooking(v, `${path}.${k}`));
    }
    return found;
}

interface Rendered {
    readonly objects: KubeObject[];
}

function render(release: string, chart: string, version: string, values: unknown, namespace: string): Rendered {
    const result = helmTemplate({ name: release, namespace, chart, version, values, kubeVersion: "v1.36.3" });
    if (!result.ok) throw new Error(`helm template ${chart}: ${result.error}`);
    return { objects: manifestObjects(result.manifest) };
}

const find = (objects: readonly KubeObject[], kind: string) => objects.filter((o) => o.kind === kind) as any[];
const containersOf = (deployment: any): any[] => deployment.spec.template.spec.containers;
const envOf = (container: any): any[] => container.env ?? [];
const decoded = (secret: any, key: string) => Buffer.from(secret.data[key], "base64").toString("utf8");

/** Secret references of the pods, by name and key, except Secrets the chart itself renders. */
function secretRefs(objects: readonly KubeObject[]): { name: string; key: string }[] {
    const own = new Set(find(objects, "Secret").map((s) => s.metadata.name));
    const refs: { name: string; key: string }[] = [];
    for (const d of find(objects, "Deployment")) {
        const spec = d.spec.template.spec;
        const volumes = new Map<string, string>();
        for (const v of spec.volumes ?? []) if (v.secret) volumes.set(v.name, v.secret.secretName);
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
            for (const e of envOf(c)) if (e.valueFrom?.secretKeyRef) refs.push({ name: e.valueFrom.secretKeyRef.name, key: e.valueFrom.secretKeyRef.key });
            for (const m of c.volumeMounts ?? []) {
                const secret = volumes.get(m.name);
                if (secret === undefined || own.has(secret)) continue;
                // A whole-Secret mount would put every key in a directory; the site mounts single keys.
                expect(m.subPath, `${d.metadata.name}: mount of ${secret} names its key`).to.be.a("string").and.not.equal("");
                refs.push({ name: secret, key: m.subPath });
            }
        }
    }
    return refs.filter((r) => !own.has(r.name));
}

// ---------------------------------------------------------------------------------------------
// rucio.cfg

describe("rucio render: the rucio.cfg the server and daemons share", () => {
    const cfg = rucioServerConfig({ issuerName: "iam" });

    it("[oidc]: the idpsecrets.json the pods mount, Rucio's own client by its issuer name, the audience and scopes tokens must carry", () => {
        expect(cfg.oidc).to.deep.equal({ idpsecrets: idpSecretsPath, admin_issuer: "iam", expected_audience: "rucio", expected_scope: "openid profile" });
        expect(idpSecretsPath).to.equal("/opt/rucio/etc/idpsecrets.json");
    });

    it("[metadata]: the JSON plugin, searchable on PostgreSQL", () => {
        expect(cfg.metadata).to.deep.equal({ plugins: "rucio.core.did_meta_plugins.json_meta.JSONDidMeta" });
        expect(jsonMetadataPlugin).to.match(/^rucio\.core\.did_meta_plugins\.json_meta\.JSONDidMeta$/);
    });

    it("[conveyor]: FTS transfers over davs, the poller with tokens, no X.509 proxy", () => {
        expect(cfg.conveyor).to.deep.equal({ scheme: "davs", transfertool: "fts3", poller_oidc_support: "True" });
    });

    it("[policy] generic, [common] INFO, and no messages stored for a broker the site does not run", () => {
        expect(cfg.policy).to.deep.equal({ permission: "generic", schema: "generic", lfn2pfn_algorithm_default: "hash" });
        expect(rucioServerConfig({ issuerName: "iam", lfn2pfnAlgorithm: "identity" }).policy.lfn2pfn_algorithm_default).to.equal("identity");
        expect(cfg.common).to.deep.equal({ loglevel: "INFO" });
        expect(cfg.hermes).to.deep.equal({ services_list: "" });
    });

    it("holds no database section and nothing secret: the URL comes from a Secret as " + databaseUrlEnv, () => {
        expect(cfg).to.not.have.property("database");
        expect(databaseUrlEnv).to.equal("RUCIO_CFG_DATABASE_DEFAULT");
        expect(secretLooking(cfg)).to.deep.equal([]);
    });

    it("refuses what ConfigParser cannot read, without repeating the value", () => {
        const bad = (value: string): RucioCfg => ({ database: { default: value } });
        expect(() => checkCfg(bad(`postgresql+psycopg://rucio:${fakeSecret}%41@db/rucio`))).to.throw(/\[database\] default holds a '%'/);
        expect(() => checkCfg(bad(`a\n${fakeSecret}`))).to.throw(/spans lines/);
        for (const value of [`${fakeSecret}%`, `x\n${fakeSecret}`]) {
            try {
                checkCfg(bad(value));
            } catch (e) {
                expect(String((e as Error).message)).to.not.include(fakeSecret);
            }
        }
        expect(() => checkCfg(bad("100%% sure"))).to.not.throw();
        expect(() => checkCfg({ "Bad Section": { a: "b" } })).to.throw(/not a section name/);
    });

    it("as INI text, Python's ConfigParser (interpolation on, as Rucio reads it) gets back every value", () => {
        const text = rucioCfgText(cfg);
        const script = "import configparser,json,sys\np=configparser.ConfigParser()\np.read_string(sys.stdin.read())\nprint(json.dumps({s:dict(p.items(s)) for s in p.sections()}))";
        const run = spawnSync("/usr/bin/python3", ["-c", script], { input: text, encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
        expect(JSON.parse(run.stdout)).to.deep.equal(cfg);
    });
});

// ---------------------------------------------------------------------------------------------
// idpsecrets.json

describe("rucio render: idpsecrets.json as oidc.py reads it", () => {
    const base = {
        issuerName: "iam",
        issuer: "https://iam.dev.srcnet.example.org/",
        clientId: "rucio-client-id",
        clientSecret: fakeSecret,
        redirectUris: rucioOidcRedirectUris("https://rucio.dev.srcnet.example.org"),
    };

    it("one entry under the admin_issuer's name, with what Rucio reads of it", () => {
        const data = JSON.parse(idpSecrets(base));
        const admin = rucioServerConfig({ issuerName: base.issuerName }).oidc.admin_issuer;
        expect(Object.keys(data)).to.deep.equal([admin]);
        // oidc.py:243-245: Rucio's own client for its tokens.
        expect(data[admin]).to.include({ client_id: "rucio-client-id", client_secret: fakeSecret, issuer: "https://iam.dev.srcnet.example.org/" });
        // oidc.py:190: every entry has SCIM, or no issuer is loaded; Rucio's own client by default.
        expect(data[admin].SCIM).to.deep.equal({ client_id: "rucio-client-id", client_secret: fakeSecret });
        // oidc.py:334-336: a login's redirect URI is one containing the requested path.
        for (const path of ["auth/oidc_token", "auth/oidc_code"]) expect(data[admin].redirect_uris.filter((u: string) => u.includes(path))).to.have.length(1);
        expect(data[admin].redirect_uris).to.deep.equal(["https://rucio.dev.srcnet.example.org/auth/oidc_token", "https://rucio.dev.srcnet.example.org/auth/oidc_code"]);
    });

    it("the issuer is kept byte for byte (Rucio finds the client by the tokens' iss)", () => {
        expect(JSON.parse(idpSecrets({ ...base, issuer: "https://iam.example.org" })).iam.issuer).to.equal("https://iam.example.org");
    });

    it("redirect URIs from the auth URL, with or without its trailing slash", () => {
        expect(rucioOidcRedirectUris("https://rucio.example.org/")).to.deep.equal(rucioOidcRedirectUris("https://rucio.example.org"));
    });

    it("refuses an incomplete client, naming the field and never the secret", () => {
        const cases: [Partial<typeof base>, RegExp][] = [
            [{ clientSecret: "" }, /client_secret of iam is empty/],
            [{ clientId: " " }, /client_id of iam is empty/],
            [{ redirectUris: ["https://rucio.example.org/auth/oidc_token"] }, /needs a redirect URI ending in \/auth\/oidc_code/],
            [{ issuer: "http://iam.example.org/" }, /issuer of iam must be an https URL/],
            [{ issuerName: "my iam" }, /issuer name "my iam"/],
        ];
        for (const [change, message] of cases) {
            let error: Error | undefined;
            try {
                idpSecrets({ ...base, ...change });
            } catch (e) {
                error = e as Error;
            }
            expect(error, String(message)).to.be.instanceOf(Error);
            expect(error!.message).to.match(message);
            expect(error!.message).to.not.include(fakeSecret);
        }
    });
});

// ---------------------------------------------------------------------------------------------
// The web UI's .env

describe("rucio render: the web UI's .env", () => {
    const args = sites.test;
    const env = parseDotenv(webuiEnvFile(args));

    it("its public URL over https, for the browser and for NextAuth's callbacks and secure cookies", () => {
        expect(env).to.include({ NEXT_PUBLIC_WEBUI_HOST: "https://rucio-ui.dev.srcnet.example.org", NEXTAUTH_URL: "https://rucio-ui.dev.srcnet.example.org", AUTH_TRUST_HOST: "true" });
    });

    it("IAM login: every setting the web UI requires of a provider, the redirect URI IAM must register", () => {
        expect(env).to.include({ OIDC_ENABLED: "true", OIDC_PROVIDERS: "iam", OIDC_EXPECTED_AUDIENCE_CLAIM: rucioAudience, ENABLE_USERPASS_LOGIN: "false" });
        // env-config-gateway.ts:62 (the secret comes from the environment, not this file).
        for (const key of ["AUTHORIZATION_URL", "TOKEN_URL", "CLIENT_ID", "REDIRECT_URL", "ISSUER"]) expect(env, key).to.have.property(`OIDC_PROVIDER_IAM_${key}`).that.is.not.equal("");
        expect(env.OIDC_PROVIDER_IAM_REDIRECT_URL).to.equal("https://rucio-ui.dev.srcnet.example.org/api/auth/callback/iam");
        expect(webuiRedirectUri(args.webuiHostname)).to.equal(env.OIDC_PROVIDER_IAM_REDIRECT_URL);
        expect(env).to.include({
            OIDC_PROVIDER_IAM_CLIENT_ID: "dev-rucio-webui-client-id",
            OIDC_PROVIDER_IAM_AUTHORIZATION_URL: "https://iam.dev.srcnet.example.org/authorize",
            OIDC_PROVIDER_IAM_TOKEN_URL: "https://iam.dev.srcnet.example.org/token",
            OIDC_PROVIDER_IAM_USERINFO_URL: "https://iam.dev.srcnet.example.org/userinfo",
            OIDC_PROVIDER_IAM_ISSUER: "https://iam.dev.srcnet.example.org/",
            OIDC_PROVIDER_IAM_SCOPES: "openid,profile,email,offline_access",
        });
    });

    it("IAM's endpoints whether or not the issuer ends in a slash", () => {
        expect(iamEndpoints("https://iam.example.org").token).to.equal("https://iam.example.org/token");
        expect(iamEndpoints("https://iam.example.org/").token).to.equal("https://iam.example.org/token");
    });

    it("the server inside the cluster, at the Service the server chart renders", () => {
        expect(env.RUCIO_HOST).to.equal("http://rucio-server.dev-rucio.svc");
        expect(env.RUCIO_AUTH_HOST).to.equal(env.RUCIO_HOST);
        expect(serverServiceUrl("dev-rucio")).to.equal(env.RUCIO_HOST);
    });

    it("nothing secret in it", () => {
        expect(Object.keys(env).filter((k) => /SECRET|PASSWORD/.test(k))).to.deep.equal([]);
        expect(secretLooking(env)).to.deep.equal([]);
    });

    it("refuses a value dotenv would change", () => {
        expect(() => webuiEnvFile({ ...args, webuiClientId: 'a"b' })).to.throw(/OIDC_PROVIDER_IAM_CLIENT_ID holds a character/);
    });
});

// ---------------------------------------------------------------------------------------------
// The three charts, rendered

describe("rucio render: the secret-looking check", () => {
    it("flags credentials in a URL, a secret-named literal and a literal secret variable", () => {
        expect(secretLooking({ a: { url: "postgresql+psycopg://rucio:pw@db/rucio" } })).to.deep.equal([".a.url"]);
        expect(secretLooking({ oidc: { client_secret: "x" } })).to.deep.equal([".oidc.client_secret"]);
        expect(secretLooking({ env: [{ name: "AUTH_SECRET", value: "x" }] })).to.deep.equal([".env[0].value"]);
        expect(secretLooking({ env: [{ name: "AUTH_SECRET", valueFrom: { secretKeyRef: { name: "n", key: "k" } } }], secretName: "n" })).to.deep.equal([]);
    });
});

for (const [kind, args] of Object.entries(sites)) {
    describe(`rucio render: the charts for a ${kind} site (${args.serverHostname})`, function () {
        this.timeout(60000);
        const schemas = new KubeSchemas();
        const values = { server: rucioServerValues(args), daemons: rucioDaemonsValues(args), webui: rucioWebuiValues(args) };
        let server: Rendered;
        let daemons: Rendered;
        let webui: Rendered;
        const replicas = kind === "production" ? 2 : 1;
        const cfg = rucioServerConfig({ issuerName: args.issuerName });
        const secretList = rucioSecrets(args.secrets);

        before(() => {
            server = render(rucioReleases.server, charts.rucioServer.chart, charts.rucioServer.version, values.server, args.namespace);
            daemons = render(rucioReleases.daemons, charts.rucioDaemons.chart, charts.rucioDaemons.version, values.daemons, args.namespace);
            webui = render(rucioReleases.webui, charts.rucioWebui.chart, charts.rucioWebui.version, values.webui, args.namespace);
        });

        it("every object validates against the strict Kubernetes schemas", () => {
            for (const r of [server, daemons, webui]) {
                expect(r.objects.length).to.be.greaterThan(2);
                for (const o of r.objects) {
                    const check = schemas.check(o);
                    expect(check.status, `${check.id}: ${check.status === "invalid" ? check.errors.join("; ") : ""}`).to.equal("valid");
                }
            }
        });

        it("every image is pinned: Rucio's at release-" + versions.rucio + ", the web UI's at release-" + versions.rucioWebui, () => {
            const images = (r: Rendered) => find(r.objects, "Deployment").flatMap((d) => [...containersOf(d), ...(d.spec.template.spec.initContainers ?? [])].map((c: any) => c.image as string));
            expect(images(server)).to.have.members([`rucio/rucio-server:${rucioImageTag}`, "busybox:1.37.0"]);
            expect(new Set(images(daemons))).to.deep.equal(new Set([`rucio/rucio-daemons:${rucioImageTag}`]));
            expect(images(webui)).to.deep.equal([`rucio/rucio-webui:${webuiImageTag}`]);
            for (const image of [...images(server), ...images(daemons), ...images(webui)]) expect(image, image).to.match(/^[a-z0-9./-]+:(?!latest$)[A-Za-z0-9._-]+$/);
            expect(rucioImageTag).to.equal(`release-${versions.rucio}`);
        });

        it(`server and web UI: ${replicas} pod(s), never down during a rollout`, () => {
            for (const r of [server, webui]) {
                const [d] = find(r.objects, "Deployment");
                expect(d.spec.replicas).to.equal(replicas);
                expect(d.spec.strategy.rollingUpdate).to.deep.equal({ maxSurge: 1, maxUnavailable: 0 });
            }
        });

        it("daemons: exactly the chosen ones, one pod each, no oauth-manager", () => {
            const deployments = find(daemons.objects, "Deployment");
            const names = deployments.map((d) => d.metadata.name).sort();
            expect(names).to.deep.equal(
                [
                    "abacus-account",
                    "abacus-collection-replica",
                    "abacus-rse",
                    "conveyor-finisher",
                    "conveyor-poller",
                    "conveyor-submitter",
                    "judge-cleaner",
                    "judge-evaluator",
                    "judge-injector",
                    "judge-repairer",
                    "reaper",
                    "transmogrifier",
                    "undertaker",
                ].map((d) => `rucio-daemons-${d}`),
            );
            for (const d of deployments) expect(d.spec.replicas, d.metadata.name).to.equal(1);
            expect(Object.values(daemonCounts).every((n) => n > 0)).to.equal(true);
        });

        it("daemons: the submitter takes every activity, the reaper removes what no rule protects", () => {
            const args = (name: string) => envOf(containersOf(find(daemons.objects, "Deployment").find((d) => d.metadata.name === `rucio-daemons-${name}`))[0]).find((e: any) => e.name === "RUCIO_DAEMON_ARGS").value as string;
            expect(args("conveyor-submitter")).to.not.include("--activities");
            expect(args("reaper")).to.match(/--greedy/);
        });

        it("daemons: requests a small cluster can hold, no CPU limit", () => {
            for (const d of find(daemons.objects, "Deployment")) {
                expect(containersOf(d)[0].resources, d.metadata.name).to.deep.equal({ requests: { cpu: "50m", memory: "256Mi" }, limits: { memory: "1Gi" } });
            }
        });

        it("ingresses: the server at its host, the web UI at its own, through the site's class with a cert-manager certificate", () => {
            for (const [r, host, service] of [
                [server, args.serverHostname, chartFullname(rucioReleases.server, "rucio-server")],
                [webui, args.webuiHostname, chartFullname(rucioReleases.webui, "rucio-webui")],
            ] as const) {
                const [ingress] = find(r.objects, "Ingress");
                const tls = ingressTls(host, args.acmeServer);
                expect(ingress.spec.ingressClassName).to.equal(args.ingressClass);
                // Exactly the issuer's annotation: none of the charts' nginx defaults.
                expect(ingress.metadata.annotations).to.deep.equal(tls.annotations);
                expect(ingress.spec.tls).to.deep.equal(tls.tls);
                expect(ingress.spec.rules).to.deep.equal([{ host, http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: service, port: { number: 80 } } } }] } }]);
                const [svc] = find(r.objects, "Service");
                expect(svc.metadata.name).to.equal(service);
                expect(svc.spec).to.include({ type: "ClusterIP" });
                expect(svc.spec.ports).to.deep.equal([{ port: 80, targetPort: 80, protocol: "TCP", name: "http" }]);
                // Kubernetes refuses it on any other Service type.
                expect(svc.spec).to.not.have.property("allocateLoadBalancerNodePorts");
            }
            expect(serverServiceUrl(args.namespace)).to.equal(`http://${find(server.objects, "Service")[0].metadata.name}.${args.namespace}.svc`);
        });

        it("server: readiness and liveness on /ping at the health port", () => {
            const main = containersOf(find(server.objects, "Deployment")[0]).find((c: any) => c.name === "rucio-server");
            for (const probe of [main.readinessProbe, main.livenessProbe]) expect(probe.httpGet).to.deep.equal({ path: "/ping", port: 81 });
            expect(main.ports.map((p: any) => p.containerPort)).to.include.members([80, 81]);
        });

        it("the rucio.cfg the charts hand the server and every daemon holds the shared sections, and nothing of the charts' X.509 defaults", () => {
            const common = (r: Rendered, name: string) => JSON.parse(decoded(find(r.objects, "Secret").find((s) => s.metadata.name === name), "common.json"));
            expect(common(server, "rucio-server.config.common")).to.deep.equal(cfg);
            expect(common(daemons, "rucio-daemons.config.common")).to.deep.equal(cfg);
            // Each daemon reads it from conf.d, where the images merge it (RUCIO_OVERRIDE_CONFIGS).
            for (const d of [...find(server.objects, "Deployment"), ...find(daemons.objects, "Deployment")]) {
                const c = containersOf(d).find((x: any) => x.image.startsWith("rucio/"));
                expect(c.volumeMounts.find((m: any) => m.mountPath === "/opt/rucio/etc/conf.d/10_common.json"), d.metadata.name).to.include({ subPath: "common.json" });
                expect(envOf(c).find((e: any) => e.name === "RUCIO_OVERRIDE_CONFIGS")).to.deep.equal({ name: "RUCIO_OVERRIDE_CONFIGS", value: "/opt/rucio/etc/conf.d/" });
            }
        });

        it("the server and every daemon get the database URL from its Secret and idpsecrets.json from its own, and never print rucio.cfg", () => {
            const byContent = (content: string) => secretList.find((s) => s.keys.some((k) => k.content === content))!;
            const db = byContent("database-url");
            const idp = byContent("idpsecrets.json");
            for (const d of [...find(server.objects, "Deployment"), ...find(daemons.objects, "Deployment")]) {
                const c = containersOf(d).find((x: any) => x.image.startsWith("rucio/"));
                expect(envOf(c).find((e: any) => e.name === databaseUrlEnv), d.metadata.name).to.deep.equal({ name: databaseUrlEnv, valueFrom: { secretKeyRef: { name: db.name, key: "url" } } });
                expect(envOf(c).map((e: any) => e.name)).to.not.include("RUCIO_PRINT_CFG");
                const mount = c.volumeMounts.find((m: any) => m.mountPath === idpSecretsPath);
                expect(mount, d.metadata.name).to.deep.include({ subPath: "idpsecrets.json" });
                const volume = d.spec.template.spec.volumes.find((v: any) => v.name === mount.name);
                expect(volume.secret.secretName).to.equal(idp.name);
            }
        });

        it("the pods reference exactly the Secrets of rucioSecrets(), by name and key", () => {
            const refs = [...secretRefs(server.objects), ...secretRefs(daemons.objects), ...secretRefs(webui.objects)].map((r) => `${r.name}/${r.key}`);
            const listed = secretList.flatMap((s) => s.keys.map((k) => `${s.name}/${k.key}`));
            expect([...new Set(refs)].sort()).to.deep.equal([...listed].sort());
            // Each chart uses the Secrets the list says it does.
            for (const [chart, r] of [["server", server], ["daemons", daemons], ["webui", webui]] as const) {
                const names = new Set(secretRefs(r.objects).map((x) => x.name));
                expect([...names].sort(), chart).to.deep.equal(secretList.filter((s) => s.usedBy.includes(chart)).map((s) => s.name).sort());
            }
        });

        it("web UI: its .env mounted, its secrets from the environment, Apache passing to the application locally, no unpinnable sidecar", () => {
            const [d] = find(webui.objects, "Deployment");
            const [c] = containersOf(d);
            expect(containersOf(d)).to.have.length(1);
            expect(c.volumeMounts).to.deep.include({ name: "webui-env", mountPath: "/opt/rucio/webui/.env", subPath: ".env" });
            const env = Object.fromEntries(envOf(c).map((e: any) => [e.name, e]));
            for (const name of ["OIDC_PROVIDER_IAM_CLIENT_SECRET", "AUTH_SECRET", "NEXTAUTH_SECRET"]) expect(env[name], name).to.have.property("valueFrom");
            expect(env.AUTH_SECRET.valueFrom).to.deep.equal(env.NEXTAUTH_SECRET.valueFrom);
            expect(env.RUCIO_WEBUI_HOSTNAME).to.deep.equal({ name: "RUCIO_WEBUI_HOSTNAME", value: "localhost" });
            expect(env.RUCIO_WEBUI_ENABLE_SSL).to.deep.equal({ name: "RUCIO_WEBUI_ENABLE_SSL", value: "False" });
            // No download at start-up, no CERN provider, no variables for the generator the .env replaces.
            const webuiVars = Object.keys(env).filter((n) => n.startsWith("RUCIO_WEBUI_"));
            expect(webuiVars.sort()).to.deep.equal(["RUCIO_WEBUI_ENABLE_SSL", "RUCIO_WEBUI_HOSTNAME"]);
        });

        it("no secret-looking value in any chart's values or rendered object", () => {
            expect(secretLooking(values)).to.deep.equal([]);
            for (const r of [server, daemons, webui]) {
                for (const o of r.objects) {
                    expect(secretLooking(o), String(o.metadata?.name)).to.deep.equal([]);
                    if (o.kind === "Secret") for (const key of Object.keys((o as any).data ?? {})) expect(secretLooking(JSON.parse(decoded(o, key))), `${o.metadata?.name}/${key}`).to.deep.equal([]);
                }
            }
        });
    });
}

describe("rucio render: the Secret list", () => {
    it("four Secrets with distinct names; the .env is the only one not secret", () => {
        const list = rucioSecrets(sites.test.secrets);
        expect(new Set(list.map((s) => s.name)).size).to.equal(4);
        expect(list.filter((s) => !s.sensitive).map((s) => s.keys[0].content)).to.deep.equal(["webui-env"]);
        // Kubernetes Secret keys.
        for (const s of list) for (const k of s.keys) expect(k.key).to.match(/^[-._a-zA-Z0-9]+$/);
    });
});

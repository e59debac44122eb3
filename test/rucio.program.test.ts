// The Rucio part under the recording engine: what each rucio.mode registers, in which order, with
// which protection, and what the RSE registration is asked to make Rucio hold.
import { expect } from "chai";
import { deriveSite } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import { charts, versions } from "../config/versions";
import { planRse } from "../components/rucio/plan";
import type { Recording, RecordedResource } from "../tools/engine/record";
import { inputsOf, keysWith, named, ofType, runSite, secretsOf, siteOf } from "./harness";

const T = {
    release: "kubernetes:helm.sh/v3:Release",
    job: "kubernetes:batch/v1:Job",
    cronJob: "kubernetes:batch/v1:CronJob",
    secret: "kubernetes:core/v1:Secret",
    rse: "pulumi-nodejs:dynamic/srcnet:RseRegistration",
    suffix: "random:index/randomString:RandomString",
    record: "openstack:dns/recordSet:RecordSet",
};

async function run(stack: "dev" | "uksrc", change: (s: any) => void = () => undefined, secrets: Record<string, unknown> = {}): Promise<Recording> {
    const site = siteOf(stack);
    change(site);
    const r = await runSite(site, { secrets: { ...secretsOf(stack), ...secrets }, stack });
    expect(r.error, String(r.error)).to.equal(undefined);
    return r;
}

function modelOf(stack: "dev" | "uksrc", change: (s: any) => void = () => undefined, secrets: readonly string[] = Object.keys(secretsOf(stack))) {
    const site = siteOf(stack);
    change(site);
    const result = validateStackConfig({ site, keys: keysWith(secrets) });
    if (!result.ok) throw new Error(result.problems.map((p) => `${p.where}: ${p.message}`).join("\n"));
    return deriveSite(result.site);
}

const releases = (r: Recording) => Object.fromEntries(ofType(r, T.release).map((x) => [x.name, inputsOf(x)]));
const dependsOnName = (x: RecordedResource, name: string) => x.dependsOn.some((urn) => urn.endsWith(`::${name}`));
/** Every leaf masked: the object is there, its values are not. */
const allSecret = (v: unknown): boolean => (v !== null && typeof v === "object" ? Object.values(v).every(allSecret) : v === "[secret]");
const rucioIn = (r: Recording) => r.resources.filter((x) => x.custom && /RucioOnCluster|RucioAccountSync/.test(x.parent ?? ""));

describe("Rucio part: deploy (the dev site)", () => {
    let dev: Recording;
    before(async () => {
        dev = await run("dev");
    });

    it("installs CloudNativePG, its PostgreSQL cluster and the three Rucio charts, each pinned", () => {
        const r = releases(dev);
        const pins = Object.fromEntries(["dev-cnpg", "dev-rucio-db", "dev-rucio-server", "dev-rucio-daemons", "dev-rucio-webui"].map((n) => [n, [r[n]?.chart, r[n]?.version, r[n]?.repositoryOpts?.repo]]));
        expect(pins).to.deep.equal({
            "dev-cnpg": [charts.cloudnativePg.chart, charts.cloudnativePg.version, charts.cloudnativePg.repo],
            "dev-rucio-db": [charts.postgresCluster.chart, charts.postgresCluster.version, charts.postgresCluster.repo],
            "dev-rucio-server": [charts.rucioServer.chart, charts.rucioServer.version, charts.rucioServer.repo],
            "dev-rucio-daemons": [charts.rucioDaemons.chart, charts.rucioDaemons.version, charts.rucioDaemons.repo],
            "dev-rucio-webui": [charts.rucioWebui.chart, charts.rucioWebui.version, charts.rucioWebui.repo],
        });
        expect(r["dev-rucio-server"].values.image.tag).to.equal(`release-${versions.rucio}`);
        expect(r["dev-rucio-db"].values.cluster.instances, "one instance on a test site").to.equal(1);
        expect(r["dev-rucio-db"].values.cluster.storage.size).to.equal("20Gi");
    });

    it("creates the schema before the servers start, after the database and its Secrets", () => {
        const [job] = ofType(dev, T.job);
        expect(job, "the bootstrap Job").to.not.equal(undefined);
        for (const before of ["dev-rucio-db", "dev-rucio-db-url", "dev-rucio-root", "dev-rucio-db-init"]) expect(dependsOnName(job, before), before).to.equal(true);
        for (const server of ["dev-rucio-server", "dev-rucio-daemons"]) expect(dependsOnName(named(dev, server), job.name), server).to.equal(true);
        // The web UI talks to the server.
        expect(dependsOnName(named(dev, "dev-rucio-webui"), "dev-rucio-server")).to.equal(true);
    });

    it("registers the RSE once the server runs and its DNS record exists, as root, at rucio.<domain>", () => {
        const [rse] = ofType(dev, T.rse);
        expect(dependsOnName(rse, "dev-rucio-server")).to.equal(true);
        expect(dev.resources.filter((x) => x.type === T.record && rse.dependsOn.includes(x.urn)).length, "waits for the DNS records").to.be.greaterThan(0);
        const inputs = inputsOf(rse);
        expect(inputs.server.serverUrl).to.equal("https://rucio.dev.srcnet.example.org");
        expect(inputs.server.authUrl).to.equal("https://rucio.dev.srcnet.example.org");
        // A test site's certificate is from Let's Encrypt staging: its roots are trusted, nothing more.
        expect(inputs.server.caCertificates).to.have.length(2);
        expect(allSecret(inputs.auth), JSON.stringify(inputs.auth)).to.equal(true);
    });

    it("registers the RSE as planRse derives it, under a name with the stack's own suffix", () => {
        const [rse] = ofType(dev, T.rse);
        const [suffix] = ofType(dev, T.suffix);
        expect(inputsOf(suffix)).to.deep.include({ length: 6, upper: true, lower: false, numeric: true, special: false });
        const spec = inputsOf(rse).rse;
        expect(spec.name).to.match(/^DEV_STORM_[A-Z0-9]{6}$/);
        expect({ ...spec, name: "DEV_STORM" }).to.deep.equal(JSON.parse(JSON.stringify(planRse(modelOf("dev")))));
        expect(dev.outputs).to.have.nested.property("rse.name", spec.name);
    });

    it("tears down completely on a test site: nothing protected or retained; the database deleted first, the rest with the cluster", () => {
        // The RSE too: it lives in the site's own Rucio, which goes with the cluster.
        expect(ofType(dev, T.rse)[0].deletedWith).to.be.a("string").and.equal(ofType(dev, T.job)[0].deletedWith);
        const cluster = rucioIn(dev);
        expect(cluster.length).to.be.greaterThan(10);
        for (const x of [...cluster, ...ofType(dev, T.rse)]) {
            expect([x.name, x.protect, x.retainOnDelete]).to.deep.equal([x.name, false, false]);
        }
        // The database's claims are Cinder volumes: its namespace and release are deleted while the
        // cluster runs, so that the CSI driver removes them, not skipped with the cluster.
        const holdsVolumes = ["dev-rucio", "dev-rucio-db"];
        for (const x of cluster.filter((x) => x.type.startsWith("kubernetes:"))) {
            if (holdsVolumes.includes(x.name)) expect(x.deletedWith, x.name).to.equal(undefined);
            else expect(x.deletedWith, x.name).to.be.a("string");
        }
    });

    it("keeps no password, client secret or key in plaintext", () => {
        const text = JSON.stringify(dev);
        expect(text).not.to.include("recording-engine-random-password");
        expect(text).not.to.include("recording-engine-client-secret");
        for (const s of ofType(dev, T.secret).filter((x) => /RucioOnCluster|RucioAccountSync/.test(x.parent ?? ""))) {
            const data = inputsOf(s).stringData;
            for (const [key, value] of Object.entries(data ?? {})) {
                // The web UI's .env is the one Secret that holds nothing secret (the chart mounts only Secrets).
                if (key !== ".env") expect(value, `${s.name} ${key}`).to.equal("[secret]");
            }
        }
    });

    it("syncs IAM users into accounts with the limit of rucio.userQuotaGb on the registered RSE, once it is registered", () => {
        const [cron] = ofType(dev, T.cronJob);
        expect(dependsOnName(cron, "dev-rse")).to.equal(true);
        const env = Object.fromEntries(inputsOf(cron).spec.jobTemplate.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        expect(env.SYNC_RSE).to.equal(inputsOf(ofType(dev, T.rse)[0]).rse.name);
        expect(env.SYNC_DEFAULT_QUOTA_BYTES).to.equal(String(100 * 1e9));
        expect(env.SYNC_IAM_ISSUER).to.equal("https://iam.dev.srcnet.example.org/");
        expect(env.SYNC_RUCIO_URL).to.match(/^http:\/\/rucio-server\.rucio\.svc/);
        expect(inputsOf(cron).spec.schedule).to.equal("*/15 * * * *");
    });

    it("uses an external database when told: no CloudNativePG, the URL from the stack secret", async () => {
        const url = "postgresql+psycopg://rucio:s3cr3t-db-pw@db.example.org:5432/rucio";
        const r = await run("dev", (s) => (s.rucio.database = { external: true }), { rucioDatabaseUrl: url });
        expect(Object.keys(releases(r)).filter((n) => n.startsWith("dev-cnpg") || n === "dev-rucio-db")).to.deep.equal([]);
        expect(inputsOf(named(r, "dev-rucio-db-url")).stringData.url).to.equal("[secret]");
        expect(JSON.stringify(r)).not.to.include("s3cr3t-db-pw");
    });

    it("backs the database up to the named object store, the keys from the stack secret only", async () => {
        const backup = { endpoint: "https://s3.example.org", bucket: "dev-rucio", schedule: "0 30 3 * * *", retentionDays: 14 };
        const r = await run("dev", (s) => (s.rucio.database = { backup }), { rucioBackupCredentials: { accessKeyId: "AKIA-dev", secretAccessKey: "backup-secret-key-9x" } });
        const values = releases(r)["dev-rucio-db"].values;
        expect(values.backups).to.deep.include({ enabled: true, endpointURL: backup.endpoint, provider: "s3" });
        expect(values.backups.s3.bucket).to.equal("dev-rucio");
        expect(values.backups.s3.path).to.equal("/dev");
        expect(values.backups.secret).to.deep.equal({ create: false, name: "rucio-db-backup-s3" });
        expect(JSON.stringify(values.backups.scheduledBackups)).to.include("0 30 3 * * *");
        expect(JSON.stringify(r)).not.to.include("backup-secret-key-9x");
    });
});

describe("Rucio part: deploy in production", () => {
    it("protects and keeps the database, the operator and the RSE; two PostgreSQL instances", async () => {
        const r = await run("uksrc", (s) => {
            s.rucio = { mode: "deploy", ftsUrl: "https://fts.srcnet.example.org:8446", peers: s.rucio.peers };
        });
        for (const name of ["uksrc-cnpg", "uksrc-rucio-db", "uksrc-rse", "uksrc-rucio", "uksrc-cnpg-system"]) {
            // Custom resources only: the Rucio part's component has the namespace's name.
            const x = r.resources.find((y) => y.custom && y.name === name)!;
            expect([name, x.protect, x.retainOnDelete]).to.deep.equal([name, true, true]);
        }
        expect(releases(r)["uksrc-rucio-db"].values.cluster.instances).to.equal(2);
        // A production RSE keeps its configured name.
        expect(inputsOf(named(r, "uksrc-rse")).rse.name).to.equal("UKSRC_STORM");
        expect(ofType(r, T.suffix)).to.deep.equal([]);
    });
});

describe("Rucio part: external (the uksrc site)", () => {
    let uksrc: Recording;
    before(async () => {
        uksrc = await run("uksrc");
    });

    it("runs nothing of Rucio on the cluster, and registers the RSE in the central Rucio", () => {
        expect(rucioIn(uksrc)).to.deep.equal([]);
        expect(Object.keys(releases(uksrc)).filter((n) => n.includes("rucio") || n.includes("cnpg"))).to.deep.equal([]);
        const inputs = inputsOf(ofType(uksrc, T.rse)[0]);
        expect(inputs.server).to.deep.equal({ serverUrl: "https://rucio.srcnet.example.org", authUrl: "https://rucio-auth.srcnet.example.org" });
        expect(allSecret(inputs.auth), JSON.stringify(inputs.auth)).to.equal(true);
        expect(inputs.rse.createAccounts).to.equal(false);
        expect(inputs.rse.peers).to.deep.equal([
            { rse: "SPSRC_STORM", distance: 2 },
            { rse: "AUSSRC_STORM", distance: 3 },
        ]);
        expect(inputs.rse.accounts).to.deep.equal([{ account: "uksrc", bytes: -1, scopes: ["uksrc"], email: "uksrc-ops@example.ac.uk" }]);
    });

    it("never deletes a production RSE: protected, and kept when removed from the program", () => {
        const rse = ofType(uksrc, T.rse)[0];
        expect([rse.protect, rse.retainOnDelete]).to.deep.equal([true, true]);
    });

    it("logs in with the client-credentials token or the userpass the config names, secrets kept secret", async () => {
        const r = await run("uksrc", (s) => (s.rucio.auth = { method: "userpass", account: "uksrc", username: "uksrc-registration" }), { rucioPassword: "central-rucio-pw-5t" });
        expect(allSecret(inputsOf(ofType(r, T.rse)[0]).auth)).to.equal(true);
        expect(JSON.stringify(r)).not.to.include("central-rucio-pw-5t");
        expect(JSON.stringify(uksrc)).not.to.include(secretsOf("uksrc").rucioClientSecret);
    });

    it("trusts the central Rucio's CA when the config names one", async () => {
        const pem = testCa;
        const r = await run("uksrc", (s) => (s.rucio.caCertificate = pem));
        expect(inputsOf(ofType(r, T.rse)[0]).server.caCertificates).to.deep.equal([pem]);
    });
});

describe("Rucio part: the RSE the site registers (planRse)", () => {
    it("derives the protocol, attributes, distances and accounts from the storage part and the config", () => {
        const spec = planRse(modelOf("uksrc"));
        expect(spec).to.deep.include({ name: "UKSRC_STORM", deterministic: true, rseType: "DISK", createAccounts: false });
        expect(spec.protocol).to.deep.include({ scheme: "davs", hostname: "storm.uksrc.example.ac.uk", port: 8443, prefix: "/skao/", impl: "rucio.rse.protocols.gfal.Default" });
        expect(spec.protocol.domains).to.deep.equal({
            lan: { read: 1, write: 1, delete: 1 },
            wan: { read: 1, write: 1, delete: 1, third_party_copy_read: 1, third_party_copy_write: 1 },
        });
        expect(spec.attributes).to.deep.equal({
            fts: "https://fts.srcnet.example.org:8446",
            oidc_support: true,
            oidc_base_path: "/skao",
            verify_checksum: true,
            lfn2pfn_algorithm: "hash",
            site: "uksrc",
        });
    });

    it("follows the storage-area layout: another RSE area or access point moves the prefix and the base path", () => {
        const moved = planRse(
            modelOf("uksrc", (s) => {
                s.storage.rseStorageArea = "users";
                s.storage.storageAreas[1].accessPoint = "/data/users";
            }),
        );
        expect(moved.protocol.prefix).to.equal("/data/users/");
        expect(moved.attributes.oidc_base_path).to.equal("/data/users");
    });

    it("adds free attributes, and refuses ones the program derives", () => {
        const spec = planRse(modelOf("uksrc", (s) => (s.rucio.rseAttributes = { country: "UK", tier: 2, greedyDeletion: false })));
        expect(spec.attributes).to.deep.include({ country: "UK", tier: 2, greedyDeletion: false, site: "uksrc" });
        expect(() => modelOf("uksrc", (s) => (s.rucio.rseAttributes = { fts: "https://other.example.org", site: "x" }))).to.throw(
            /site\.rucio\.rseAttributes\.fts: is derived from the site config[\s\S]*site\.rucio\.rseAttributes\.site: is derived/,
        );
    });

    it("turns quotas into byte limits, and no quota into no limit", () => {
        const spec = planRse(modelOf("uksrc", (s) => (s.rucio.accounts = [{ account: "ops", quotaGb: 500, scopes: ["ops"] }, { account: "prod" }])));
        expect(spec.accounts).to.deep.equal([
            { account: "ops", bytes: 500e9, scopes: ["ops"], email: "uksrc-ops@example.ac.uk" },
            { account: "prod", bytes: -1, scopes: [], email: "uksrc-ops@example.ac.uk" },
        ]);
    });
});

/** Shaped like a PEM certificate, which is all the config checks. */
const testCa = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2FBc2VydGlmaWNhdGVGb3JUZXN0czAKBggqhkjOPQQDAjAA\n-----END CERTIFICATE-----\n";

describe("Rucio part: on a shared cluster", () => {
    it("leaves the cluster-wide CloudNativePG operator to a cluster that has its platform, and still runs Rucio there", async () => {
        const r = await run("dev", (s) => (s.cluster = { backend: "existing", ingressAddress: "192.0.2.80", installPlatform: false, ingressClass: "nginx" }), { kubeconfig: "apiVersion: v1\nkind: Config\n" });
        const names = Object.keys(releases(r));
        expect(names).to.not.include("dev-cnpg");
        expect(names).to.include.members(["dev-rucio-db", "dev-rucio-server", "dev-rucio-daemons", "dev-rucio-webui"]);
        expect(r.resources.filter((x) => x.type === "kubernetes:core/v1:Namespace" && x.name === "dev-cnpg-system")).to.deep.equal([]);
        expect(releases(r)["dev-rucio-server"].values.ingress.ingressClassName).to.equal("nginx");
    });
});

// Rucio's PostgreSQL and its bootstrap Job: the CloudNativePG charts rendered by the real helm
// with the program's values and every object validated against the strict schemas (the
// postgresql.cnpg.io CRDs included); and the bootstrap script run with real Rucio code (the
// test server's Rucio 1.31.7) against fresh SQLite and PostgreSQL databases, again and again.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { charts, versions } from "../config/versions";
import {
    backupCredentialKeys,
    backupCredentialsSecret,
    cnpgOperatorValues,
    databaseConnection,
    databaseCredentialsSecret,
    databaseNames,
    databaseUrl,
    databaseUrlKey,
    databaseUrlSecret,
    postgresClusterValues,
    postgresImage,
    rucioConfigValue,
    type DatabaseBackupArgs,
    type PostgresClusterArgs,
} from "../components/rucio/render/database";
import { bootstrapScriptPath, initJobManifests, rucioInitImage, type InitJobArgs } from "../components/rucio/render/init-job";
import { helmTemplate, manifestObjects } from "../tools/render/helm-template";
import { KubeSchemas, type KubeObject } from "../tools/render/kube-schema";
import { repoRoot } from "./harness";
import { startRucio, type RucioServer } from "./rucio/test-server";

const python = "/usr/bin/python3";
const kubeVersion = "v1.36.3";
const schemas = new KubeSchemas();
const apiVersions = schemas.apiVersions(["postgresql.cnpg.io"]);

function render(chart: { chart: string; version: string }, name: string, namespace: string, values: unknown): KubeObject[] {
    const r = helmTemplate({ name, namespace, chart: chart.chart, version: chart.version, values, kubeVersion, apiVersions });
    if (!r.ok) throw new Error(r.error);
    return manifestObjects(r.manifest);
}

const ofKind = (objects: readonly KubeObject[], kind: string) => objects.filter((o) => o.kind === kind) as any[];

function expectAllValid(objects: readonly KubeObject[]) {
    expect(objects.length).to.be.greaterThan(0);
    expect(objects.map((o) => schemas.check(o)).filter((c) => c.status !== "valid")).to.deep.equal([]);
}

const names = databaseNames("rucio-db");
const backup: DatabaseBackupArgs = {
    endpoint: "https://s3.cloud.example.org",
    bucket: "site-backups",
    path: "rucio/db/",
    schedule: "0 30 1 * * *",
    retentionDays: 21,
    credentialsSecret: names.backupSecret,
};
const testSite: PostgresClusterArgs = { names, instances: 1, volumeGb: 20 };
const production: PostgresClusterArgs = { names, instances: 3, volumeGb: 80, storageClass: "srcnet-cinder", backup };

describe("Rucio database: the CloudNativePG operator chart", function () {
    this.timeout(60000);
    let objects: KubeObject[];
    before(() => (objects = render(charts.cloudnativePg, "cnpg", "cnpg-system", cnpgOperatorValues())));

    it("renders an operator whose every object is valid", () => expectAllValid(objects));

    it("runs the operator release the chart pins, one replica", () => {
        const [deployment] = ofKind(objects, "Deployment");
        expect(deployment.spec.replicas).to.equal(1);
        expect(deployment.spec.template.spec.containers[0].image).to.equal("ghcr.io/cloudnative-pg/cloudnative-pg:1.30.0");
    });

    it("installs the postgresql.cnpg.io CRDs, kept when the release goes (so that no Cluster and no volume goes with them)", () => {
        const crds = ofKind(objects, "CustomResourceDefinition");
        expect(crds.map((c) => c.metadata.name)).to.include.members(["clusters.postgresql.cnpg.io", "scheduledbackups.postgresql.cnpg.io", "backups.postgresql.cnpg.io"]);
        for (const crd of crds) expect(crd.metadata.annotations?.["helm.sh/resource-policy"], crd.metadata.name).to.equal("keep");
    });
});

describe("Rucio database: the cluster chart with the program's values", function () {
    this.timeout(60000);

    it("a test site: one instance on the cluster's default storage class, the database rucio owned by rucio from the component's Secret, no backups", () => {
        const objects = render(charts.postgresCluster, "rucio-db", "rucio", postgresClusterValues(testSite));
        expectAllValid(objects);
        const [cluster] = ofKind(objects, "Cluster");
        expect(cluster.metadata.name).to.equal("rucio-db");
        expect(cluster.spec.instances).to.equal(1);
        expect(cluster.spec.storage).to.deep.equal({ size: "20Gi" });
        expect(cluster.spec.imageName).to.equal(postgresImage);
        expect(cluster.spec.bootstrap).to.deep.equal({ initdb: { database: "rucio", owner: "rucio", encoding: "UTF8", secret: { name: "rucio-db-credentials" } } });
        expect(cluster.spec).to.include({ enablePDB: false, enableSuperuserAccess: false });
        expect(cluster.spec).to.not.have.property("backup");
        expect(cluster.spec).to.not.have.property("env");
        expect(ofKind(objects, "ScheduledBackup")).to.deep.equal([]);
        // The chart makes no Secret: the credentials are the component's.
        expect(ofKind(objects, "Secret")).to.deep.equal([]);
    });

    it("production: instances, storage class and size as given, standbys spread over nodes, a disruption budget", () => {
        const [cluster] = ofKind(render(charts.postgresCluster, "rucio-db", "rucio", postgresClusterValues(production)), "Cluster");
        expect(cluster.spec.instances).to.equal(3);
        expect(cluster.spec.storage).to.deep.equal({ size: "80Gi", storageClass: "srcnet-cinder" });
        expect(cluster.spec.enablePDB).to.equal(true);
        expect(cluster.spec.affinity).to.deep.include({ enablePodAntiAffinity: true, topologyKey: "kubernetes.io/hostname" });
    });

    it("production with backups: WAL archiving and a ScheduledBackup to the S3 endpoint and bucket, keys from the component's Secret, no SSE header", () => {
        const objects = render(charts.postgresCluster, "rucio-db", "rucio", postgresClusterValues(production));
        expectAllValid(objects);
        const [cluster] = ofKind(objects, "Cluster");
        const store = cluster.spec.backup.barmanObjectStore;
        expect(store.endpointURL).to.equal("https://s3.cloud.example.org");
        expect(store.destinationPath).to.equal("s3://site-backups/rucio/db");
        expect(store.s3Credentials).to.deep.equal({
            accessKeyId: { name: "rucio-db-backup-s3", key: backupCredentialKeys.accessKeyId },
            secretAccessKey: { name: "rucio-db-backup-s3", key: backupCredentialKeys.secretAccessKey },
        });
        expect(store.wal).to.not.have.property("encryption");
        expect(store.data).to.not.have.property("encryption");
        expect(cluster.spec.backup.retentionPolicy).to.equal("21d");
        expect(cluster.spec.env.map((e: any) => e.name)).to.deep.equal(["AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION"]);
        const [scheduled, ...more] = ofKind(objects, "ScheduledBackup");
        expect(more).to.deep.equal([]);
        expect(scheduled.spec).to.deep.include({ schedule: "0 30 1 * * *", method: "barmanObjectStore", cluster: { name: "rucio-db" }, immediate: true });
        expect(ofKind(objects, "Secret")).to.deep.equal([]);
    });

    it("puts no secret in the values: only Secret names, no keys", () => {
        for (const args of [testSite, production]) {
            const json = JSON.stringify(postgresClusterValues(args));
            expect(json).to.not.match(/"(accessKey|secretKey|password)":"[^"]+"/);
        }
        const values = postgresClusterValues(production) as any;
        expect(values.backups.secret).to.deep.equal({ create: false, name: "rucio-db-backup-s3" });
    });

    it("a restore: a new cluster recovers from the object store the earlier cluster's backups are in, to a point in time, and its role takes the component's password", () => {
        const restored = databaseNames("rucio-db-2");
        const values = postgresClusterValues({ ...production, names: restored, backup: { ...backup, credentialsSecret: restored.backupSecret }, restore: { fromCluster: "rucio-db", targetTime: "2026-03-04T05:06:07Z" } });
        const objects = render(charts.postgresCluster, "rucio-db-2", "rucio", values);
        expectAllValid(objects);
        const [cluster] = ofKind(objects, "Cluster");
        expect(cluster.metadata.name).to.equal("rucio-db-2");
        expect(cluster.spec.bootstrap).to.deep.equal({ recovery: { source: "objectStoreRecoveryCluster", recoveryTarget: { targetTime: "2026-03-04T05:06:07Z" } } });
        const [source] = cluster.spec.externalClusters;
        expect(source.barmanObjectStore).to.deep.include({ serverName: "rucio-db", endpointURL: "https://s3.cloud.example.org", destinationPath: "s3://site-backups/rucio/db" });
        expect(source.barmanObjectStore.s3Credentials.accessKeyId).to.deep.equal({ name: "rucio-db-2-backup-s3", key: "ACCESS_KEY_ID" });
        expect(cluster.spec.managed.roles).to.deep.equal([{ name: "rucio", ensure: "present", login: true, passwordSecret: { name: "rucio-db-2-credentials" } }]);
        // Its own backups go beside the earlier cluster's, under its own name.
        expect(cluster.spec.backup.barmanObjectStore.destinationPath).to.equal("s3://site-backups/rucio/db");
        expect(ofKind(objects, "Secret")).to.deep.equal([]);
    });

    it("refuses a restore without the object store, into the cluster it comes from, or to a time CloudNativePG would not read", () => {
        expect(() => postgresClusterValues({ ...testSite, restore: { fromCluster: "old" } })).to.throw(/needs the object store/);
        expect(() => postgresClusterValues({ ...production, restore: { fromCluster: "rucio-db" } })).to.throw(/needs a new cluster name: rucio-db/);
        expect(() => postgresClusterValues({ ...production, names: databaseNames("new"), restore: { fromCluster: "rucio-db", targetTime: "yesterday" } })).to.throw(/RFC 3339/);
    });
});

describe("Rucio database: how Rucio connects", () => {
    it("through the primary's read-write service, as rucio, to the database rucio", () => {
        expect(databaseConnection(names, "rucio")).to.deep.equal({ host: "rucio-db-rw.rucio.svc", port: 5432, database: "rucio", user: "rucio" });
    });

    it("with a URL SQLAlchemy reads back to the same password, and that rucio.cfg's parser reads back to the same URL", () => {
        const password = "p@ss:w/rd%41?#&+ =é";
        const url = databaseUrl({ ...databaseConnection(names, "rucio"), password });
        expect(url).to.match(/^postgresql\+psycopg:\/\/rucio:[^@]+@rucio-db-rw\.rucio\.svc:5432\/rucio\?sslmode=require$/);
        const check = [
            "import configparser, json, sys",
            "from sqlalchemy.engine import make_url",
            "url, cfg = sys.argv[1], sys.argv[2]",
            "u = make_url(url)",
            "p = configparser.ConfigParser()",
            "p.read_dict({'database': {'default': cfg}})",
            "raw = configparser.ConfigParser()",
            "try:\n    raw.read_dict({'database': {'default': url}}); refused = False\nexcept ValueError:\n    refused = True",
            "print(json.dumps({'driver': u.drivername, 'user': u.username, 'password': u.password, 'host': u.host, 'port': u.port, 'database': u.database, 'query': dict(u.query), 'cfg': p.get('database', 'default'), 'rawRefused': refused}))",
        ].join("\n");
        const run = spawnSync(python, ["-c", check, url, rucioConfigValue(url)], { encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
        expect(JSON.parse(run.stdout)).to.deep.equal({
            driver: "postgresql+psycopg",
            user: "rucio",
            password,
            host: "rucio-db-rw.rucio.svc",
            port: 5432,
            database: "rucio",
            query: { sslmode: "require" },
            cfg: url,
            rawRefused: true,
        });
    });

    it("as Rucio 1.31 needs it, with psycopg2", () => {
        expect(databaseUrl({ host: "h", port: 1, database: "d", user: "u", password: "p", driver: "psycopg2", sslMode: "disable" })).to.equal("postgresql+psycopg2://u:p@h:1/d?sslmode=disable");
    });

    it("keeps every secret in a Secret's stringData: the role's basic-auth Secret, the S3 keys, the URL", () => {
        const creds = databaseCredentialsSecret(names, { namespace: "rucio", password: "pw-1" }) as any;
        expect(creds).to.deep.include({ type: "kubernetes.io/basic-auth", stringData: { username: "rucio", password: "pw-1" } });
        expect(creds.metadata).to.deep.equal({ name: "rucio-db-credentials", namespace: "rucio", labels: { "cnpg.io/reload": "true" } });
        const keys = backupCredentialsSecret(names, { namespace: "rucio", accessKeyId: "AK", secretAccessKey: "SK" }) as any;
        expect(keys.stringData).to.deep.equal({ ACCESS_KEY_ID: "AK", ACCESS_SECRET_KEY: "SK" });
        const url = databaseUrlSecret(names, { namespace: "rucio", url: "u" }) as any;
        expect(url.stringData).to.deep.equal({ [databaseUrlKey]: "u" });
        for (const s of [creds, keys, url]) {
            expect(schemas.check(s).status).to.equal("valid");
            expect(JSON.stringify({ ...s, stringData: undefined })).to.not.match(/pw-1|"AK"|"SK"/);
        }
    });
});

const initArgs: InitJobArgs = {
    name: "rucio-db-init",
    namespace: "rucio",
    databaseUrl: { name: names.urlSecret, key: databaseUrlKey },
    rootPassword: { name: "rucio-root", key: "password" },
    rootEmail: "rucio-admin@example.org",
};

describe("Rucio database: the bootstrap Job", () => {
    const { job, configMap } = initJobManifests(initArgs) as { job: any; configMap: any };

    it("is a valid Job and ConfigMap", () => {
        expect(schemas.check(job)).to.deep.equal({ status: "valid", id: `batch/v1/Job rucio/${job.metadata.name}` });
        expect(schemas.check(configMap)).to.deep.equal({ status: "valid", id: `v1/ConfigMap rucio/${configMap.metadata.name}` });
    });

    it("runs the script from the ConfigMap in the pinned rucio-init image, not the image's entrypoint", () => {
        const [container] = job.spec.template.spec.containers;
        expect(container.image).to.equal(`rucio/rucio-init:release-${versions.rucio}`).and.to.equal(rucioInitImage);
        expect(container.command).to.deep.equal(["python3", "/srcnet/bootstrap-db.py"]);
        expect(configMap.data["bootstrap-db.py"]).to.equal(readFileSync(join(repoRoot, bootstrapScriptPath), "utf8"));
        expect(job.spec.template.spec.volumes.find((v: any) => v.name === "script").configMap.name).to.equal(configMap.metadata.name);
        expect(configMap.immutable).to.equal(true);
    });

    it("takes the database URL and root's password from Secrets, and holds no secret itself", () => {
        const env: any[] = job.spec.template.spec.containers[0].env;
        const byName = Object.fromEntries(env.map((e) => [e.name, e]));
        expect(byName.RUCIO_CFG_DATABASE_DEFAULT.valueFrom).to.deep.equal({ secretKeyRef: { name: "rucio-db-rucio-url", key: "url" } });
        expect(byName.RUCIO_CFG_BOOTSTRAP_USERPASS_PWD.valueFrom).to.deep.equal({ secretKeyRef: { name: "rucio-root", key: "password" } });
        expect(byName.RUCIO_CFG_BOOTSTRAP_USERPASS_IDENTITY.value).to.equal("root");
        expect(byName.RUCIO_CFG_BOOTSTRAP_USERPASS_EMAIL.value).to.equal("rucio-admin@example.org");
        for (const e of env) expect(e.value === undefined || e.valueFrom === undefined, e.name).to.equal(true);
        expect(byName.RUCIO_CFG_DATABASE_DEFAULT.value).to.equal(undefined);
        expect(byName.RUCIO_CFG_BOOTSTRAP_USERPASS_PWD.value).to.equal(undefined);
    });

    it("stays for Pulumi to see (no TTL), retries a few times, runs as non-root with a read-only root filesystem and set resources", () => {
        expect(job.spec).to.not.have.property("ttlSecondsAfterFinished");
        expect(job.spec.backoffLimit).to.be.within(1, 6);
        const pod = job.spec.template.spec;
        expect(pod.restartPolicy).to.equal("Never");
        expect(pod.automountServiceAccountToken).to.equal(false);
        expect(pod.securityContext).to.deep.include({ runAsNonRoot: true });
        expect(pod.securityContext.runAsUser).to.be.greaterThan(0);
        const [c] = pod.containers;
        expect(c.securityContext).to.deep.equal({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(c.resources.requests).to.have.keys("cpu", "memory");
        expect(c.resources.limits).to.have.key("memory");
        expect(c.volumeMounts.map((m: any) => m.mountPath)).to.include("/tmp");
    });

    it("is named after what it runs: the same inputs give the same Job, a rerun key or another setting a new one", () => {
        const again = initJobManifests(initArgs);
        expect(again.job.metadata).to.deep.equal(job.metadata);
        const rerun = initJobManifests({ ...initArgs, rerunKey: "root-password-2" }).job.metadata as any;
        const schema = initJobManifests({ ...initArgs, schema: "rucio" }).job.metadata as any;
        const names = [job.metadata.name, rerun.name, schema.name];
        expect(new Set(names).size).to.equal(3);
        for (const n of names) expect(n).to.match(/^rucio-db-init-[0-9a-f]{10}$/);
        const schemaEnv = (initJobManifests({ ...initArgs, schema: "rucio" }).job as any).spec.template.spec.containers[0].env;
        expect(schemaEnv).to.deep.include({ name: "RUCIO_CFG_DATABASE_SCHEMA", value: "rucio" });
    });
});

// ---- The script, run with real Rucio code -------------------------------------------------------

const scriptPath = join(repoRoot, bootstrapScriptPath);

interface ScriptRun {
    readonly code: number;
    readonly out: string;
}

/** Every table's rows, as text: what "nothing else changed" is compared on. */
const dumpSqlite = [
    "import json, sqlite3, sys",
    "c = sqlite3.connect(sys.argv[1])",
    "tables = [r[0] for r in c.execute(\"SELECT name FROM sqlite_master WHERE type='table' ORDER BY name\")]",
    "out = {}",
    "for t in tables:",
    "    rows = [[v.hex() if isinstance(v, bytes) else v for v in r] for r in c.execute('SELECT * FROM \"%s\"' % t)]",
    "    out[t] = sorted(json.dumps(r, default=str) for r in rows)",
    "print(json.dumps(out))",
].join("\n");

/** Logs in as root through Rucio's own login code; prints ok or refused. */
const loginCheck = [
    "import sys",
    "from rucio.common.types import InternalAccount",
    "from rucio.core.authentication import get_auth_token_user_pass",
    "token = get_auth_token_user_pass(InternalAccount('root'), sys.argv[1], sys.argv[2], 'srcnet-test', '127.0.0.1')",
    "print('ok' if token else 'refused')",
].join("\n");

describe("Rucio database: the bootstrap script with Rucio 1.31.7", function () {
    this.timeout(120000);
    let server: RucioServer;
    let work: string;
    let pythonPath: string;
    const first = "first root password, long enough";
    const second = "second root password: p@ss%w0rd";
    let secrets: string[];

    before(async () => {
        server = await startRucio();
        pythonPath = server.env.PYTHONPATH;
        work = mkdtempSync(join(tmpdir(), "srcnet-rucio-bootstrap-"));
        secrets = [first, second, server.password];
    });
    after(async () => {
        await server?.stop();
        if (work) rmSync(work, { recursive: true, force: true });
    });

    function runScript(env: Record<string, string>): ScriptRun {
        const run = spawnSync(python, [scriptPath], {
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PYTHONPATH: pythonPath, SRCNET_DATABASE_WAIT_SECONDS: "0", ...env },
            timeout: 60000,
        });
        return { code: run.status ?? -1, out: `${run.stdout}${run.stderr}` };
    }

    function py(code: string, args: string[], env: Record<string, string> = {}): string {
        const run = spawnSync(python, ["-c", code, ...args], { encoding: "utf8", env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PYTHONPATH: pythonPath, ...env } });
        if (run.status !== 0) throw new Error(run.stderr);
        return run.stdout.trim();
    }

    const dump = (db: string) => JSON.parse(py(dumpSqlite, [db])) as Record<string, string[]>;
    const head = () => py("from rucio import alembicrevision; print(alembicrevision.ALEMBIC_REVISION)", []);

    /** A rucio.cfg for Rucio's own code on a database, for the checks. */
    function configFor(url: string, file: string): string {
        writeFileSync(file, `[database]\ndefault = ${rucioConfigValue(url)}\n[common]\nloglevel = ERROR\n`);
        return file;
    }
    const login = (cfg: string, username: string, password: string) => py(loginCheck, [username, password], { RUCIO_CONFIG: cfg });

    function expectNoSecret(run: ScriptRun) {
        for (const s of secrets) expect(run.out, "a secret in the output").to.not.include(s);
        expect(run.out).to.not.include(encodeURIComponent(second));
    }

    it("is Python 3.9 (the image's python3) and compiles", () => {
        const check = "import ast, sys; ast.parse(open(sys.argv[1]).read(), feature_version=(3, 9))";
        const run = spawnSync(python, ["-c", check, scriptPath], { encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
    });

    describe("on a fresh SQLite database", () => {
        let db: string;
        let url: string;
        let cfg: string;
        let afterFirst: Record<string, string[]>;
        const env = (password: string) => ({ RUCIO_CFG_DATABASE_DEFAULT: rucioConfigValue(url), RUCIO_CFG_BOOTSTRAP_USERPASS_PWD: password, RUCIO_CFG_BOOTSTRAP_USERPASS_EMAIL: "root@example.org" });

        before(() => {
            db = join(work, "fresh.db");
            url = `sqlite:///${db}`;
            cfg = configFor(url, join(work, "fresh.cfg"));
        });

        it("first run: creates the schema at Rucio's alembic head, the base VO and root with one userpass identity", () => {
            const run = runScript(env(first));
            expect(run.code, run.out).to.equal(0);
            expectNoSecret(run);
            expect(run.out).to.include(`schema: created at revision ${head()}`).and.include("vo def: created").and.include("account root: created").and.include("identity root (userpass): created");
            afterFirst = dump(db);
            expect(Object.keys(afterFirst).length).to.be.greaterThan(50);
            expect(afterFirst.alembic_version).to.deep.equal([JSON.stringify([head()])]);
            expect(afterFirst.accounts.filter((r) => JSON.parse(r)[0] === "root")).to.have.length(1);
            expect(afterFirst.vos.map((r) => JSON.parse(r)[0])).to.deep.equal(["def"]);
            // Only the userpass identity: none of the stock bootstrap's x509, GSS or SSH defaults.
            expect(afterFirst.identities.map((r) => JSON.parse(r).slice(0, 2))).to.deep.equal([["root", "USERPASS"]]);
            expect(afterFirst.account_map.map((r) => JSON.parse(r).slice(0, 3))).to.deep.equal([["root", "USERPASS", "root"]]);
            expect(login(cfg, "root", first)).to.equal("ok");
            // Logging in wrote a token: the state later runs must leave as it is.
            afterFirst = dump(db);
        });

        it("second run: succeeds and changes nothing", () => {
            const run = runScript(env(first));
            expect(run.code, run.out).to.equal(0);
            expectNoSecret(run);
            expect(run.out).to.include("nothing to upgrade").and.include("vo def: present").and.include("account root: present").and.include("password unchanged");
            expect(dump(db)).to.deep.equal(afterFirst);
        });

        it("a run with a new root password: only root's identity changes, and the new password logs in, the old one no more", () => {
            const before = dump(db);
            const run = runScript(env(second));
            expect(run.code, run.out).to.equal(0);
            expectNoSecret(run);
            expect(run.out).to.include("identity root (userpass): password updated");
            const after = dump(db);
            const changed = Object.keys(after).filter((t) => JSON.stringify(after[t]) !== JSON.stringify(before[t]));
            expect(changed).to.deep.equal(["identities"]);
            expect(after.identities).to.have.length(1);
            expect(login(cfg, "root", second)).to.equal("ok");
            expect(login(cfg, "root", first)).to.equal("refused");
        });

        it("a database one revision behind: upgraded to the head with Rucio's own migration", () => {
            const ini = join(work, "alembic.ini");
            const migrations = join(pythonPath.split(":")[0], "rucio", "db", "sqla", "migrate_repo");
            const logging = "[loggers]\nkeys = root\n[handlers]\nkeys = console\n[formatters]\nkeys = plain\n[logger_root]\nlevel = WARN\nhandlers = console\n[handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\nformatter = plain\n[formatter_plain]\nformat = %%(message)s\n";
            writeFileSync(ini, `[alembic]\nscript_location = ${migrations}\nsqlalchemy.url = ${url}\n${logging}`);
            py("import sys\nfrom alembic import command\nfrom alembic.config import Config\ncommand.downgrade(Config(sys.argv[1]), '-1')", [ini], { RUCIO_CONFIG: cfg });
            const behind = JSON.parse(dump(db).alembic_version[0])[0];
            expect(behind).to.not.equal(head());
            const run = runScript(env(second));
            expect(run.code, run.out).to.equal(0);
            expect(run.out).to.include(`schema: upgraded from ${behind} to ${head()}`).and.include("password unchanged");
            expect(dump(db).alembic_version).to.deep.equal([JSON.stringify([head()])]);
        });

        it("tables without a revision: refused, and nothing is touched", () => {
            const copy = join(work, "norevision.db");
            writeFileSync(copy, readFileSync(db));
            py("import sqlite3, sys\nc = sqlite3.connect(sys.argv[1]); c.execute('DELETE FROM alembic_version'); c.commit()", [copy]);
            const before = dump(copy);
            const run = runScript({ ...env(second), RUCIO_CFG_DATABASE_DEFAULT: `sqlite:///${copy}` });
            expect(run.code).to.equal(1);
            expect(run.out).to.match(/bootstrap failed: the database holds Rucio tables but no alembic revision.*nothing was changed/);
            expect(dump(copy)).to.deep.equal(before);
        });
    });

    describe("on the database the test server's stock bootstrap made", () => {
        const db = () => new URL(`file://${server.env.RUCIO_CONFIG}`).pathname.replace(/rucio\.cfg$/, "rucio.db");
        const env = (password: string) => ({
            RUCIO_CFG_DATABASE_DEFAULT: `sqlite:///${db()}`,
            RUCIO_CFG_BOOTSTRAP_USERPASS_IDENTITY: server.username,
            RUCIO_CFG_BOOTSTRAP_USERPASS_PWD: password,
        });
        const restLogin = async (password: string) =>
            (await fetch(`${server.url}/auth/userpass`, { headers: { "X-Rucio-Account": server.account, "X-Rucio-Username": server.username, "X-Rucio-Password": password } })).status;

        it("rotates root's password, and the running Rucio server logs root in with the new one only; nothing is removed", async () => {
            const before = dump(db());
            expect(await restLogin(server.password)).to.equal(200);
            const run = runScript(env(second));
            expect(run.code, run.out).to.equal(0);
            expectNoSecret(run);
            expect(run.out).to.include(`identity ${server.username} (userpass): password updated`).and.include("account root: present");
            expect(await restLogin(second)).to.equal(200);
            expect(await restLogin(server.password)).to.equal(401);
            const after = dump(db());
            expect(after.identities.length).to.equal(before.identities.length);
            expect(after.account_map).to.deep.equal(before.account_map);
            expect(after.accounts).to.deep.equal(before.accounts);
            const again = runScript(env(second));
            expect(again.code, again.out).to.equal(0);
            expect(again.out).to.include("password unchanged");
        });
    });

    describe("failures name no secret", () => {
        const password = (pw: string) => ({ RUCIO_CFG_BOOTSTRAP_USERPASS_PWD: pw });

        it("a database that does not answer", () => {
            const url = databaseUrl({ host: "127.0.0.1", port: 1, database: "rucio", user: "rucio", password: second, driver: "psycopg2", sslMode: "disable" });
            const run = runScript({ ...password(first), RUCIO_CFG_DATABASE_DEFAULT: rucioConfigValue(url) });
            expect(run.code).to.equal(1);
            expect(run.out).to.match(/bootstrap failed: the database did not answer within 0 s/);
            expectNoSecret(run);
        });

        it("a URL SQLAlchemy cannot read, which it would quote whole", () => {
            const run = runScript({ ...password(first), RUCIO_CFG_DATABASE_DEFAULT: `not a url ${second.replace(/%/g, "%%")}` });
            expect(run.code).to.equal(1);
            expect(run.out).to.match(/bootstrap failed: ArgumentError/);
            expectNoSecret(run);
        });

        it("a '%' that is not doubled", () => {
            const url = databaseUrl({ host: "127.0.0.1", port: 1, database: "rucio", user: "rucio", password: second, driver: "psycopg2" });
            const run = runScript({ ...password(first), RUCIO_CFG_DATABASE_DEFAULT: url });
            expect(run.code).to.equal(1);
            expect(run.out).to.include("RUCIO_CFG_DATABASE_DEFAULT has a '%' that is not doubled");
            expectNoSecret(run);
        });

        it("no root password", () => {
            const run = runScript({ RUCIO_CFG_DATABASE_DEFAULT: `sqlite:///${join(work, "none.db")}` });
            expect(run.code).to.equal(1);
            expect(run.out).to.include("RUCIO_CFG_BOOTSTRAP_USERPASS_PWD is not set");
        });
    });
});

describe("Rucio database: the bootstrap script with Rucio 1.31.7 on PostgreSQL, in a schema of its own", function () {
    this.timeout(120000);
    let server: RucioServer;

    before(async () => (server = await startRucio({ db: "postgres" })));
    after(async () => server?.stop());

    it("creates the schema, then runs again without a change", () => {
        // The server's own database stays its own: a fresh one beside it, in the same PostgreSQL.
        const serverUrl = /^default = (\S+)$/m.exec(readFileSync(server.env.RUCIO_CONFIG, "utf8"))![1];
        const { port } = new URL(serverUrl.replace(/^postgresql\+psycopg2/, "http"));
        const created = spawnSync("/usr/lib/postgresql/15/bin/createdb", ["-h", "127.0.0.1", "-p", port, "-U", "rucio", "fresh"], { encoding: "utf8" });
        expect(created.status, created.stderr).to.equal(0);
        const env = {
            PATH: process.env.PATH ?? "/usr/bin:/bin",
            PYTHONPATH: server.env.PYTHONPATH,
            RUCIO_CFG_DATABASE_DEFAULT: rucioConfigValue(databaseUrl({ host: "127.0.0.1", port: Number(port), database: "fresh", user: "rucio", password: "unused-by-trust-auth", driver: "psycopg2", sslMode: "disable" })),
            RUCIO_CFG_DATABASE_SCHEMA: "rucio",
            RUCIO_CFG_BOOTSTRAP_USERPASS_PWD: "pg root password",
            SRCNET_DATABASE_WAIT_SECONDS: "0",
        };
        const runs = [1, 2].map(() => spawnSync(python, [scriptPath], { encoding: "utf8", env, timeout: 60000 }));
        expect(runs[0].status, runs[0].stdout + runs[0].stderr).to.equal(0);
        expect(runs[0].stdout).to.include("schema: created at revision").and.include("account root: created");
        expect(runs[1].status, runs[1].stdout + runs[1].stderr).to.equal(0);
        expect(runs[1].stdout).to.include("nothing to upgrade").and.include("account root: present").and.include("password unchanged");
        const psql = spawnSync("/usr/lib/postgresql/15/bin/psql", ["-h", "127.0.0.1", "-p", port, "-U", "rucio", "-d", "fresh", "-At", "-c", "SELECT count(*) FROM rucio.accounts WHERE account = 'root'; SELECT count(*) FROM rucio.alembic_version"], { encoding: "utf8" });
        expect(psql.stdout.trim().split("\n")).to.deep.equal(["1", "1"]);
    });
});

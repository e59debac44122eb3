// Data in the notebook: rucio-jupyterlab's configuration checked by the extension's own schema,
// rucio.cfg read by the real Rucio client against a real Rucio server, and the storage-area
// layout followed by every path and name that depends on it.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rseClaimName, rseVolumeManifests } from "../components/cluster/render/platform";
import { notebookPathOf, planNotebookData, tokenFile } from "../components/jupyterhub/plan";
import {
    notebookRucioFiles,
    notebookRucioPaths,
    rucioClientConfig,
    rucioJupyterlabConfig,
    rucioJupyterlabServerConfig,
    systemCaBundle,
    type NotebookRucioArgs,
} from "../components/jupyterhub/render/rucio-notebook";
import { planRse } from "../components/rucio/plan";
import { exportsFile } from "../components/storage/render/nfs";
import { storageAreaProperties } from "../components/storage/render/storm-config";
import { deriveSite, type RucioModel, type SiteModel } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import { keysWith, repoRoot, secretsOf, siteOf } from "./harness";
import { rucioToken, startRucio, type RucioServer } from "./rucio/test-server";

const python = "/usr/bin/python3";

function modelOf(site: unknown, secrets: readonly string[] = []): SiteModel {
    const result = validateStackConfig({ site, keys: keysWith([...Object.keys(secretsOf("dev")), ...secrets]) });
    if (!result.ok) throw new Error(`the test's site config is invalid: ${JSON.stringify(result)}`);
    return deriveSite(result.site);
}

function argsOf(model: SiteModel, over: Partial<NotebookRucioArgs> = {}): NotebookRucioArgs {
    return { rseName: model.storage.rse.name, rucio: model.rucio, data: planNotebookData(model), tokenFile, siteName: model.name, ...over };
}

interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

function run(args: string[], env: Record<string, string>, timeout = 60_000): Promise<Run> {
    return new Promise((resolve) => {
        execFile(python, args, { env, timeout, encoding: "utf8" }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

const scratch = mkdtempSync(join(tmpdir(), "srcnet-rucio-notebook-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// rucio-jupyterlab: the extension validates RucioConfig.instances with jsonschema against
// schema.root (rucio/jupyterlab-extension@40.0.2:rucio_jupyterlab/config/config.py:31); the schema
// file is in test/fixtures/rucio-jupyterlab (its origin in the README there).

const schemaFile = join(repoRoot, "test", "fixtures", "rucio-jupyterlab", "schema.py");
const validateScript = join(scratch, "validate_rucio_config.py");
writeFileSync(
    validateScript,
    [
        "import importlib.util, json, sys",
        "from jsonschema import validate, ValidationError",
        "spec = importlib.util.spec_from_file_location('rucio_jupyterlab_schema', sys.argv[1])",
        "schema = importlib.util.module_from_spec(spec)",
        "spec.loader.exec_module(schema)",
        "config = json.load(open(sys.argv[2]))",
        "try:",
        "    instances = config['RucioConfig']['instances']",
        // root takes an instance or a remote reference ($url); ours must be full instances, and
        // checking each first names the key at fault.
        "    for instance in instances:",
        "        validate(instance, schema=schema.instance)",
        "    validate(instances, schema=schema.root)",
        "    print('valid')",
        "except ValidationError as error:",
        "    print('invalid: ' + error.message)",
        "",
    ].join("\n"),
);

async function extensionVerdict(serverConfig: unknown): Promise<string> {
    const file = join(scratch, `server-config-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(serverConfig));
    const r = await run([validateScript, schemaFile, file], { PATH: "/usr/bin:/bin" });
    if (r.code !== 0) throw new Error(`the schema check did not run: ${r.stderr}`);
    return r.stdout.trim();
}

describe("rucio-jupyterlab's configuration, by the extension's own schema", function () {
    this.timeout(60_000);
    const model = modelOf(siteOf("dev"));
    const args = argsOf(model);
    const files = notebookRucioFiles(args);
    const mounted = files.files["rucio-jupyterlab-config"];

    it("is what the notebook mounts, and the extension's schema accepts it", async () => {
        expect(mounted.mountPath).to.equal(notebookRucioPaths.jupyterServerConfig);
        const parsed = JSON.parse(mounted.content);
        expect(parsed).to.deep.equal(rucioJupyterlabServerConfig(args));
        expect(await extensionVerdict(parsed)).to.equal("valid");
    });

    it("is replica mode on the site's RSE, at the mount, reading the token file", () => {
        const instance = rucioJupyterlabConfig(args);
        const plan = planNotebookData(model);
        expect(instance).to.include({
            mode: "replica",
            destination_rse: model.storage.rse.name,
            rse_mount_path: plan.rse.area.mountPath,
            path_begins_at: plan.rse.pathBeginsAt,
            rucio_base_url: model.rucio.serverUrl,
            rucio_auth_url: model.rucio.authUrl,
            oidc_auth: "file",
            oidc_file_name: tokenFile,
            rucio_ca_cert: systemCaBundle,
        });
        const section = rucioJupyterlabServerConfig(args).RucioConfig;
        expect(section.default_instance).to.equal(instance.name);
        // RucioConfig.default_auth_type is an Enum of these (config/config.py:22).
        expect(["userpass", "x509", "x509_proxy", "oidc"]).to.include(section.default_auth_type);
    });

    it("is refused by the same schema when a replica-mode key is wrong or missing", async () => {
        const instance = rucioJupyterlabConfig(args);
        const withInstance = (i: Record<string, unknown>) => ({ RucioConfig: { instances: [i] } });
        const { rse_mount_path: _dropped, ...noMount } = instance;
        expect(await extensionVerdict(withInstance(noMount))).to.match(/^invalid: 'rse_mount_path' is a required property/);
        expect(await extensionVerdict(withInstance({ ...instance, path_begins_at: String(instance.path_begins_at) }))).to.match(/^invalid: .* is not of type 'integer'/);
        expect(await extensionVerdict(withInstance({ ...instance, oidc_auth: "token-file" }))).to.match(/^invalid: 'token-file' is not one of/);
    });

    it("follows an external Rucio whose auth server is elsewhere", async () => {
        const site = siteOf("dev");
        site.rucio = {
            mode: "external",
            serverUrl: "https://rucio.central.example.org",
            authUrl: "https://rucio-auth.central.example.org",
            ftsUrl: site.rucio.ftsUrl,
            auth: { method: "userpass", account: "srcnet", username: "srcnet" },
        };
        const external = modelOf(site, ["rucioPassword"]);
        const instance = rucioJupyterlabConfig(argsOf(external));
        expect(instance.rucio_base_url).to.equal(external.rucio.serverUrl);
        expect(instance.rucio_auth_url).to.equal(external.rucio.authUrl);
        expect(instance.rucio_auth_url).to.not.equal(instance.rucio_base_url);
        expect(instance.name).to.equal("rucio.central.example.org");
        expect(await extensionVerdict(rucioJupyterlabServerConfig(argsOf(external)))).to.equal("valid");
    });

    it("trusts Rucio's own CAs when the config names them, in both clients", () => {
        const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        const withCa = notebookRucioFiles(argsOf(model, { caCertificates: pem }));
        const ca = withCa.files["rucio-ca"];
        expect(ca.content).to.equal(pem);
        expect(JSON.parse(withCa.files["rucio-jupyterlab-config"].content).RucioConfig.instances[0].rucio_ca_cert).to.equal(ca.mountPath);
        expect(withCa.files["rucio-client-config"].content).to.match(new RegExp(`^ca_cert = ${ca.mountPath}$`, "m"));
        expect(files.files).to.not.have.property("rucio-ca");
    });
});

// ---------------------------------------------------------------------------------------------
// rucio.cfg: the Rucio client of the test server (Rucio 1.31.7) reads it. The keys it reads are
// those Rucio 40's client reads (rucio/rucio@40.4.1:lib/rucio/client/baseclient.py:141-262).

const clientScript = join(scratch, "client_view.py");
writeFileSync(
    clientScript,
    [
        "import json, sys",
        "from rucio.client import Client",
        "client = Client()",
        "view = {'host': client.host, 'auth_host': client.auth_host, 'auth_type': client.auth_type, 'account': client.account,",
        "        'token_file': client.token_file, 'auth_token': client.auth_token, 'ca_cert': client.ca_cert}",
        "if sys.argv[1:] == ['whoami']:",
        "    view['whoami'] = client.whoami()['account']",
        "print(json.dumps(view))",
        "",
    ].join("\n"),
);

describe("rucio.cfg, read by the real Rucio client", function () {
    this.timeout(120_000);
    let server: RucioServer;
    let dir: string;
    let token: string;
    let cfg: string;
    let env: Record<string, string>;
    let serverRucio: RucioModel;

    before(async function () {
        server = await startRucio({ db: "sqlite" });
        // A user account with its own credentials: whose token is in the file decides the account.
        const root = await rucioToken(server);
        const created = await fetch(`${server.url}/accounts/alice`, { method: "POST", headers: { "X-Rucio-Auth-Token": root }, body: JSON.stringify({ type: "USER", email: "alice@example.org" }) });
        expect(created.status).to.equal(201);
        const identity = await fetch(`${server.url}/identities/alice/userpass`, {
            method: "PUT",
            headers: { "X-Rucio-Auth-Token": root, "X-Rucio-Username": "alice", "X-Rucio-Password": "alice-password", "X-Rucio-Email": "alice@example.org" },
        });
        expect(identity.status).to.equal(201);

        dir = mkdtempSync(join(scratch, "notebook-"));
        token = join(dir, "access_token");
        // The server's REST API and its auth API under two names, as an external Rucio has them.
        const port = new URL(server.url).port;
        const model = modelOf(siteOf("dev"));
        serverRucio = { mode: "external", serverUrl: `http://127.0.0.1:${port}`, authUrl: `http://localhost:${port}`, ftsUrl: model.rucio.ftsUrl };
        const args = argsOf(model, { rucio: serverRucio, tokenFile: token });
        cfg = join(dir, "rucio.cfg");
        writeFileSync(cfg, rucioClientConfig(args));
        // The notebook's environment (RUCIO_CONFIG at the test's copy), and nothing of the caller's.
        const notebookEnv = notebookRucioFiles(args).env;
        expect(notebookEnv.RUCIO_CONFIG).to.equal(notebookRucioPaths.rucioCfg);
        env = { ...notebookEnv, RUCIO_CONFIG: cfg, PYTHONPATH: server.env.PYTHONPATH, PATH: "/usr/bin:/bin", HOME: dir };
    });

    after(async () => {
        if (server) await server.stop();
    });

    async function clientView(tokenText: string, extra: string[] = ["whoami"]): Promise<Record<string, string | null>> {
        writeFileSync(token, tokenText);
        const r = await run([clientScript, ...extra], env);
        if (r.code !== 0) throw new Error(`the Rucio client failed (${r.code}): ${r.stderr.split("\n").slice(-6).join("\n")}`);
        return JSON.parse(r.stdout.trim().split("\n").pop()!);
    }

    it("resolves the hosts, the token file and the token in it, and acts as the token's account", async () => {
        const alice = await rucioToken({ url: server.url, account: "alice", username: "alice", password: "alice-password" });
        const view = await clientView(alice);
        expect(view.host).to.equal(serverRucio.serverUrl);
        expect(view.auth_host).to.equal(serverRucio.authUrl);
        expect(view.auth_type).to.equal("oidc");
        expect(view.token_file).to.equal(token);
        expect(view.auth_token).to.equal(alice);
        // No account is configured: Rucio answers with the token's.
        expect(view.account).to.equal(null);
        expect(view.whoami).to.equal("alice");
        // Reading the token changed nothing in the token's directory.
        expect(readFileSync(token, "utf8")).to.equal(alice);
        expect(readdirSync(dir).sort()).to.deep.equal(["access_token", "rucio.cfg"]);
    });

    it("follows the file when the token in it is replaced", async () => {
        const root = await rucioToken(server);
        expect((await clientView(root)).whoami).to.equal(server.account);
    });

    it("is what `rucio whoami` in a notebook terminal uses", async () => {
        const alice = await rucioToken({ url: server.url, account: "alice", username: "alice", password: "alice-password" });
        writeFileSync(token, alice);
        const r = await run([join(server.dir, "src", "bin", "rucio"), "whoami"], env);
        expect(r.code, r.stderr).to.equal(0);
        expect(r.stdout).to.match(/^account\s*:\s*alice$/m);
    });

    it("fails, without touching the file, when the token in it is refused", async () => {
        writeFileSync(token, "not-a-token");
        const r = await run([clientScript, "whoami"], env);
        expect(r.code).to.not.equal(0);
        expect(r.stderr).to.match(/CannotAuthenticate|cannot authenticate/i);
        expect(readFileSync(token, "utf8")).to.equal("not-a-token");
    });

    it("as rendered for the dev site, points the client at its Rucio and its CA bundle", async () => {
        const model = modelOf(siteOf("dev"));
        const devToken = join(dir, "dev_token");
        writeFileSync(devToken, "dev-site-token");
        const devCfg = join(dir, "dev-rucio.cfg");
        writeFileSync(devCfg, rucioClientConfig(argsOf(model, { tokenFile: devToken })));
        // Client() reads a token it finds in the file without asking the server for one.
        const r = await run([clientScript], { ...env, RUCIO_CONFIG: devCfg });
        expect(r.code, r.stderr).to.equal(0);
        const view = JSON.parse(r.stdout.trim().split("\n").pop()!);
        expect(view.host).to.equal(`https://${model.hostnames.rucio}`);
        expect(view.auth_host).to.equal(`https://${model.hostnames.rucio}`);
        expect(view.ca_cert).to.equal(systemCaBundle);
        expect(view.token_file).to.equal(devToken);
        expect(view.auth_token).to.equal("dev-site-token");
    });
});

// ---------------------------------------------------------------------------------------------
// Derive, never repeat: change the storage-area layout; every dependent path and name follows,
// and a PFN built by Rucio's own protocol code lands on the file the NFS export holds.

const pfnScript = join(scratch, "pfns.py");
writeFileSync(
    pfnScript,
    [
        "import json, sys",
        "from rucio.rse.protocols.protocol import RSEProtocol",
        "p = json.loads(sys.argv[1])",
        "attrs = {'scheme': p['scheme'], 'hostname': p['hostname'], 'port': p['port'], 'prefix': p['prefix'], 'impl': p['impl'],",
        "         'domains': p['domains'], 'extended_attributes': None, 'auth_token': None}",
        "rse = {'rse': p['rse'], 'deterministic': True, 'lfn2pfn_algorithm': p['lfn2pfn_algorithm'], 'protocols': [attrs]}",
        "print(json.dumps(RSEProtocol(attrs, rse).lfns2pfns([{'scope': s, 'name': n} for s, n in p['dids']])))",
        "",
    ].join("\n"),
);

function propertiesOf(text: string): Record<string, string> {
    return Object.fromEntries(text.split("\n").filter((l) => l.includes("=")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

describe("the notebook's view of the RSE follows the storage-area layout", function () {
    this.timeout(120_000);
    let server: RucioServer;
    before(async () => {
        // Only for Rucio's library (its RSE protocol code) and its configuration.
        server = await startRucio({ db: "sqlite" });
    });
    after(async () => {
        if (server) await server.stop();
    });

    const layouts: { readonly name: string; readonly change: (site: any) => void }[] = [
        { name: "the dev site as it is", change: () => undefined },
        { name: "the RSE on the second area", change: (site) => (site.storage.rseStorageArea = "scratch") },
        {
            name: "an access point of two segments",
            change: (site) => {
                site.storage.storageAreas[0].accessPoint = "/ska/data";
            },
        },
        { name: "the RSE's area renamed", change: (site) => (site.storage.storageAreas[0].name = "survey") },
        {
            name: "a new area with a deep access point, chosen as the RSE",
            change: (site) => {
                site.storage.storageAreas.push({ name: "obs", accessPoint: "/ska/obs/v1" });
                site.storage.rseStorageArea = "obs";
            },
        },
    ];
    const dids: [string, string][] = [
        ["user.alice", "obs.fits"],
        ["ska", "run-7/cube.h5"],
    ];

    for (const layout of layouts) {
        it(layout.name, async () => {
            const site = siteOf("dev");
            layout.change(site);
            const model = modelOf(site);
            const plan = planNotebookData(model);
            const rseArea = model.storage.rse.area;
            const facts = { sitePrefix: model.name, rse: model.storage.rse.name, namespace: "jupyterhub", nfsServer: "10.42.0.5", volumeSizeGb: 10 };

            // Every area is mounted from the claim the platform binds to that area's NFS volume.
            expect(plan.areas.map((a) => a.claim)).to.deep.equal(model.storage.areas.map((a) => (rseVolumeManifests(a, facts).claim.metadata as { name: string }).name));
            expect(plan.rse.area.claim).to.equal(rseClaimName(rseArea));
            expect(plan.rse.area.name).to.equal(model.config.storage.rseStorageArea ?? model.config.storage.storageAreas[0].name);

            // The StoRM area, its NFS export and the volume the notebook mounts: one directory.
            const sa = propertiesOf(storageAreaProperties(rseArea, model.issuers));
            const exported = exportsFile(model.storage.areas, model.storage.nfsClients).split("\n").filter((l) => !l.startsWith("#") && l.trim()).map((l) => l.split(" ")[0]);
            const volumePath = (rseVolumeManifests(rseArea, facts).volume.spec as { nfs: { path: string } }).nfs.path;
            expect(exported).to.include(sa.rootPath);
            expect(volumePath).to.equal(sa.rootPath);

            // The protocol Rucio registers and the extension's settings.
            const protocol = planRse(model).protocol;
            expect(protocol.prefix).to.equal(`${sa.accessPoints}/`);
            const instance = rucioJupyterlabConfig(argsOf(model));
            expect(instance.rse_mount_path).to.equal(plan.rse.area.mountPath);
            expect(instance.path_begins_at).to.equal(sa.accessPoints.split("/").filter(Boolean).length);
            expect(await extensionVerdict(rucioJupyterlabServerConfig(argsOf(model)))).to.equal("valid");

            // PFNs as Rucio builds them for this protocol (lfn2pfn from the site's config).
            const request = { ...protocol, rse: model.storage.rse.name, lfn2pfn_algorithm: model.config.rucio.lfn2pfnAlgorithm, dids };
            const r = await run([pfnScript, JSON.stringify(request)], { RUCIO_CONFIG: server.env.RUCIO_CONFIG, PYTHONPATH: server.env.PYTHONPATH, PATH: "/usr/bin:/bin" });
            expect(r.code, r.stderr).to.equal(0);
            const pfns = Object.values(JSON.parse(r.stdout) as Record<string, string>);
            expect(pfns).to.have.length(dids.length);
            for (const pfn of pfns) {
                const url = new URL(pfn);
                expect(`${url.protocol}//${url.hostname}:${url.port}`).to.equal(`davs://${model.hostnames.storm}:${protocol.port}`);
                // StoRM serves <accessPoint>/<rest> from <rootPath>/<rest>; the volume mounts <rootPath>.
                expect(url.pathname.startsWith(`${sa.accessPoints}/`)).to.equal(true);
                const onStorage = `${sa.rootPath}/${url.pathname.slice(sa.accessPoints.length + 1)}`;
                expect(onStorage.startsWith(`${volumePath}/`)).to.equal(true);
                const inNotebook = `${plan.rse.area.mountPath}/${onStorage.slice(volumePath.length + 1)}`;
                expect(notebookPathOf(plan.rse, pfn)).to.equal(inNotebook);
            }
        });
    }
});

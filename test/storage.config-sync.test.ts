import { expect } from "chai";
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { storageNodeBundle } from "../components/storage/render/bundle";
import { bundleMetadata, readBundleMetadata, type ConfigBundle } from "../components/storage/render/config-bundle";
import { deriveSite } from "../config/derive";
import { secretKeyNames } from "../config/secrets";
import { validateStackConfig } from "../config/validate";
import { repoRoot, siteOf } from "./harness";
import { toolPath } from "./tools";

const agent = join(repoRoot, "components", "storage", "files", "srcnet-config-sync.py");
const owner = `${userInfo().username}:${execFileSync("id", ["-gn"], { encoding: "utf8" }).trim()}`;

/** A metadata service on loopback that serves whatever `meta` currently holds. */
class MetadataServer {
    meta: Record<string, string> = {};
    requests = 0;
    private server?: Server;
    url = "";
    async start(): Promise<void> {
        this.server = createServer((req, res) => {
            this.requests++;
            if (req.url !== "/openstack/latest/meta_data.json") {
                res.writeHead(404).end();
                return;
            }
            res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ uuid: "vm", meta: this.meta }));
        });
        await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
        this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}/openstack/latest/meta_data.json`;
    }
    stop(): Promise<void> {
        return new Promise((resolve) => this.server!.close(() => resolve()));
    }
}

function run(url: string, root: string, ...flags: string[]): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
        execFile(toolPath("python3"), [agent, "--metadata-url", url, "--root", root, ...flags], { encoding: "utf8" }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
    });
}

function bundle(root: string, over: Partial<ConfigBundle> = {}): ConfigBundle {
    const log = join(root, "actions.log");
    return {
        version: 1,
        directories: [{ path: "/storage/dev", mode: "0755", owner }],
        files: [
            { path: "/etc/storm/webdav/config/application.yml", content: "oauth:\n  issuers: []\n", mode: "0644", owner, then: "restart-storm" },
            { path: "/etc/storm/webdav/sa.d/dev.properties", content: "name=dev\n", mode: "0644", owner, then: "restart-storm" },
            { path: "/etc/exports.d/storm.exports", content: "/storage/dev 10.0.0.0/24(ro)\n", mode: "0644", owner, then: "reload-exports" },
        ],
        prune: [{ directory: "/etc/storm/webdav/sa.d", suffix: ".properties", then: "restart-storm" }],
        actions: {
            "restart-storm": ["sh", "-c", `echo restart-storm >> ${log}`],
            "reload-exports": ["sh", "-c", `test ! -e ${join(root, "exports-broken")} && echo reload-exports >> ${log}`],
        },
        ...over,
    };
}

const actionsRun = (root: string) => (existsSync(join(root, "actions.log")) ? readFileSync(join(root, "actions.log"), "utf8").trim().split("\n") : []);
const text = (root: string, path: string) => readFileSync(join(root, path), "utf8");

describe("storage config bundle in instance metadata", () => {
    it("splits a bundle into 255-character chunks with a digest, and reads it back", () => {
        const b = bundle("/r", { files: [{ path: "/big", content: "x".repeat(1000) + "é", mode: "0600", owner: "root:root" }] });
        const meta = bundleMetadata(b);
        const chunks = Object.keys(meta).filter((k) => k !== "srcnet-config-sha256");
        expect(chunks[0]).to.equal("srcnet-config-000");
        expect(Object.values(meta).every((v) => v.length <= 255)).to.equal(true);
        expect(Object.values(meta).every((v) => /^[\x00-\x7f]*$/.test(v))).to.equal(true);
        expect(meta["srcnet-config-sha256"]).to.match(/^[0-9a-f]{64}$/);
        expect(readBundleMetadata(meta)).to.deep.equal(b);
        expect(readBundleMetadata({ other: "x" })).to.equal(undefined);
    });

    it("refuses a bundle too large for instance metadata", () => {
        const b = bundle("/r", { files: [{ path: "/big", content: "x".repeat(30000), mode: "0600", owner: "root:root" }] });
        expect(() => bundleMetadata(b)).to.throw(/more than instance metadata can hold/);
    });
});

describe("srcnet-config-sync.py against a metadata service on loopback", function () {
    this.timeout(30000);
    const server = new MetadataServer();
    before(() => server.start());
    after(() => server.stop());

    it("writes the files and directories at first boot without running actions", async () => {
        const root = mkdtempSync(join(tmpdir(), "srcnet-sync-"));
        server.meta = bundleMetadata(bundle(root));
        const result = await run(server.url, root, "--no-actions");
        expect(result.code, result.out).to.equal(0);
        expect(text(root, "etc/storm/webdav/sa.d/dev.properties")).to.equal("name=dev\n");
        expect(statSync(join(root, "etc/exports.d/storm.exports")).mode & 0o777).to.equal(0o644);
        expect(statSync(join(root, "storage/dev")).isDirectory()).to.equal(true);
        expect(actionsRun(root)).to.deep.equal([]);
    });

    it("runs each action once for what changed, and nothing when everything is current", async () => {
        const root = mkdtempSync(join(tmpdir(), "srcnet-sync-"));
        server.meta = bundleMetadata(bundle(root));
        expect((await run(server.url, root)).code).to.equal(0);
        expect(actionsRun(root)).to.deep.equal(["restart-storm", "reload-exports"]);

        const again = await run(server.url, root);
        expect(again.out).to.include("configuration is current");
        expect(actionsRun(root)).to.have.length(2);

        // A storage area is renamed: its old file goes, the new one comes, StoRM restarts once.
        const b = bundle(root);
        server.meta = bundleMetadata({ ...b, files: [b.files[0], { ...b.files[1], path: "/etc/storm/webdav/sa.d/data.properties", content: "name=data\n" }, b.files[2]] });
        const changed = await run(server.url, root);
        expect(changed.code, changed.out).to.equal(0);
        expect(existsSync(join(root, "etc/storm/webdav/sa.d/dev.properties"))).to.equal(false);
        expect(text(root, "etc/storm/webdav/sa.d/data.properties")).to.equal("name=data\n");
        expect(actionsRun(root)).to.deep.equal(["restart-storm", "reload-exports", "restart-storm"]);
    });

    it("keeps a failed action and retries it on the next run", async () => {
        const root = mkdtempSync(join(tmpdir(), "srcnet-sync-"));
        server.meta = bundleMetadata(bundle(root));
        await run(server.url, root, "--no-actions");
        writeFileSync(join(root, "exports-broken"), "");
        const b = bundle(root);
        server.meta = bundleMetadata({ ...b, files: [b.files[0], b.files[1], { ...b.files[2], content: "/storage/dev 10.1.0.0/24(ro)\n" }] });
        const failed = await run(server.url, root);
        expect(failed.code).to.equal(1);
        expect(failed.out).to.include("action reload-exports failed; it is retried on the next run");
        execFileSync("rm", [join(root, "exports-broken")]);
        const retried = await run(server.url, root);
        expect(retried.code, retried.out).to.equal(0);
        expect(actionsRun(root)).to.deep.equal(["reload-exports"]);
    });

    it("changes nothing when the digest does not match (metadata half updated)", async () => {
        const root = mkdtempSync(join(tmpdir(), "srcnet-sync-"));
        server.meta = { ...bundleMetadata(bundle(root)), "srcnet-config-sha256": "0".repeat(64) };
        const result = await run(server.url, root);
        expect(result.code).to.equal(1);
        expect(result.out).to.include("digest does not match");
        expect(existsSync(join(root, "etc"))).to.equal(false);
    });

    it("fails clearly when the metadata holds no bundle", async () => {
        const root = mkdtempSync(join(tmpdir(), "srcnet-sync-"));
        server.meta = {};
        const result = await run(server.url, root);
        expect(result.code).to.equal(1);
        expect(result.out).to.include("holds no configuration bundle");
    });
});

// ---------------------------------------------------------------------------------------------
// What StoRM-WebDAV checks when it starts, on a scratch root after the first boot's sync

/** The dev site's real bundle, as the node receives it. */
function devBundle(deployment: "rpm" | "container"): ConfigBundle {
    const result = validateStackConfig({ site: siteOf("dev"), keys: [{ key: "site", secret: false }, ...secretKeyNames.map((key) => ({ key, secret: true }))] });
    if (!result.ok) throw new Error("the dev site is valid");
    const m = deriveSite(result.site);
    return storageNodeBundle({
        fqdn: m.hostnames.storm,
        floatingIp: "203.0.113.10",
        deployment,
        heapMb: 1024,
        volumeSizeGb: m.config.storage.volume.sizeGb,
        areas: m.storage.areas,
        issuers: m.issuers,
        nfsClients: m.storage.nfsClients,
        acme: { email: m.acme.email, directoryUrl: m.acme.directoryUrl },
    });
}

/**
 * Where StoRM looks, from the environment the bundle gives it, else from its built-in defaults
 * (src/main/resources/application.yml at 1.9.0: :131 trust anchors, :151 storage areas, :180 VOMS).
 */
function stormStartupPaths(bundle: ConfigBundle): { trustAnchors: string; vomsDir: string; storageAreas: string } {
    const envFile = bundle.files.find((f) => f.path === "/etc/storm/webdav/srcnet.env");
    expect(envFile, "the bundle carries StoRM's environment").to.not.equal(undefined);
    const env = Object.fromEntries(envFile!.content.split("\n").filter(Boolean).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
    return {
        trustAnchors: env.STORM_WEBDAV_TRUST_ANCHORS_DIR ?? "/etc/grid-security/certificates",
        storageAreas: env.STORM_WEBDAV_SA_CONFIG_DIR ?? "/etc/storm/webdav/sa.d",
        vomsDir: env.STORM_WEBDAV_VOMS_TRUST_STORE_DIR ?? "/etc/grid-security/vomsdir",
    };
}

describe("StoRM-WebDAV's start-up checks after the first boot's srcnet-config-sync (scratch root)", function () {
    this.timeout(30000);
    const server = new MetadataServer();
    before(() => server.start());
    after(() => server.stop());

    for (const deployment of ["rpm", "container"] as const) {
        it(`${deployment}: finds the trust anchors, the VOMS trust store and a storage area, all readable and traversable by storm`, async () => {
            const real = devBundle(deployment);
            // Owners as the node has them; on the scratch root everything belongs to whoever runs the test.
            const declared = new Map<string, { owner: string; mode: string }>([...real.directories, ...real.files].map((e) => [e.path, { owner: e.owner, mode: e.mode }]));
            const scratch = { ...real, directories: real.directories.map((d) => ({ ...d, owner })), files: real.files.map((f) => ({ ...f, owner })), actions: {} };
            const root = mkdtempSync(join(tmpdir(), "srcnet-startup-"));
            server.meta = bundleMetadata(scratch);
            // systemd runs services with UMask=0022, as cloud-init's runcmd does.
            const result = await new Promise<{ code: number; out: string }>((resolve) =>
                execFile("sh", ["-c", 'umask 022 && exec "$@"', "sh", toolPath("python3"), agent, "--metadata-url", server.url, "--root", root, "--no-actions"], { encoding: "utf8" }, (err, stdout, stderr) =>
                    resolve({ code: err ? 1 : 0, out: stdout + stderr }),
                ),
            );
            expect(result.code, result.out).to.equal(0);

            /** Whether storm may do `bits` (4 read, 1 traverse) on a path, as owned on the node. */
            const stormMay = (path: string, bits: number) => {
                const mode = statSync(join(root, path)).mode & 0o777;
                const spec = declared.get(path);
                if (spec) expect(mode.toString(8).padStart(4, "0"), path).to.equal(spec.mode);
                // What the agent creates on its way (as root on the node) belongs to root.
                const [user, group] = (spec?.owner ?? "root:root").split(":");
                const shift = user === "storm" ? 6 : group === "storm" ? 3 : 0;
                return ((mode >> shift) & bits) === bits;
            };
            const ancestors = (path: string) => path.split("/").slice(1, -1).map((_, i, parts) => `/${parts.slice(0, i + 1).join("/")}`);
            /** voms-api-java DefaultVOMSTrustStore.java:348-364, SAConfigurationParser.java:87-106 (1.9.0): exists, a directory, readable, traversable. */
            const usableDirectory = (path: string) => {
                expect(existsSync(join(root, path)), `${path} exists`).to.equal(true);
                expect(statSync(join(root, path)).isDirectory(), `${path} is a directory`).to.equal(true);
                expect(stormMay(path, 0o5), `storm reads and traverses ${path}`).to.equal(true);
                for (const parent of ancestors(path)) expect(stormMay(parent, 0o1), `storm traverses ${parent}`).to.equal(true);
            };

            const paths = stormStartupPaths(real);
            usableDirectory(paths.trustAnchors);
            usableDirectory(paths.vomsDir);
            usableDirectory(paths.storageAreas);
            // SAConfigurationParser.java:48-64: at least one *.properties file, each one read.
            const areaFiles = readdirSync(join(root, paths.storageAreas)).filter((name) => name.endsWith(".properties"));
            expect(areaFiles, "storage areas").to.have.length.above(0);
            for (const name of areaFiles) expect(stormMay(`${paths.storageAreas}/${name}`, 0o4), `storm reads ${name}`).to.equal(true);
            // Every storage area's root exists and is storm's to write.
            for (const d of real.directories.filter((d) => d.path.startsWith("/storage/"))) {
                usableDirectory(d.path);
                expect(stormMay(d.path, 0o2), `storm writes ${d.path}`).to.equal(true);
            }
        });
    }
});

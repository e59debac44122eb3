import { expect } from "chai";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodePaths } from "../components/storage/render/paths";
import { nodeEnv, storageEnv } from "../components/storage/render/node-env";
import { repoRoot } from "./harness";
import { toolPath } from "./tools";

const filesDir = join(repoRoot, "components", "storage", "files");
const shellScripts = readdirSync(filesDir).filter((f) => f.endsWith(".sh"));
const script = (name: string) => join(filesDir, name);

function runScript(path: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
    return new Promise((resolve) => {
        execFile("bash", [path, ...args], { encoding: "utf8", env: { ...process.env, ...env } }, (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
    });
}

describe("storage node scripts: static checks", () => {
    it("has the scripts the user-data ships", () => {
        expect(shellScripts.sort()).to.deep.equal([
            "storage-node-setup.sh",
            "storm-webdav-certificate.sh",
            "storm-webdav-install-certificate.sh",
            "storm-webdav-wait-healthy.sh",
        ]);
    });

    it("passes shellcheck", () => {
        const run = spawnSync(toolPath("shellcheck"), ["-x", ...shellScripts.map(script)], { encoding: "utf8" });
        expect(run.status, run.stdout).to.equal(0);
    });

    it("compiles the metadata agent with python3", () => {
        const run = spawnSync(toolPath("python3"), ["-c", "import ast,sys; ast.parse(open(sys.argv[1]).read())", script("srcnet-config-sync.py")], { encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
    });

    it("sources the env files where the user-data and the bundle write them", () => {
        const all = shellScripts.map((f) => readFileSync(script(f), "utf8")).join("\n");
        expect(all).to.include(`\${SRCNET_NODE_ENV:-${nodePaths.nodeEnvironment}}`);
        expect(all).to.include(`\${SRCNET_STORAGE_ENV:-${nodePaths.storageEnvironment}}`);
    });

    it("uses no upper-case variable that the env files, certbot or the script itself do not define", () => {
        const envKeys = (text: string) => text.split("\n").filter(Boolean).map((line) => line.split("=")[0]);
        const provided = new Set([
            ...envKeys(nodeEnv("rpm", "letsencrypt")),
            ...envKeys(storageEnv({ fqdn: "f", floatingIp: "i", acmeEmail: "e", acmeDirectoryUrl: "u" })),
            "RENEWED_LINEAGE", // set by certbot for its deploy hook
            "SECONDS", // bash
            "SRCNET_NODE_ENV",
            "SRCNET_STORAGE_ENV",
            // Tunables with defaults in the scripts.
            "DNS_WAIT_SECONDS",
            "HEALTH_WAIT_SECONDS",
            "HEALTH_POLL_SECONDS",
        ]);
        for (const file of shellScripts) {
            const text = readFileSync(script(file), "utf8");
            const used = [...text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]);
            expect(used.filter((v) => !provided.has(v)), file).to.deep.equal([]);
        }
    });
});

describe("storm-webdav-wait-healthy.sh against a health endpoint on loopback", function () {
    this.timeout(20000);
    let server: Server;
    let answers: string[] = [];
    let url = "";
    before(async () => {
        server = createServer((_req, res) => {
            const status = answers.length > 1 ? answers.shift()! : answers[0];
            res.writeHead(status === "UP" ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify({ status }));
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.storm-webdav/actuator/health`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("waits while the service is DOWN and succeeds once it is UP", async () => {
        answers = ["DOWN", "DOWN", "UP"];
        const run = await runScript(script("storm-webdav-wait-healthy.sh"), ["10", url], { HEALTH_POLL_SECONDS: "0.1" });
        expect(run.code, run.out).to.equal(0);
        expect(run.out).to.include('StoRM-WebDAV is healthy: {"status":"UP"}');
    });

    it("fails after the timeout when the service never comes UP", async () => {
        answers = ["DOWN"];
        const run = await runScript(script("storm-webdav-wait-healthy.sh"), ["1", url], { HEALTH_POLL_SECONDS: "0.2" });
        expect(run.code).to.equal(1);
        expect(run.out).to.include("StoRM-WebDAV is not healthy after 1s");
    });

    it("fails when nothing answers", async () => {
        const run = await runScript(script("storm-webdav-wait-healthy.sh"), ["1", "http://127.0.0.1:9/health"], { HEALTH_POLL_SECONDS: "0.2" });
        expect(run.code).to.equal(1);
        expect(run.out).to.include("is not healthy after 1s");
    });
});

describe("storm-webdav-install-certificate.sh", () => {
    it("refuses a key that does not belong to the certificate, before installing anything", async () => {
        const dir = mkdtempSync(join(tmpdir(), "srcnet-cert-"));
        const openssl = (...args: string[]) => execFileSync(toolPath("openssl"), args, { cwd: dir, stdio: "pipe" });
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=storm.example.org", "-days", "1", "-keyout", "key.pem", "-out", "cert.pem");
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "other.pem");
        const env = join(dir, "node.env");
        writeFileSync(env, `HOST_CERTIFICATE='${dir}/installed/hostcert.pem'\nHOST_KEY='${dir}/installed/hostkey.pem'\n`);
        const run = await runScript(script("storm-webdav-install-certificate.sh"), [join(dir, "cert.pem"), join(dir, "other.pem")], { SRCNET_NODE_ENV: env });
        expect(run.code).to.equal(1);
        expect(run.out).to.include(`the key ${join(dir, "other.pem")} does not belong to the certificate ${join(dir, "cert.pem")}`);
        expect(readdirSync(dir)).not.to.include("installed");
    });
});



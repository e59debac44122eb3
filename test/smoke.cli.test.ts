// npm run smoke end to end: the command (bin/tools/smoke/main.js) run as an operator runs it, with
// --config-file and --outputs, against a whole site on loopback: a DNS server for the site's names,
// the stand-in IAM (client credentials) behind TLS, StoRM's stand-in (apache2 mod_dav), the real
// Rucio server with the RSE the registration made, and the real JupyterHub, each behind TLS for
// its site name. The token IAM issues is seen on its way back (the IAM front's tap) and made known
// to the storage and to Rucio, which cannot validate IAM's JWTs here.
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notebookExchangeScopes } from "../components/identity/plan";
import { defaultTokenTiming } from "../components/jupyterhub/render/hub-auth";
import { planRse } from "../components/rucio/plan";
import { rseRegistrationProvider } from "../components/rucio/rse-registration";
import { clientSecretEnv, loadClientSecret } from "../tools/smoke/inputs";
import { probe } from "../tools/smoke/net";
import { repoRoot } from "./harness";
import { FakeIam, adminClient } from "./iam/fake-iam";
import { startHub, type RunningHub } from "./jupyterhub/hub-process";
import { recordValidatedToken, startRucio, type RucioServer } from "./rucio/test-server";
import { TestCa } from "./smoke/certs";
import { startDnsServer, type DnsServer } from "./smoke/dns-server";
import { area, checksClient, host, modelOf, rseName, smokeOutputs, smokeSite, writeStackFile } from "./smoke/site";
import { startTlsFront, type TlsFront } from "./smoke/tls-front";
import { startWebdav, type WebdavStorage } from "./webdav/apache-dav";

const provider = rseRegistrationProvider as Required<typeof rseRegistrationProvider>;
const main = join(repoRoot, "bin", "tools", "smoke", "main.js");

interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

function smoke(args: string[], env: Record<string, string> = {}): Promise<Run> {
    return new Promise((resolve) => {
        const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...env };
        execFile(process.execPath, [main, ...args], { env: childEnv, encoding: "utf8", timeout: 90_000 }, (error, stdout, stderr) => {
            resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
    });
}

describe("npm run smoke, end to end against a site on loopback", function () {
    this.timeout(180_000);
    const dir = mkdtempSync(join(tmpdir(), "srcnet-smoke-cli-"));
    const iam = new FakeIam();
    const setupToken = "smoke-setup-token-5e1b";
    const issued: string[] = [];
    let ca: TestCa;
    let dns: DnsServer;
    let iamFront: TlsFront;
    let rucio: RucioServer;
    let rucioFront: TlsFront;
    let webdav: WebdavStorage;
    let hub: RunningHub;
    let hubFront: TlsFront;
    let issuer = "";
    let stackFile = "";
    let outputsFile = "";
    let caFiles: string[] = [];
    const ports = () => ({ storm: webdav.port, rucio: rucioFront.port, jupyter: hubFront.port });
    // The test storage's certificate lives two days (apache-dav.ts): --min-days 1 lets it pass; the
    // 14-day default is smoke.tls.test.ts's.
    const args = (...more: string[]) => ["--config-file", stackFile, "--outputs", outputsFile, ...caFiles.flatMap((f) => ["--ca", f]), "--dns-server", dns.address, "--min-days", "1", ...more];
    const withSecret = { [clientSecretEnv]: checksClient.clientSecret };

    before(async () => {
        ca = new TestCa("srcnet-site smoke end-to-end CA");
        dns = await startDnsServer(Object.fromEntries(Object.values(host).map((h) => [h, ["127.0.0.1"]])));
        [rucio, webdav] = await Promise.all([startRucio(), startWebdav({ bearerTokens: [setupToken], health: "UP", serverNames: [host.storm] })]);

        // IAM behind TLS at https://127.0.0.1:<port>; every token it issues reaches the storage and Rucio.
        iamFront = await startTlsFront(ca.issue(["localhost"]), () => iam.address, (answer) => {
            if (answer.method !== "POST" || answer.path !== "/token" || answer.status !== 200) return;
            const token = JSON.parse(answer.body.toString("utf8")).access_token as string;
            issued.push(token);
            webdav.acceptBearerToken(token);
            recordValidatedToken(rucio, token, "root", `SUB=${checksClient.clientId}, ISS=${issuer}`, "openid profile");
        });
        issuer = iamFront.url;
        await iam.start(0, issuer);
        // The checks client an IAM administrator made: client credentials, the WLCG profile, the storage scopes.
        iam.store.clients.set(checksClient.clientId, {
            ...iam.store.clients.get(adminClient.clientId)!,
            client_id: checksClient.clientId,
            client_secret: checksClient.clientSecret,
            client_name: "srcnet-site smoke checks",
            scope: ["openid", "profile", "wlcg", "storage.read:/", "storage.create:/", "storage.modify:/"],
            grant_types: ["client_credentials"],
        });

        rucioFront = await startTlsFront(ca.issue([host.rucio, host.rucioWebui]), () => rucio.url);
        hub = await startHub({
            auth: { issuer, loginClientId: "smoke-jupyterhub", exchangeClientId: "smoke-token-exchange", exchangeScopes: notebookExchangeScopes, audience: "rucio", allowedGroups: [], admins: [] },
            timing: defaultTokenTiming,
            loginClientSecret: "smoke login secret",
            exchangeClientSecret: "smoke exchange secret",
        });
        hubFront = await startTlsFront(ca.issue([host.jupyter]), () => hub.url);

        const site = smokeSite(issuer);
        stackFile = writeStackFile(dir, site);
        outputsFile = join(dir, "outputs.json");
        writeFileSync(outputsFile, JSON.stringify(smokeOutputs(ports())));
        caFiles = [join(dir, "ca.pem"), join(dir, "storage-ca.pem")];
        writeFileSync(caFiles[0], ca.pem);
        writeFileSync(caFiles[1], webdav.caPem);

        // The storage area exists, and Rucio holds the RSE as pulumi up registered it.
        const made = await probe({ timeoutMs: 5000 }, { method: "MKCOL", url: `${webdav.url}/${area}/`, headers: { authorization: `Bearer ${setupToken}` }, ca: [webdav.caPem] });
        expect(made.status).to.equal(201);
        const auth = { method: "userpass" as const, account: rucio.account, username: rucio.username, password: rucio.password };
        await provider.create({ server: { serverUrl: rucio.url, authUrl: rucio.url }, auth, rse: { ...planRse(modelOf(site)), name: rseName }, deadlineSeconds: 30, attemptTimeoutSeconds: 5 });
    });

    after(async () => {
        await Promise.all([hubFront, rucioFront, iamFront].map((f) => f?.stop()));
        await Promise.all([hub?.stop(), webdav?.stop(), rucio?.stop(), dns?.stop()]);
        await iam.stop().catch(() => undefined);
        ca?.dispose();
        rmSync(dir, { recursive: true, force: true });
    });

    it("passes every check of a site that works, as JSON, exit code 0, with no secret or token printed", async () => {
        const run = await smoke(args("--json"), withSecret);
        expect(run.stderr).to.equal("");
        const report = JSON.parse(run.stdout);
        const lines = report.checks.map((c: { family: string; name: string; status: string; detail: string }) => `${c.family} ${c.name} ${c.status}${c.status === "pass" ? "" : `: ${c.detail}`}`);
        expect(lines).to.deep.equal([
            "dns jupyter pass",
            "dns rucio pass",
            "dns rucioWebui pass",
            "dns storm pass",
            "tls storm pass",
            "tls jupyter pass",
            "tls rucio pass",
            "tls rucioWebui pass",
            "iam token pass",
            "storage health pass",
            "storage write pass",
            "storage read pass",
            "storage checksum pass",
            "storage no token pass",
            "storage delete pass",
            "rucio ping pass",
            "rucio whoami pass",
            "rucio rse pass",
            "rucio protocol pass",
            "rucio attributes pass",
            "jupyterhub api pass",
            "jupyterhub login pass",
        ]);
        expect(report).to.include({ site: "smoke", environment: "test", ok: true, passed: 22, failed: 0, skipped: 0 });
        expect(run.code).to.equal(0);
        expect(issued.length).to.be.greaterThan(0);
        for (const secret of [checksClient.clientSecret, ...issued]) {
            expect(run.stdout).not.to.include(secret);
            expect(run.stderr).not.to.include(secret);
        }
        // The token asked for the storage scopes and Rucio's: the storage took it, Rucio mapped it.
        expect(report.checks.find((c: { name: string }) => c.name === "whoami").detail).to.equal(`account root (SUB=${checksClient.clientId}, ISS=${issuer})`);
    });

    it("prints a table by default, and exits 1 when a check fails (a hostname that resolves elsewhere)", async () => {
        dns.records.set(host.jupyter, ["127.0.0.2"]);
        try {
            const run = await smoke(args(), withSecret);
            expect(run.code).to.equal(1);
            const lines = run.stdout.trim().split("\n");
            expect(lines[0]).to.equal("smoke checks of site smoke (test)");
            expect(lines.find((l) => l.includes("dns jupyter"))).to.match(/^FAIL\s+dns jupyter\s+jupyter\.smoke\.srcnet\.example\.org\s+resolves to 127\.0\.0\.2 \(A\), not 127\.0\.0\.1 as the site gave it$/);
            expect(lines.find((l) => l.includes("dns storm"))).to.match(/^pass\s+dns storm/);
            expect(lines.at(-1)).to.match(/^\d+ passed, [1-9]\d* failed, 0 skipped$/);
        } finally {
            dns.records.set(host.jupyter, ["127.0.0.1"]);
        }
    });

    it("fails the token, and skips what needs it, when IAM refuses the secret; the wrong secret is not printed", async () => {
        const wrong = "not-the-checks-secret-77a0";
        const run = await smoke(args("--json"), { [clientSecretEnv]: wrong });
        expect(run.code).to.equal(1);
        const report = JSON.parse(run.stdout);
        const token = report.checks.find((c: { family: string }) => c.family === "iam");
        expect(token.status).to.equal("fail");
        expect(token.detail).to.match(/^IAM's token endpoint https:\/\/127\.0\.0\.1:\d+\/token refused a client_credentials token to client smoke-checks: HTTP 401/);
        expect(report.checks.filter((c: { status: string }) => c.status === "skip").map((c: { family: string; name: string }) => `${c.family} ${c.name}`)).to.deep.equal([
            "storage write",
            "storage read",
            "storage checksum",
            "storage delete",
            "rucio whoami",
            "rucio rse",
            "rucio protocol",
            "rucio attributes",
        ]);
        expect(run.stdout + run.stderr).not.to.include(wrong);
    });

    it("exits 2 when it cannot run: no secret for site.checks, outputs of another site, an unreadable outputs file, a missing flag", async () => {
        const noSecret = await smoke(args());
        expect(noSecret.code).to.equal(2);
        expect(noSecret.stderr).to.include("srcnet-site:checksClientSecret: is required because site.checks is set; set it with: pulumi config set --secret checksClientSecret");
        const otherFile = join(dir, "other-outputs.json");
        writeFileSync(otherFile, JSON.stringify(smokeOutputs(ports(), (o) => (o.site = "dev"))));
        const other = await smoke(["--config-file", stackFile, "--outputs", otherFile], withSecret);
        expect(other.code).to.equal(2);
        expect(other.stderr).to.equal("smoke checks could not run: the stack outputs are of site dev, the config of site smoke: give the outputs of the same stack\n");
        const missing = await smoke(["--config-file", stackFile, "--outputs", join(dir, "nowhere.json")], withSecret);
        expect(missing.stderr).to.match(/cannot read the outputs file .*nowhere\.json: ENOENT/);
        expect(missing.code).to.equal(2);
        const usage = await smoke(["--config-file", stackFile]);
        expect(usage.code).to.equal(2);
        expect(usage.stderr).to.include("--config-file needs --outputs FILE");
    });

    it("takes the secret from the environment before the stack, and has none without either", async () => {
        expect(await loadClientSecret({ [clientSecretEnv]: "from-env" }, { name: "smoke", holdsClientSecret: true })).to.equal("from-env");
        expect(await loadClientSecret({}, { name: "smoke", holdsClientSecret: false })).to.equal(undefined);
        expect(await loadClientSecret({}, { holdsClientSecret: true })).to.equal(undefined);
    });
});

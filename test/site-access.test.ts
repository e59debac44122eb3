// What the operator tools (npm run smoke, transfers, leftovers) share to reach a site
// (tools/site-access): the stack file as a validated site, the Pulumi CLI, the stack outputs and
// that they are the site's, the CA files, Adler-32; and the program's one request
// (components/http/retrying-request.ts) with the lookup and the single attempt the checks need.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo, LookupFunction } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rootCertificates } from "node:tls";
import { defaultRetry, sendWithRetry, withPublicRoots, type Service } from "../components/http/retrying-request";
import { adler32 } from "../tools/site-access/adler32";
import { readCaFile } from "../tools/site-access/ca-file";
import { loadOutputs, OutputsError, readOutputs } from "../tools/site-access/outputs";
import { configSecret, errorLine, runPulumi, type PulumiRunner, type RunResult } from "../tools/site-access/pulumi-cli";
import { readSiteConfig, SiteConfigError, SiteInputError } from "../tools/site-access/site-config";
import { rejection } from "./harness";
import { smokeOutputs, smokeSite, writeStackFile } from "./smoke/site";

describe("site access: the stack file as a validated site", () => {
    const dir = mkdtempSync(join(tmpdir(), "srcnet-site-access-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const issuer = "https://iam.smoke.srcnet.example.org/";

    it("derives the site and names the stack and the keys the file sets", () => {
        const c = readSiteConfig(writeStackFile(dir, smokeSite(issuer), { checksSecretInStack: true }));
        expect(c.model.name).to.equal("smoke");
        expect(c.stack).to.equal("smoke");
        expect(c.keys).to.deep.include({ key: "checksClientSecret", secret: true });
    });

    it("refuses a missing secret key, unless it is given another way, or the tool reads only the site", () => {
        const file = writeStackFile(dir, smokeSite(issuer));
        expect(() => readSiteConfig(file)).to.throw(SiteConfigError).with.property(
            "message",
            `the config of ${file} is not a valid site:\n  srcnet-site:checksClientSecret: is required because site.checks is set; set it with: pulumi config set --secret checksClientSecret`,
        );
        expect(readSiteConfig(file, { alsoSet: ["checksClientSecret"] }).keys.map((k) => k.key)).not.to.include("checksClientSecret");
        expect(readSiteConfig(file, { siteOnly: true }).model.name).to.equal("smoke");
    });

    it("refuses a site that is not valid, whatever the tool reads, and a stack file it cannot read", () => {
        const file = writeStackFile(dir, smokeSite(issuer, (s) => (s.storage.rse = "lower_case")), { checksSecretInStack: true });
        expect(() => readSiteConfig(file, { siteOnly: true }))
            .to.throw(SiteConfigError)
            .with.property("problems")
            .that.satisfies((problems: readonly { where: string }[]) => problems.some((p) => p.where === "site.storage.rse"));
        expect(() => readSiteConfig(join(dir, "Pulumi.nowhere.yaml")))
            .to.throw(SiteInputError)
            .with.property("message", `cannot read the stack file ${join(dir, "Pulumi.nowhere.yaml")}: no such file`);
    });
});

describe("site access: the Pulumi CLI", () => {
    const runner = (r: Partial<RunResult>): { run: PulumiRunner; calls: string[][] } => {
        const calls: string[][] = [];
        return { calls, run: (args) => (calls.push([...args]), { status: 0, stdout: "", stderr: "", ...r }) };
    };
    const what = "the outputs of stack s";
    const args = ["stack", "output", "--json", "--show-secrets", "--stack", "s"];

    it("says why it failed with pulumi's last error line, never its stdout", () => {
        expect(errorLine("warning: a\nerror: the one\n  at somewhere\n")).to.equal("error: the one");
        expect(errorLine("first\nlast\n")).to.equal("last");
        expect(errorLine("\n \n")).to.equal(undefined);
        const { run } = runner({ status: 255, stdout: "half-printed-secret", stderr: "error: passphrase must be set\nwarning: later" });
        expect(() => runPulumi(run, args, what))
            .to.throw(SiteInputError)
            .with.property("message", "pulumi stack output failed (exit 255) reading the outputs of stack s: error: passphrase must be set")
            .that.does.not.include("half-printed-secret");
    });

    it("still says something when pulumi wrote no error, was ended by a signal, or is not installed", () => {
        expect(() => runPulumi(runner({ status: 1, stderr: "" }).run, args, what)).to.throw().with.property("message", "pulumi stack output failed (exit 1) reading the outputs of stack s: it wrote no error output");
        expect(() => runPulumi(runner({ status: null, signal: "SIGKILL" }).run, args, what)).to.throw().with.property("message", "pulumi stack output failed (ended by SIGKILL) reading the outputs of stack s: it wrote no error output");
        const enoent = Object.assign(new Error("spawnSync pulumi ENOENT"), { code: "ENOENT" });
        expect(() => runPulumi(runner({ status: null, error: enoent }).run, args, what)).to.throw().with.property("message", "cannot run pulumi to read the outputs of stack s: it is not installed (or not on PATH)");
    });

    it("reads a secret key with pulumi config get, and refuses an empty one", () => {
        const r = runner({ stdout: "the-value\n" });
        expect(configSecret(r.run, "s", "rucioPassword", "SRCNET_RUCIO_PASSWORD")).to.equal("the-value");
        expect(r.calls).to.deep.equal([["config", "get", "rucioPassword", "--stack", "s"]]);
        expect(() => configSecret(runner({ stdout: "\n" }).run, "s", "rucioPassword", "SRCNET_RUCIO_PASSWORD")).to.throw().with.property("message", "stack s has no value for rucioPassword; set SRCNET_RUCIO_PASSWORD instead");
    });
});

describe("site access: the stack outputs", () => {
    const dir = mkdtempSync(join(tmpdir(), "srcnet-site-outputs-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const ports = { storm: 8443, rucio: 443 };
    const site = { name: "smoke" };
    const file = (name: string, content: string) => {
        const f = join(dir, name);
        writeFileSync(f, content);
        return f;
    };

    it("reads them from a file or from pulumi, and only when they are the config's site's", () => {
        const outputs = smokeOutputs(ports);
        expect(loadOutputs({ file: file("o.json", JSON.stringify(outputs)) }, site).rucio).to.deep.equal({ mode: "deploy", serverUrl: outputs.rucio.serverUrl, authUrl: outputs.rucio.authUrl, namespace: "rucio" });
        const calls: string[][] = [];
        const run: PulumiRunner = (args) => (calls.push([...args]), { status: 0, stdout: JSON.stringify(outputs), stderr: "" });
        expect(loadOutputs({ stack: "smoke", run }, site).rse.name).to.equal(outputs.rse.name);
        expect(calls).to.deep.equal([["stack", "output", "--json", "--show-secrets", "--stack", "smoke"]]);
        expect(() => loadOutputs({ stack: "smoke", run }, { name: "dev" }))
            .to.throw(SiteInputError)
            .with.property("message", "the stack outputs are of site smoke, the config of site dev: give the outputs of the same stack");
    });

    it("says what is wrong with them: unreadable, not JSON, not a site's, or none at all", () => {
        expect(() => loadOutputs({ file: join(dir, "nowhere.json") }, site)).to.throw().with.property("message", `cannot read the outputs file ${join(dir, "nowhere.json")}: ENOENT`);
        expect(() => loadOutputs({ file: file("bad.json", "{") }, site)).to.throw(SiteInputError, /bad\.json is not JSON: /);
        expect(() => loadOutputs({ file: file("broken.json", JSON.stringify(smokeOutputs(ports, (o) => delete o.rse.name))) }, site)).to.throw(
            OutputsError,
            /broken\.json: the stack outputs are not a site's: rse\.name is missing$/,
        );
        expect(() => readOutputs({})).to.throw().with.property("message", "the stack has no outputs: has it been deployed (pulumi up)?");
        expect(() => readOutputs(smokeOutputs(ports, (o) => (o.rucio.namespace = 3)))).to.throw(OutputsError, /rucio\.namespace is not a string/);
    });
});

describe("site access: CA files and Adler-32", () => {
    const dir = mkdtempSync(join(tmpdir(), "srcnet-site-ca-"));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it("reads the certificates of a PEM file, and refuses one without any", () => {
        const [a, b] = rootCertificates;
        const f = join(dir, "cas.pem");
        writeFileSync(f, `subject=first\n${a}\n\n# another\n${b}\n`);
        expect(readCaFile(f, "--ca")).to.deep.equal([a, b]);
        writeFileSync(join(dir, "none.pem"), "not a certificate\n");
        expect(() => readCaFile(join(dir, "none.pem"), "--storage-ca")).to.throw().with.property("message", `the CA file ${join(dir, "none.pem")} (--storage-ca) holds no PEM certificate`);
        expect(() => readCaFile(join(dir, "missing.pem"), "--ca")).to.throw().with.property("message", `cannot read the CA file ${join(dir, "missing.pem")} (--ca): ENOENT`);
    });

    it("computes Adler-32 as zlib does, past the modulus too", () => {
        for (const data of [Buffer.alloc(0), Buffer.from("Wikipedia"), Buffer.from("srcnet-site smoke check\n"), Buffer.alloc(70_000, "x"), Buffer.alloc(1 << 20, 0xff)]) {
            const python = execFileSync("/usr/bin/python3", ["-c", "import sys, zlib; print('%08x' % zlib.adler32(sys.stdin.buffer.read()))"], { input: data, encoding: "utf8" }).trim();
            expect(adler32(data), `${data.length} bytes`).to.equal(python);
        }
        expect(adler32(Buffer.from("Wikipedia"))).to.equal("11e60398");
        expect(adler32(Buffer.alloc(0))).to.equal("00000001");
    });
});

describe("the program's request: extra CAs, a given lookup, a single attempt", () => {
    let server: Server;
    let port = 0;
    let hits = 0;
    const service: Service = { name: "Test", refused: (m, p, a) => new Error(`refused ${m} ${p}: ${a.status}`), detail: (a) => a.text, ambiguous: (m) => new Error(m) };
    before(async () => {
        server = createServer((_req, res) => {
            hits++;
            res.writeHead(hits === 1 ? 503 : 200);
            res.end(hits === 1 ? "busy" : "ok");
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        port = (server.address() as AddressInfo).port;
    });
    beforeEach(() => (hits = 0));
    after(async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
    });
    /** Resolves only the test's name, to loopback. */
    const lookup: LookupFunction = (hostname, options, callback) => {
        const done = callback as (err: NodeJS.ErrnoException | null, address: string | { address: string; family: number }[], family?: number) => void;
        const all = (options as { all?: boolean }).all === true;
        if (hostname !== "svc.site-access.invalid") return done(Object.assign(new Error(`no ${hostname}`), { code: "ENOTFOUND" }), all ? [] : "");
        if (all) done(null, [{ address: "127.0.0.1", family: 4 }]);
        else done(null, "127.0.0.1", 4);
    };
    const url = () => `http://svc.site-access.invalid:${port}/p`;
    const fast = { ...defaultRetry, baseDelayMs: 1, maxDelayMs: 5, deadlineMs: 5000 };

    it("adds extra CAs to the public roots, and leaves the public roots alone without any", () => {
        expect(withPublicRoots(undefined)).to.equal(undefined);
        expect(withPublicRoots([])).to.equal(undefined);
        expect(withPublicRoots(["EXTRA"])).to.deep.equal([...rootCertificates, "EXTRA"]);
    });

    it("reaches a name only the given lookup knows, retrying a 503 as ever", async () => {
        const a = await sendWithRetry({ method: "GET", url: url(), repeatable: true, lookup }, fast, service);
        expect([a.status, a.text, hits]).to.deep.equal([200, "ok", 2]);
    });

    it("stops after the attempts the policy allows, saying so with the last answer", async () => {
        const { message } = await rejection(sendWithRetry({ method: "GET", url: url(), repeatable: true, lookup }, { ...fast, attempts: 1 }, service));
        expect(message).to.equal("Test did not answer GET /p successfully in 1 attempt; last: HTTP 503: busy");
        expect(hits).to.equal(1);
    });
});

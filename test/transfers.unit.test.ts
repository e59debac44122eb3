// The transfers tool's pure parts: the states, the matrix, its formatting, the test-transfer plan,
// the command line, and how it reads the stack's outputs, state and secrets.
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { cellText, formatMatrix, hoursText, matrixJson } from "../tools/transfers/format";
import { parseRucioDate, percentSucceeded, recordOf, transferMatrix, type TransferRecord } from "../tools/transfers/matrix";
import { defaults, formatTestTransfers, parseOptions, runTransfers } from "../tools/transfers/main";
import { adler32 } from "../tools/site-access/adler32";
import type { PulumiRunner } from "../tools/site-access/pulumi-cli";
import { SiteInputError } from "../tools/site-access/site-config";
import { rootPasswordFromExport, siteAuth, UsageError } from "../tools/transfers/site";
import { activeTableStates, historyTableStates, outcomeOf, requestStates } from "../tools/transfers/states";
import { planTestTransfers, stampOf } from "../tools/transfers/test-transfers";
import { httpUrlOf, parentCollections, tokenMayGo } from "../tools/transfers/webdav";
import { deriveSite } from "../config/derive";
import { siteSchema } from "../config/schema";
import { siteOf } from "./harness";
import { rucioTestServerDir } from "./rucio/test-server";

const hour = 3600_000;
const now = Date.UTC(2026, 11, 1, 12, 0, 0);
const rec = (id: string, source: string, destination: string, state: string, hoursAgo: number | undefined, table: TransferRecord["table"] = "history"): TransferRecord => ({
    id,
    source,
    destination,
    state,
    ...(hoursAgo !== undefined ? { at: now - hoursAgo * hour } : {}),
    table,
});

describe("transfers: request states", () => {
    it("knows every RequestState of the Rucio the tests run, by the same letters", () => {
        // The enum as the test server's own source has it (Rucio 1.31.7; 40.4.1 has the same thirteen).
        const tgz = join(rucioTestServerDir(), "rucio-1.31.7.tgz");
        const source = execFileSync("tar", ["-xzOf", tgz, "./lib/rucio/db/sqla/constants.py"], { encoding: "utf8" });
        const block = /class RequestState\(Enum\):\n((?:    \w+ = '\w'\n)+)/.exec(source)?.[1] ?? "";
        const rucio = Object.fromEntries([...block.matchAll(/(\w+) = '(\w)'/g)].map((m) => [m[1], m[2]]));
        expect(Object.keys(rucio)).to.have.length(13);
        expect(Object.fromEntries(Object.entries(requestStates).map(([name, s]) => [name, s.letter]))).to.deep.equal(rucio);
    });

    it("counts DONE as success; FAILED, LOST and SUBMISSION_FAILED as failures; the rest not", () => {
        expect(outcomeOf("DONE")).to.equal("succeeded");
        for (const s of ["FAILED", "LOST", "SUBMISSION_FAILED"]) expect(outcomeOf(s), s).to.equal("failed");
        for (const s of ["NO_SOURCES", "ONLY_TAPE_SOURCES", "MISMATCH_SCHEME"]) expect(outcomeOf(s), s).to.equal("notAttempted");
        for (const s of ["QUEUED", "WAITING", "PREPARING", "SUBMITTING", "SUBMITTED", "SUSPEND"]) expect(outcomeOf(s), s).to.equal("inProgress");
        expect(outcomeOf("toString")).to.equal(undefined);
        expect(outcomeOf("D")).to.equal(undefined);
    });

    it("asks the requests table for every state and the history for the finished ones", () => {
        expect(activeTableStates.split(",").sort()).to.deep.equal(["A", "D", "F", "G", "L", "M", "N", "O", "P", "Q", "S", "U", "W"]);
        expect(historyTableStates.split(",").sort()).to.deep.equal(["A", "D", "F", "L", "M", "N", "O"]);
    });
});

describe("transfers: the matrix", () => {
    const rses = ["SITE", "PEER_A", "PEER_B"];
    const cell = (m: ReturnType<typeof transferMatrix>, a: string, b: string) => m.cells[rses.indexOf(a)][rses.indexOf(b)];

    it("gives the per cent of finished transfers that succeeded, rounded down, and NO DATA where none finished", () => {
        const m = transferMatrix({
            rses,
            from: now - 24 * hour,
            to: now,
            records: [
                rec("1", "SITE", "PEER_A", "DONE", 1),
                rec("2", "SITE", "PEER_A", "DONE", 2),
                rec("3", "SITE", "PEER_A", "FAILED", 3),
                rec("4", "PEER_A", "SITE", "LOST", 1),
                rec("5", "PEER_A", "SITE", "SUBMISSION_FAILED", 1),
                rec("6", "PEER_B", "SITE", "DONE", 1, "requests"),
            ],
        });
        expect(m.rses).to.deep.equal(rses);
        expect(cell(m, "SITE", "PEER_A")).to.deep.include({ succeeded: 2, failed: 1, percent: 66 });
        expect(cell(m, "PEER_A", "SITE")).to.deep.include({ succeeded: 0, failed: 2, percent: 0 });
        expect(cell(m, "PEER_B", "SITE")).to.deep.include({ succeeded: 1, failed: 0, percent: 100 });
        expect(cell(m, "SITE", "PEER_B").percent).to.equal(undefined);
        for (const r of rses) expect(cell(m, r, r).percent).to.equal(undefined);
        expect(m.cells.flat()).to.have.length(9);
    });

    it("rounds down: 100% only when every transfer succeeded, 0% only when none did", () => {
        expect(percentSucceeded(999, 1)).to.equal(99);
        expect(percentSucceeded(1, 999)).to.equal(0);
        expect(percentSucceeded(1, 0)).to.equal(100);
        expect(percentSucceeded(0, 0)).to.equal(undefined);
    });

    it("counts a finished transfer only inside the window, and one with no time never", () => {
        const records = [rec("1", "SITE", "PEER_A", "DONE", 1), rec("2", "SITE", "PEER_A", "FAILED", 30), rec("3", "SITE", "PEER_A", "FAILED", undefined), rec("4", "SITE", "PEER_A", "FAILED", -1)];
        expect(cell(transferMatrix({ rses, records, from: now - 24 * hour, to: now }), "SITE", "PEER_A")).to.deep.include({ succeeded: 1, failed: 0, percent: 100 });
        expect(cell(transferMatrix({ rses, records, from: now - 48 * hour, to: now }), "SITE", "PEER_A")).to.deep.include({ succeeded: 1, failed: 1, percent: 50 });
    });

    it("counts a request in both tables once, as its history row says", () => {
        const m = transferMatrix({ rses, from: now - hour * 24, to: now, records: [rec("x", "SITE", "PEER_A", "SUBMITTED", 0.5, "requests"), rec("x", "SITE", "PEER_A", "DONE", 0.2, "history")] });
        expect(cell(m, "SITE", "PEER_A")).to.deep.include({ succeeded: 1, inProgress: 0 });
        const reversed = transferMatrix({ rses, from: now - hour * 24, to: now, records: [rec("x", "SITE", "PEER_A", "DONE", 0.2, "history"), rec("x", "SITE", "PEER_A", "SUBMITTED", 0.5, "requests")] });
        expect(cell(reversed, "SITE", "PEER_A")).to.deep.include({ succeeded: 1, inProgress: 0 });
    });

    it("keeps requests in progress and those that ran nothing out of the per cent, and counts live ones in progress whenever they began", () => {
        const m = transferMatrix({
            rses,
            from: now - 24 * hour,
            to: now,
            records: [
                rec("1", "SITE", "PEER_B", "SUBMITTED", 100, "requests"),
                rec("2", "SITE", "PEER_B", "QUEUED", 1, "history"),
                rec("3", "SITE", "PEER_B", "MISMATCH_SCHEME", 1),
                rec("4", "SITE", "PEER_B", "NO_SOURCES", 40),
                rec("5", "SITE", "ELSEWHERE", "DONE", 1),
                rec("6", "SITE", "PEER_B", "SOMETHING_NEW", 1),
            ],
        });
        expect(cell(m, "SITE", "PEER_B")).to.deep.equal({ source: "SITE", destination: "PEER_B", succeeded: 0, failed: 0, notAttempted: 1, inProgress: 1 });
        expect(m.cells.flat().reduce((n, c) => n + c.succeeded + c.failed, 0)).to.equal(0);
    });

    it("reads Rucio's dates and its request rows", () => {
        expect(parseRucioDate("Tue, 01 Dec 2026 13:29:24 UTC")).to.equal(Date.UTC(2026, 11, 1, 13, 29, 24));
        expect(parseRucioDate("2026-12-01T13:29:24Z")).to.equal(undefined);
        expect(parseRucioDate(null)).to.equal(undefined);
        const row = { id: "abc", state: "DONE", transferred_at: "Tue, 01 Dec 2026 10:00:00 UTC", updated_at: "Tue, 01 Dec 2026 11:00:00 UTC", created_at: "Tue, 01 Dec 2026 09:00:00 UTC" };
        expect(recordOf(row, "A", "B", "history")).to.deep.equal({ id: "abc", source: "A", destination: "B", state: "DONE", at: Date.UTC(2026, 11, 1, 10), table: "history" });
        expect(recordOf({ ...row, transferred_at: null }, "A", "B", "requests")?.at).to.equal(Date.UTC(2026, 11, 1, 11));
        expect(recordOf({ ...row, transferred_at: null, updated_at: null }, "A", "B", "requests")?.at).to.equal(Date.UTC(2026, 11, 1, 9));
        expect(recordOf({ state: "DONE" }, "A", "B", "requests")).to.equal(undefined);
    });
});

describe("transfers: formatting", () => {
    const m = transferMatrix({
        rses: ["SITE_STORM", "PEER_A", "B"],
        from: now - 24 * hour,
        to: now,
        records: [rec("1", "SITE_STORM", "PEER_A", "DONE", 1), rec("2", "SITE_STORM", "PEER_A", "FAILED", 1), rec("3", "PEER_A", "SITE_STORM", "DONE", 1), rec("4", "B", "PEER_A", "SUBMITTED", 1, "requests"), rec("5", "B", "SITE_STORM", "NO_SOURCES", 1)],
    });

    it("prints a title, a row per source and a column per destination, two spaces apart", () => {
        expect(formatMatrix(m, 24)).to.equal(
            [
                "Transfers in the last 24 hours: per cent of finished transfers that succeeded (rows: source RSE, columns: destination RSE)",
                "Src\\Dst     SITE_STORM  PEER_A   B",
                "SITE_STORM  NO DATA     50%      NO DATA",
                "PEER_A      100%        NO DATA  NO DATA",
                "B           NO DATA     NO DATA  NO DATA",
                "In progress, not counted: B -> PEER_A 1",
                "Ended without a transfer (no usable source or protocol), not counted: B -> SITE_STORM 1",
                "",
            ].join("\n"),
        );
        expect(cellText(m.cells[0][1])).to.equal("50%");
        expect(hoursText(1)).to.equal("1 hour");
        expect(hoursText(0.5)).to.equal("0.5 hours");
    });

    it("writes JSON with the window, the RSEs and every cell, null for NO DATA", () => {
        const j = matrixJson(m, 24);
        expect(j.window).to.deep.equal({ hours: 24, from: "2026-11-30T12:00:00.000Z", to: "2026-12-01T12:00:00.000Z" });
        expect(j.rses).to.deep.equal(["SITE_STORM", "PEER_A", "B"]);
        expect(j.cells[0][1]).to.deep.equal({ source: "SITE_STORM", destination: "PEER_A", succeeded: 1, failed: 1, notAttempted: 0, inProgress: 0, percent: 50 });
        expect(j.cells[2][1]).to.deep.equal({ source: "B", destination: "PEER_A", succeeded: 0, failed: 0, notAttempted: 0, inProgress: 1, percent: null });
        expect(JSON.parse(JSON.stringify(j))).to.deep.equal(j);
    });

    it("lists the test transfers, started or not", () => {
        const text = formatTestTransfers(
            [
                { source: "A", destination: "B", scope: "s", name: "n1", sourceRule: "r0", destinationRule: "r1", ruleState: "REPLICATING" },
                { source: "B", destination: "A", scope: "s", name: "n2", error: "the storage refused PUT" },
            ],
            120,
        );
        expect(text).to.equal("Test transfers (their rules expire in 120 minutes):\n  A -> B  s:n1  rule r1 REPLICATING\n  B -> A  s:n2  NOT STARTED: the storage refused PUT\n");
    });
});

describe("transfers: the test-transfer plan", () => {
    it("plans one new file per direction between the site and each peer, named for what it is", () => {
        const plans = planTestTransfers("SITE", ["PEER_A", "PEER_B", "PEER_A", "SITE"], "tests", Date.UTC(2026, 11, 1, 14, 30, 22, 123), "ab12cd");
        expect(plans.map((p) => `${p.source}>${p.destination}`)).to.deep.equal(["SITE>PEER_A", "PEER_A>SITE", "SITE>PEER_B", "PEER_B>SITE"]);
        expect(plans[0].name).to.equal("transfer-test.SITE.PEER_A.20261201T143022Z.ab12cd");
        expect(stampOf(Date.UTC(2026, 0, 2, 3, 4, 5))).to.equal("20260102T030405Z");
        for (const p of plans) {
            expect(p.name).to.match(/^[A-Za-z0-9][A-Za-z0-9.\-_]{1,250}$/);
            expect(p.scope).to.equal("tests");
            expect(p.bytes).to.equal(p.content.length).and.be.above(0);
            expect(p.md5).to.equal(createHash("md5").update(p.content).digest("hex"));
            expect(p.adler32).to.equal(adler32(p.content));
            expect(p.content.toString()).to.include(`tests:${p.name}`);
        }
        expect(new Set(plans.map((p) => p.name)).size).to.equal(4);
        expect(planTestTransfers("SITE", [], "tests", now, "x")).to.deep.equal([]);
    });
});

describe("transfers: writing to WebDAV", () => {
    it("writes davs as https and dav as http, and nothing else", () => {
        expect(httpUrlOf("davs://storm.example.org:8443/sa/s/ab/cd/f").href).to.equal("https://storm.example.org:8443/sa/s/ab/cd/f");
        expect(httpUrlOf("dav://127.0.0.1:8080/x").href).to.equal("http://127.0.0.1:8080/x");
        expect(() => httpUrlOf("root://eos.example.org//x")).to.throw(/only davs, https, dav and http/);
    });

    it("sends a token only over TLS or to this machine", () => {
        expect(tokenMayGo(new URL("https://storm.example.org/x"))).to.equal(true);
        expect(tokenMayGo(new URL("http://127.0.0.1:9/x"))).to.equal(true);
        expect(tokenMayGo(new URL("http://storm.example.org/x"))).to.equal(false);
    });

    it("names the parent collections nearest first", () => {
        expect(parentCollections("/sa/s/ab/cd/f")).to.deep.equal(["/sa/s/ab/cd/", "/sa/s/ab/", "/sa/s/", "/sa/"]);
        expect(parentCollections("/f")).to.deep.equal([]);
    });
});

describe("transfers: the command line", () => {
    it("has defaults for everything but the stack", () => {
        expect(parseOptions(["--stack", "dev"])).to.deep.equal({ stack: "dev", hours: 24, json: false, test: false, waitMinutes: 0, lifetimeMinutes: 120, scope: defaults.scope, activity: "Functional Test" });
        const o = parseOptions(["--stack", "dev", "--hours", "1.5", "--json", "--test", "--wait", "5", "--lifetime", "30", "--scope", "my.tests", "--account", "ops", "--outputs", "o.json", "--stack-file", "s.yaml"]);
        expect(o).to.deep.include({ hours: 1.5, json: true, test: true, waitMinutes: 5, lifetimeMinutes: 30, scope: "my.tests", account: "ops", outputs: "o.json", stackFile: "s.yaml" });
    });

    it("prints its usage for --help, and a usage error with exit code 2", async () => {
        const out: string[] = [];
        const err: string[] = [];
        const io = { env: {}, out: (t: string) => out.push(t), err: (t: string) => err.push(t), run: () => ({ status: 1, stdout: "", stderr: "" }), now: () => now };
        expect(await runTransfers(["--help"], io)).to.equal(0);
        expect(out.join("")).to.match(/^usage: npm run transfers -- --stack NAME/).and.match(/Exit codes: 0 printed/);
        expect(err).to.deep.equal([]);
        expect(await runTransfers(["--stack"], io)).to.equal(2);
        expect(err.join("")).to.match(/--stack/).and.match(/\nusage: npm run transfers/);
    });

    it("refuses what it cannot do, naming the flag", () => {
        const refusal = (args: string[]) => {
            try {
                parseOptions(args);
            } catch (err) {
                expect(err).to.be.instanceOf(UsageError);
                return (err as Error).message;
            }
            throw new Error(`accepted ${args.join(" ")}`);
        };
        expect(refusal([])).to.match(/--stack is required/);
        expect(refusal(["--stack", "dev", "--hours", "0"])).to.match(/--hours must be a number above 0/);
        expect(refusal(["--stack", "dev", "--hours", "-3"])).to.match(/--hours/);
        expect(refusal(["--stack", "dev", "--hours", "1e3"])).to.match(/--hours/);
        expect(refusal(["--stack", "dev", "--wait", "5"])).to.match(/--wait goes with --test/);
        expect(refusal(["--stack", "dev", "--test", "--wait", "120"])).to.match(/shorter than the rules' --lifetime/);
        expect(refusal(["--stack", "dev", "--test", "--scope", "no spaces"])).to.match(/not a Rucio scope name/);
        expect(refusal(["--stack", "dev", "--frobnicate"])).to.match(/frobnicate/);
    });
});

describe("transfers: state and secrets", () => {
    it("finds root's password of the site's Rucio in the exported state, plaintext or plain", () => {
        const urn = (name: string, type: string) => `urn:pulumi:dev::srcnet-site::srcnet:site:SrcSite$srcnet:rucio:SiteRucio$srcnet:rucio:RucioOnCluster$${type}::${name}`;
        const password = "random:index/randomPassword:RandomPassword";
        const state = (result: unknown, name = "dev-rucio-root", type = password) => ({ deployment: { resources: [{ urn: urn("dev-rucio-db", password), type: password, outputs: { result: "db-pw" } }, { urn: urn(name, type), type, outputs: { result } }] } });
        expect(rootPasswordFromExport(state({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: '"s3cret-root"' }), "dev")).to.equal("s3cret-root");
        expect(rootPasswordFromExport(state("plain-root"), "dev")).to.equal("plain-root");
        expect(rootPasswordFromExport(state({ ciphertext: "AAAB" }), "dev")).to.equal(undefined);
        expect(rootPasswordFromExport(state("k8s", "dev-rucio-root", "kubernetes:core/v1:Secret"), "dev")).to.equal(undefined);
        expect(rootPasswordFromExport(state("other", "prod-rucio-root"), "dev")).to.equal(undefined);
        expect(rootPasswordFromExport({}, "dev")).to.equal(undefined);
    });

    describe("the credentials", () => {
        const external = (auth: object) => {
            const site = siteOf("dev");
            site.rucio = { mode: "external", ftsUrl: "https://fts.example.org:8446", serverUrl: "https://rucio.example.org", auth };
            return deriveSite(siteSchema.parse(site));
        };
        const outputs = { rucio: { mode: "external", serverUrl: "https://rucio.example.org", authUrl: "https://rucio.example.org" } };
        const recording = (answer: (args: readonly string[]) => { status: number; stdout: string; stderr?: string }) => {
            const calls: string[][] = [];
            const run: PulumiRunner = (args) => {
                calls.push([...args]);
                const a = answer(args);
                return { status: a.status, stdout: a.stdout, stderr: a.stderr ?? "" };
            };
            return { calls, run };
        };

        it("takes the password from the environment first, else from pulumi config", () => {
            const model = external({ method: "userpass", account: "ops", username: "ops-user" });
            const r = recording(() => ({ status: 0, stdout: "from-config\n" }));
            expect(siteAuth(model, { stack: "s1", env: { SRCNET_RUCIO_PASSWORD: "from-env" }, run: r.run, outputs })).to.deep.equal({ method: "userpass", account: "ops", username: "ops-user", password: "from-env" });
            expect(r.calls).to.deep.equal([]);
            expect(siteAuth(model, { stack: "s1", env: {}, run: r.run, outputs })).to.deep.include({ password: "from-config" });
            expect(r.calls).to.deep.equal([["config", "get", "rucioPassword", "--stack", "s1"]]);
        });

        it("takes an IAM client's secret the same way, and keeps the configured issuer, audience and account", () => {
            const model = external({ method: "oidc", issuer: "https://iam.example.org/", clientId: "reg", audience: "rucio", account: "ops" });
            const r = recording(() => ({ status: 0, stdout: "client-secret-value\n" }));
            expect(siteAuth(model, { stack: "s1", env: {}, run: r.run, outputs })).to.deep.equal({
                method: "oidc",
                issuer: "https://iam.example.org/",
                clientId: "reg",
                clientSecret: "client-secret-value",
                scope: undefined,
                audience: "rucio",
                account: "ops",
            });
            expect(r.calls).to.deep.equal([["config", "get", "rucioClientSecret", "--stack", "s1"]]);
            expect(siteAuth(model, { stack: "s1", env: { SRCNET_RUCIO_CLIENT_SECRET: "env-secret" }, run: r.run, outputs })).to.deep.include({ clientSecret: "env-secret" });
        });

        it("logs in to the site's own Rucio as root, with the password from the stack's state", () => {
            const model = deriveSite(siteSchema.parse(siteOf("dev")));
            const exported = { deployment: { resources: [{ urn: "urn:pulumi:dev::srcnet-site::random:index/randomPassword:RandomPassword::dev-rucio-root", type: "random:index/randomPassword:RandomPassword", outputs: { result: { plaintext: '"root-pw"' } } }] } };
            const r = recording(() => ({ status: 0, stdout: JSON.stringify(exported) }));
            expect(siteAuth(model, { stack: "dev", env: {}, run: r.run, outputs })).to.deep.equal({ method: "userpass", account: "root", username: "root", password: "root-pw" });
            expect(r.calls).to.deep.equal([["stack", "export", "--show-secrets", "--stack", "dev"]]);
            const empty = recording(() => ({ status: 0, stdout: "{}" }));
            expect(() => siteAuth(model, { stack: "dev", env: {}, run: empty.run, outputs: { rucio: { ...outputs.rucio, mode: "deploy", namespace: "dev-rucio" } } })).to.throw(SiteInputError, /set SRCNET_RUCIO_PASSWORD \(kubectl get secret rucio-root -n dev-rucio/);
        });

        it("says why pulumi could not give a secret, without what it printed", () => {
            const model = external({ method: "userpass", account: "ops", username: "ops-user" });
            const r = recording(() => ({ status: 255, stdout: "half-printed-secret-value", stderr: "warning: something\nerror: passphrase must be set with PULUMI_CONFIG_PASSPHRASE" }));
            let message = "";
            try {
                siteAuth(model, { stack: "s1", env: {}, run: r.run, outputs });
            } catch (err) {
                expect(err).to.be.instanceOf(SiteInputError);
                message = (err as Error).message;
            }
            expect(message).to.equal("pulumi config get failed (exit 255) reading the secret rucioPassword (or set SRCNET_RUCIO_PASSWORD): error: passphrase must be set with PULUMI_CONFIG_PASSPHRASE");
            expect(message).not.to.include("half-printed-secret-value");
        });
    });
});

// `npm run transfers` as an operator runs it (node bin/tools/transfers/main.js), against the real
// Rucio test server (1.31.7) on PostgreSQL and on SQLite. Transfers are recorded in the tables the
// server reads (requests and requests_history, through Rucio's own models), with pairs that
// succeeded and failed, one that ran nothing, and some too old for the window; the matrix it
// prints, as text and JSON, is compared exactly. --test runs with a WebDAV stand-in for the
// storage, and what it made is read back through Rucio's API.
import { expect } from "chai";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { addProtocol, addRse, rucioSession, setLocalLimit } from "../components/rucio/rucio-api";
import { adler32 } from "../tools/site-access/adler32";
import { readStack, repoRoot, siteOf } from "./harness";
import { rucioToken, startRucio, type RucioServer } from "./rucio/test-server";

const cli = join(repoRoot, "bin", "tools", "transfers", "main.js");
const python = "/usr/bin/python3";

const SITE = "SITE_STORM_AB12CD";
const rses = [SITE, "PEER_A", "PEER_B"];
const ghost = "GHOST_STORM";
const storageToken = "storage-token-7f3k9q";

interface Row {
    readonly table: "requests" | "history";
    readonly src: string;
    readonly dst: string;
    readonly state: string;
    readonly hoursAgo: number;
    /** false: transferred_at stays null, and updated_at says when. */
    readonly transferred?: boolean;
    readonly id?: string;
}

/** Writes request rows with Rucio's own models, as its daemons would have left them. */
function recordTransfers(rucio: RucioServer, rows: readonly Row[], bulk: { src: string; dst: string; state: string; hoursAgo: number; count: number }[]): void {
    const script = `
import sys, json, datetime, uuid
from rucio.db.sqla.session import get_session
from rucio.db.sqla import models
from rucio.db.sqla.constants import RequestState, DIDType, RequestType
from rucio.common.types import InternalAccount, InternalScope
from rucio.core.rse import get_rse_id
spec = json.load(sys.stdin)
s = get_session()
now = datetime.datetime.utcnow()
root = InternalAccount('root')
scope = InternalScope('recorded')
ids = {}
def rse(n):
    if n not in ids:
        ids[n] = get_rse_id(rse=n, session=s)
    return ids[n]
def fields(r, name):
    at = now - datetime.timedelta(hours=r['hoursAgo'])
    return dict(id=r.get('id') or uuid.uuid4().hex, scope=scope, name=name, dest_rse_id=rse(r['dst']), source_rse_id=rse(r['src']),
                state=RequestState[r['state']], account=root, request_type=RequestType.TRANSFER,
                created_at=at - datetime.timedelta(minutes=10), updated_at=at, transferred_at=at if r.get('transferred', True) else None)
for i, r in enumerate(spec['rows']):
    name = 'recorded-%d' % i
    if r['table'] == 'requests':
        # The requests table refers to the file's DID.
        models.DataIdentifier(scope=scope, name=name, account=root, did_type=DIDType.FILE, bytes=1, adler32='00000001').save(session=s)
    (models.Request if r['table'] == 'requests' else models.RequestHistory)(**fields(r, name)).save(session=s)
for b in spec['bulk']:
    s.bulk_insert_mappings(models.RequestHistory, [fields(b, 'bulk-%d' % i) for i in range(b['count'])])
s.commit()
`;
    execFileSync(python, ["-c", script], { input: JSON.stringify({ rows, bulk }), env: { ...process.env, ...rucio.env }, cwd: join(rucio.dir, "run"), stdio: ["pipe", "pipe", "pipe"] });
}

/** A WebDAV storage stand-in: MKCOL and PUT as RFC 4918 has them, with a bearer token; one area refuses writes. */
class FakeStorage {
    readonly files = new Map<string, Buffer>();
    readonly collections = new Set<string>(["/"]);
    readonly tokens: string[] = [];
    private server?: Server;
    port = 0;

    constructor(private readonly refuseUnder: string) {}

    async start(): Promise<void> {
        this.server = createServer((req, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                const path = new URL(req.url ?? "/", "http://x").pathname;
                this.tokens.push(String(req.headers.authorization ?? ""));
                const parent = path.replace(/[^/]+\/?$/, "");
                const answer = (status: number, text = "") => {
                    res.writeHead(status, { "content-type": "text/plain" });
                    res.end(text);
                };
                if (req.headers.authorization !== `Bearer ${storageToken}`) return answer(401, "no valid token");
                if (path.startsWith(this.refuseUnder)) return answer(403, "Access denied by policy");
                if (req.method === "MKCOL") {
                    const dir = path.endsWith("/") ? path : `${path}/`;
                    if (this.collections.has(dir)) return answer(405, "exists");
                    if (!this.collections.has(parent)) return answer(409, "no parent");
                    this.collections.add(dir);
                    return answer(201);
                }
                if (req.method === "PUT") {
                    if (!this.collections.has(parent)) return answer(409, "no parent");
                    this.files.set(path, Buffer.concat(chunks));
                    return answer(201);
                }
                answer(405);
            });
        });
        await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", r));
        this.port = (this.server.address() as AddressInfo).port;
        // Each RSE's area exists, as a storage area does on StoRM.
        for (const rse of rses) this.collections.add(`/${rse}/`);
    }

    async stop(): Promise<void> {
        this.server?.closeAllConnections();
        await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    }
}

interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
}

function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
    return new Promise((resolve) => {
        execFile(process.execPath, [cli, ...args], { env, cwd: repoRoot, encoding: "utf8", timeout: 120_000 }, (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            resolve({ code, stdout, stderr });
        });
    });
}

/**
 * What `pulumi stack output --json --show-secrets` shows of the test site (SrcSite's stackOutputs):
 * its RSE's name has a test site's suffix, Rucio is the test server.
 */
function siteOutputs(rucioUrl: string, site = "dev"): object {
    const storm = "storm.dev.srcnet.example.org";
    return {
        site,
        environment: "test",
        hostnames: { storm, jupyter: "jupyter.dev.srcnet.example.org" },
        dnsRecords: [`${storm}. 300 IN A 203.0.113.206`],
        storage: { fqdn: storm, webdavUrl: `davs://${storm}:8443`, areas: [{ name: "data", url: `davs://${storm}:8443/data` }] },
        rse: { name: SITE, protocol: { scheme: "davs", hostname: storm, port: 8443, prefix: "/data/" }, oidcBasePath: "/data" },
        rucio: { mode: "external", serverUrl: rucioUrl, authUrl: rucioUrl },
    };
}

/** A test site that registers its RSE in an external Rucio (the test server) as root with userpass. */
function writeStackFile(dir: string): string {
    const site = siteOf("dev");
    site.storage.rse = "SITE_STORM";
    site.rucio = {
        mode: "external",
        ftsUrl: "https://fts.example.org:8446",
        serverUrl: "https://rucio.example.org",
        auth: { method: "userpass", account: "root", username: "ddmlab" },
        peers: [
            { rse: "PEER_A", distance: 1 },
            { rse: "PEER_B", distance: 2 },
            { rse: ghost, distance: 3 },
        ],
    };
    // The dev stack's secret keys as it has them (encrypted placeholders), and the password's.
    const secure = { secure: "v1:ZXhhbXBsZQ==:ZXhhbXBsZS1vbmx5" };
    const config: Record<string, unknown> = { "srcnet-site:site": site, "srcnet-site:rucioPassword": secure };
    for (const key of readStack("dev").secretKeys) config[key] = secure;
    const file = join(dir, "Pulumi.transfers-test.yaml");
    writeFileSync(file, JSON.stringify({ config }, null, 2));
    return file;
}

const header = "Transfers in the last 24 hours: per cent of finished transfers that succeeded (rows: source RSE, columns: destination RSE)";

for (const db of ["postgres", "sqlite"] as const) {
    describe(`npm run transfers against the real Rucio server (${db})`, function () {
        this.timeout(180_000);
        let rucio: RucioServer;
        let dir: string;
        let stackFile: string;
        let outputsFile: string;
        let env: NodeJS.ProcessEnv;
        const storage = new FakeStorage("/PEER_B/");
        const base = () => ["--stack", "transfers-test", "--stack-file", stackFile, "--outputs", outputsFile];

        before(async () => {
            rucio = await startRucio({ db });
            await storage.start();
            dir = mkdtempSync(join(tmpdir(), "srcnet-transfers-"));
            stackFile = writeStackFile(dir);
            outputsFile = join(dir, "outputs.json");
            writeFileSync(outputsFile, JSON.stringify(siteOutputs(rucio.url)));
            env = { PATH: process.env.PATH, HOME: dir, SRCNET_RUCIO_PASSWORD: rucio.password };

            const s = rucioSession({ serverUrl: rucio.url, authUrl: rucio.url }, { method: "userpass", account: rucio.account, username: rucio.username, password: rucio.password });
            for (const rse of rses) {
                await addRse(s, rse, { deterministic: true, rseType: "DISK", volatile: false });
                await addProtocol(s, rse, {
                    scheme: "http",
                    hostname: "127.0.0.1",
                    port: storage.port,
                    prefix: `/${rse}/`,
                    impl: "rucio.rse.protocols.gfal.Default",
                    domains: { lan: { read: 1, write: 1, delete: 1 }, wan: { read: 1, write: 1, delete: 1, third_party_copy_read: 1, third_party_copy_write: 1 } },
                });
                await setLocalLimit(s, rucio.account, rse, 1_000_000_000);
            }
            const token = await rucioToken(rucio);
            const scope = await fetch(`${rucio.url}/accounts/root/scopes/recorded`, { method: "POST", headers: { "X-Rucio-Auth-Token": token } });
            expect(scope.status).to.equal(201);

            const pb = "PEER_B";
            const pa = "PEER_A";
            recordTransfers(
                rucio,
                [
                    // SITE -> PEER_A: 3 of 4 in the last day (75%), one more success 30 hours ago, one in progress.
                    { table: "history", src: SITE, dst: pa, state: "DONE", hoursAgo: 1 },
                    { table: "history", src: SITE, dst: pa, state: "DONE", hoursAgo: 2 },
                    { table: "history", src: SITE, dst: pa, state: "DONE", hoursAgo: 3 },
                    { table: "history", src: SITE, dst: pa, state: "FAILED", hoursAgo: 2 },
                    { table: "history", src: SITE, dst: pa, state: "DONE", hoursAgo: 30 },
                    { table: "requests", src: SITE, dst: pa, state: "SUBMITTED", hoursAgo: 0.2 },
                    // PEER_A -> SITE: two done not yet archived, one lost (66%).
                    { table: "requests", src: pa, dst: SITE, state: "DONE", hoursAgo: 1 },
                    { table: "requests", src: pa, dst: SITE, state: "DONE", hoursAgo: 1.5 },
                    { table: "history", src: pa, dst: SITE, state: "LOST", hoursAgo: 5 },
                    // SITE -> PEER_B: a success the transfer tool gave no time for (updated_at counts), two failures (33%).
                    { table: "history", src: SITE, dst: pb, state: "DONE", hoursAgo: 1, transferred: false },
                    { table: "history", src: SITE, dst: pb, state: "SUBMISSION_FAILED", hoursAgo: 1 },
                    { table: "history", src: SITE, dst: pb, state: "FAILED", hoursAgo: 4 },
                    // ...and a request cancelled while queued, archived so: no outcome.
                    { table: "history", src: SITE, dst: pb, state: "QUEUED", hoursAgo: 1 },
                    // PEER_B -> SITE: nothing.
                    // PEER_A -> PEER_B: ended without a transfer: not counted.
                    { table: "history", src: pa, dst: pb, state: "MISMATCH_SCHEME", hoursAgo: 1 },
                    // PEER_B -> PEER_A: one request seen in both tables (archived between two reads) counts once;
                    // one failure 26 hours ago. With the 1001 below: 1002 of 1002 today, 1002 of 1003 in two days.
                    { table: "requests", src: pb, dst: pa, state: "SUBMITTED", hoursAgo: 1.2, id: "0123456789abcdef0123456789abcdef" },
                    { table: "history", src: pb, dst: pa, state: "DONE", hoursAgo: 1, id: "0123456789abcdef0123456789abcdef" },
                    { table: "history", src: pb, dst: pa, state: "FAILED", hoursAgo: 26 },
                ],
                // More than a page of history (1000 rows a page).
                [{ src: pb, dst: pa, state: "DONE", hoursAgo: 2, count: 1001 }],
            );
        });

        after(async () => {
            await storage.stop();
            await rucio?.stop();
            if (dir) rmSync(dir, { recursive: true, force: true });
        });

        it("prints the matrix of the site's RSE and its peers, NO DATA where nothing finished", async () => {
            const r = await runCli(base(), env);
            expect(r.stderr).to.equal(`warning: Rucio has no RSE ${ghost}; its row and column are NO DATA\n`);
            expect(r.code).to.equal(0);
            expect(r.stdout).to.equal(
                [
                    header,
                    "Src\\Dst            SITE_STORM_AB12CD  PEER_A   PEER_B   GHOST_STORM",
                    "SITE_STORM_AB12CD  NO DATA            75%      33%      NO DATA",
                    "PEER_A             66%                NO DATA  NO DATA  NO DATA",
                    "PEER_B             NO DATA            100%     NO DATA  NO DATA",
                    "GHOST_STORM        NO DATA            NO DATA  NO DATA  NO DATA",
                    "In progress, not counted: SITE_STORM_AB12CD -> PEER_A 1",
                    "Ended without a transfer (no usable source or protocol), not counted: PEER_A -> PEER_B 1",
                    "",
                ].join("\n"),
            );
        });

        it("writes the same as JSON, with every count", async () => {
            const before = Date.now();
            const r = await runCli([...base(), "--json"], env);
            expect(r.code).to.equal(0);
            const j = JSON.parse(r.stdout);
            expect(j.rses).to.deep.equal([SITE, "PEER_A", "PEER_B", ghost]);
            expect(j.site).to.equal(SITE);
            expect(j.missingRses).to.deep.equal([ghost]);
            expect(j.window.hours).to.equal(24);
            expect(Date.parse(j.window.to)).to.be.within(before, Date.now());
            expect(Date.parse(j.window.to) - Date.parse(j.window.from)).to.equal(24 * 3600_000);
            const cell = (a: string, b: string) => j.cells[j.rses.indexOf(a)][j.rses.indexOf(b)];
            const counts = (c: any) => [c.succeeded, c.failed, c.notAttempted, c.inProgress, c.percent];
            expect(counts(cell(SITE, "PEER_A"))).to.deep.equal([3, 1, 0, 1, 75]);
            expect(counts(cell("PEER_A", SITE))).to.deep.equal([2, 1, 0, 0, 66]);
            expect(counts(cell(SITE, "PEER_B"))).to.deep.equal([1, 2, 0, 0, 33]);
            expect(counts(cell("PEER_B", SITE))).to.deep.equal([0, 0, 0, 0, null]);
            expect(counts(cell("PEER_A", "PEER_B"))).to.deep.equal([0, 0, 1, 0, null]);
            expect(counts(cell("PEER_B", "PEER_A"))).to.deep.equal([1002, 0, 0, 0, 100]);
            for (const r of j.rses) expect(counts(cell(r, r))).to.deep.equal([0, 0, 0, 0, null]);
            expect(j.cells.flat().filter((c: any) => c.source === ghost || c.destination === ghost).every((c: any) => c.percent === null && c.succeeded + c.failed === 0)).to.equal(true);
            expect(j).not.to.have.property("tests");
        });

        it("counts older transfers only when the window reaches them (--hours)", async () => {
            const wide = JSON.parse((await runCli([...base(), "--json", "--hours", "48"], env)).stdout);
            const cell = (j: any, a: string, b: string) => j.cells[j.rses.indexOf(a)][j.rses.indexOf(b)];
            expect(cell(wide, SITE, "PEER_A")).to.deep.include({ succeeded: 4, failed: 1, percent: 80 });
            expect(cell(wide, "PEER_B", "PEER_A")).to.deep.include({ succeeded: 1002, failed: 1, percent: 99 });
            const narrow = JSON.parse((await runCli([...base(), "--json", "--hours", "1.75"], env)).stdout);
            // In the last 1.75 hours: SITE -> PEER_A only the success an hour ago; PEER_A -> SITE both done; the lost one is older.
            expect(cell(narrow, SITE, "PEER_A")).to.deep.include({ succeeded: 1, failed: 0, percent: 100 });
            expect(cell(narrow, "PEER_A", SITE)).to.deep.include({ succeeded: 2, failed: 0, percent: 100 });
            expect(cell(narrow, "PEER_B", "PEER_A")).to.deep.include({ succeeded: 1, failed: 0 });
            const text = (await runCli([...base(), "--hours", "48"], env)).stdout;
            expect(text.split("\n")[0]).to.equal(header.replace("24 hours", "48 hours"));
            expect(text.split("\n")[2]).to.equal("SITE_STORM_AB12CD  NO DATA            80%      33%      NO DATA");
        });

        it("says what is wrong with how it was called, or with the stack, with exit code 2", async () => {
            const noFlag = await runCli(["--hours", "3"], env);
            expect(noFlag.code).to.equal(2);
            expect(noFlag.stderr).to.match(/^--stack is required\nusage: npm run transfers/);
            const noStack = await runCli(["--stack", "nonexistent", "--stack-file", join(dir, "missing.yaml"), "--outputs", outputsFile], env);
            expect(noStack.code).to.equal(2);
            expect(noStack.stderr).to.include(`cannot read the stack file ${join(dir, "missing.yaml")}: no such file`);
            const noToken = await runCli([...base(), "--test"], env);
            expect(noToken.code).to.equal(2);
            expect(noToken.stderr).to.match(/--test writes its files to the RSEs' storage and needs a token .* in SRCNET_STORAGE_TOKEN/);
        });

        it("refuses the outputs of another site than the stack file's, with exit code 2, before asking Rucio", async () => {
            const other = join(dir, "other-outputs.json");
            writeFileSync(other, JSON.stringify(siteOutputs(rucio.url, "uksrc")));
            const r = await runCli(["--stack", "transfers-test", "--stack-file", stackFile, "--outputs", other], env);
            expect(r.code).to.equal(2);
            expect(r.stdout).to.equal("");
            expect(r.stderr).to.equal("the stack outputs are of site uksrc, the config of site dev: give the outputs of the same stack\n");
        });

        if (db !== "postgres") return;

        it("--test writes a file to each source, registers it and makes rules with a lifetime both ways; a refused one is reported", async () => {
            const started = Date.now();
            const r = await runCli([...base(), "--json", "--test", "--lifetime", "30", "--wait", "0.1"], { ...env, SRCNET_STORAGE_TOKEN: storageToken });
            // PEER_B's storage refuses the write: that one test transfer is not started, and the exit code says so.
            expect(r.code).to.equal(1);
            expect(r.stdout + r.stderr).not.to.include(storageToken);
            const j = JSON.parse(r.stdout);
            expect(j.tests.map((t: any) => `${t.source}>${t.destination}`)).to.deep.equal([`${SITE}>PEER_A`, `PEER_A>${SITE}`, `${SITE}>PEER_B`, `PEER_B>${SITE}`, `${SITE}>${ghost}`, `${ghost}>${SITE}`]);
            // The peer Rucio does not have: nothing tried.
            expect(j.tests.slice(4).map((t: any) => t.error)).to.deep.equal([`Rucio has no RSE ${ghost}`, `Rucio has no RSE ${ghost}`]);
            const refused = j.tests[3];
            expect(refused.error).to.match(/^the storage refused PUT http:\/\/127\.0\.0\.1:\d+\/PEER_B\/transfer-tests\/[0-9a-f]{2}\/[0-9a-f]{2}\/transfer-test\.PEER_B\.SITE_STORM_AB12CD\.\d{8}T\d{6}Z\.[0-9a-f]{6}: HTTP 403 Access denied by policy; the token must be one/);
            expect(refused).not.to.have.property("destinationRule");
            // The matrix follows as ever.
            expect(j.rses).to.deep.equal([SITE, "PEER_A", "PEER_B", ghost]);

            const token = await rucioToken(rucio);
            const get = async (path: string, stream = false) => {
                const a = await fetch(`${rucio.url}${path}`, { headers: { "X-Rucio-Auth-Token": token, accept: stream ? "application/x-json-stream" : "application/json" } });
                expect(a.status, `GET ${path}`).to.equal(200);
                const text = await a.text();
                return stream ? text.trim().split("\n").map((l) => JSON.parse(l)) : JSON.parse(text);
            };
            const scopes = await get("/accounts/root/scopes/");
            expect(scopes).to.include("transfer-tests");
            const until = (at: string) => Date.parse(at.replace(/ UTC$/, " GMT"));
            for (const t of j.tests.slice(0, 3)) {
                expect(t.scope).to.equal("transfer-tests");
                expect(t.name).to.match(new RegExp(`^transfer-test\\.${t.source}\\.${t.destination}\\.\\d{8}T\\d{6}Z\\.[0-9a-f]{6}$`));
                // The file is on the source's storage where Rucio says it is, with the checksum Rucio holds.
                const pfns = await get(`/rses/${t.source}/lfns2pfns?lfn=transfer-tests:${t.name}&operation=write`);
                const path = new URL(pfns[`transfer-tests:${t.name}`]).pathname;
                const content = storage.files.get(path);
                expect(content, path).to.not.equal(undefined);
                expect(content!.toString()).to.include(`transfer-tests:${t.name}`);
                const did = await get(`/dids/transfer-tests/${t.name}`);
                expect(did).to.deep.include({ type: "FILE", bytes: content!.length, adler32: adler32(content!), account: "root" });
                const replicas = await get(`/replicas/transfer-tests/${t.name}`, true);
                expect(Object.keys(replicas[0].rses)).to.deep.equal([t.source]);
                // Two rules that expire: one keeps the source, one makes the transfer, from that source.
                const dst = await get(`/rules/${t.destinationRule}`);
                expect(dst).to.deep.include({ rse_expression: t.destination, source_replica_expression: t.source, account: "root", copies: 1, activity: "Functional Test", scope: "transfer-tests", name: t.name });
                expect(until(dst.expires_at)).to.be.within(started + 29 * 60_000, Date.now() + 31 * 60_000);
                const src = await get(`/rules/${t.sourceRule}`);
                expect(src).to.deep.include({ rse_expression: t.source, account: "root" });
                expect(until(src.expires_at)).to.be.within(started + 29 * 60_000, Date.now() + 31 * 60_000);
                // The conveyor has a request to work on (no daemon runs here: it stays queued).
                const request = await get(`/requests/transfer-tests/${t.name}/${t.destination}`);
                expect(request).to.deep.include({ state: "QUEUED", dest_rse: t.destination });
                // --wait read the rule's state.
                expect(t.ruleState).to.equal("REPLICATING");
            }
            // Every storage request carried the token.
            expect(storage.tokens.length).to.be.above(0);
            expect(storage.tokens.every((h) => h === `Bearer ${storageToken}`)).to.equal(true);
            // Nothing was written under the area that refused.
            expect([...storage.files.keys()].filter((p) => p.startsWith("/PEER_B/"))).to.deep.equal([]);
        });

        describe("without --outputs and secrets in the environment: through the pulumi CLI", () => {
            let bin: string;
            let log: string;
            before(() => {
                bin = join(dir, "fake-bin");
                execFileSync("mkdir", ["-p", bin]);
                log = join(dir, "pulumi.log");
                // A stand-in for pulumi that records how it was called and answers as pulumi would.
                const script = `#!/bin/sh
echo "$(pwd) $*" >> "$FAKE_PULUMI_LOG"
case "$*" in
  "stack output --json --show-secrets --stack transfers-test") cat "$FAKE_PULUMI_OUTPUTS" ;;
  "config get rucioPassword --stack transfers-test") printf '%s\\n' "$FAKE_PULUMI_PASSWORD" ;;
  *) echo "error: unexpected: $*" >&2; exit 3 ;;
esac
`;
                writeFileSync(join(bin, "pulumi"), script);
                chmodSync(join(bin, "pulumi"), 0o755);
            });
            const pulumiEnv = (password: string) => ({ PATH: `${bin}:${process.env.PATH}`, HOME: dir, FAKE_PULUMI_LOG: log, FAKE_PULUMI_OUTPUTS: outputsFile, FAKE_PULUMI_PASSWORD: password });

            it("reads the outputs and the password with pulumi, in the project", async () => {
                writeFileSync(log, "");
                const r = await runCli(["--stack", "transfers-test", "--stack-file", stackFile], pulumiEnv(rucio.password));
                expect(r.stderr).to.equal(`warning: Rucio has no RSE ${ghost}; its row and column are NO DATA\n`);
                expect(r.code).to.equal(0);
                expect(r.stdout.split("\n")[2]).to.equal("SITE_STORM_AB12CD  NO DATA            75%      33%      NO DATA");
                expect(readFileSync(log, "utf8")).to.equal(`${repoRoot} stack output --json --show-secrets --stack transfers-test\n${repoRoot} config get rucioPassword --stack transfers-test\n`);
            });

            it("fails with exit code 1 when Rucio refuses the login, and never shows the password", async () => {
                const wrong = "wrong-password-Q7Z4";
                const r = await runCli(["--stack", "transfers-test", "--stack-file", stackFile], pulumiEnv(wrong));
                expect(r.code).to.equal(1);
                expect(r.stdout).to.equal("");
                expect(r.stderr).to.match(/refused the login of Rucio account root \(userpass, username ddmlab\): HTTP 401/);
                expect(r.stderr).not.to.include(wrong);
                // As the exit codes of docs/transfers.md say: no matrix when Rucio refuses, only with a test transfer not started.
                const exit1 = readFileSync(join(repoRoot, "docs", "transfers.md"), "utf8").split("\n").find((l) => l.startsWith("| 1 |"));
                expect(exit1).to.match(/refused login.*nothing is printed on stdout/).and.match(/test.* transfer could not be started.*the matrix is printed/);
            });
        });
    });
}

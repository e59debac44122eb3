// The storage checks against Debian's apache2 with mod_dav behaving as StoRM-WebDAV does
// (test/webdav/apache-dav.ts: bearer tokens, the adler32 Digest header, the actuator's health),
// reached by the site's StoRM name through a DNS server on loopback; and against the same storage
// misbehaving: open to anonymous writes, a wrong or missing checksum, health DOWN or absent.
import { expect } from "chai";
import { Resolver } from "node:dns/promises";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { lookupVia, probe, type Network } from "../tools/smoke/net";
import type { StoragePlan } from "../tools/smoke/plan";
import type { CheckResult } from "../tools/smoke/result";
import { storageChecks } from "../tools/smoke/storage";
import { startWebdav, type WebdavOptions, type WebdavStorage } from "./webdav/apache-dav";
import { startDnsServer, type DnsServer } from "./smoke/dns-server";
import { area, host } from "./smoke/site";

const token = "smoke-storage-token-7f3a9c";
const byName = (results: readonly CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r]));
const statuses = (results: readonly CheckResult[]) => results.map((r) => `${r.name} ${r.status}`);

describe("smoke checks: the storage", function () {
    this.timeout(120_000);
    let dns: DnsServer;
    let net: Network;
    const started: WebdavStorage[] = [];

    before(async () => {
        dns = await startDnsServer({ [host.storm]: ["127.0.0.1"] });
        const resolver = new Resolver({ timeout: 2000, tries: 1 });
        resolver.setServers([dns.address]);
        net = { lookup: lookupVia(resolver), timeoutMs: 10_000 };
    });
    afterEach(async () => {
        await Promise.all(started.splice(0).map((s) => s.stop()));
    });
    after(() => dns.stop());

    /** A storage for the site's StoRM name, with the RSE's area made (MKCOL, as a client with the token may). */
    async function storage(opts: WebdavOptions): Promise<{ webdav: WebdavStorage; plan: StoragePlan }> {
        const webdav = await startWebdav({ serverNames: [host.storm], ...opts });
        started.push(webdav);
        const base = `https://${host.storm}:${webdav.port}`;
        const made = await probe(net, { method: "MKCOL", url: `${base}/${area}/`, headers: { authorization: `Bearer ${token}` }, ca: [webdav.caPem] });
        expect(made.status).to.equal(201);
        return { webdav, plan: { base, healthUrl: `${base}/.storm-webdav/actuator/health`, areaUrl: `${base}/${area}/`, anonymousRead: false, ca: [webdav.caPem] } };
    }

    const areaFiles = (webdav: WebdavStorage) => (existsSync(join(webdav.root, area)) ? readdirSync(join(webdav.root, area)) : []);

    it("passes StoRM's behaviour: health UP, a file written, read, checksummed and deleted with the token, nothing without it", async () => {
        const { webdav, plan } = await storage({ bearerTokens: [token], health: "UP" });
        const results = await storageChecks({ plan, net, token, noToken: "-", fileName: "smoke-file" });
        expect(statuses(results)).to.deep.equal(["health pass", "write pass", "read pass", "checksum pass", "no token pass", "delete pass"]);
        expect(byName(results).checksum.detail).to.match(/^adler32=[0-9a-f]{8}$/);
        expect(byName(results)["no token"].detail).to.equal("refused: PUT 401, GET 401");
        // The checks leave nothing in the area.
        expect(areaFiles(webdav)).to.deep.equal([]);
        expect(webdav.requests().filter((r) => r.includes("smoke-file"))).to.deep.equal([
            `PUT /${area}/smoke-file 201`,
            `GET /${area}/smoke-file 200`,
            `HEAD /${area}/smoke-file 200`,
            `PUT /${area}/smoke-file-anonymous 401`,
            `GET /${area}/smoke-file 401`,
            `DELETE /${area}/smoke-file 204`,
            `GET /${area}/smoke-file 404`,
        ]);
        expect(JSON.stringify(results)).not.to.include(token);
    });

    it("fails a storage that takes writes without a token, and removes what the anonymous write left", async () => {
        const { webdav, plan } = await storage({ health: "UP" });
        const results = await storageChecks({ plan, net, token, noToken: "-", fileName: "open-file" });
        expect(byName(results)["no token"]).to.include({ status: "fail", detail: "a PUT without a token got HTTP 201, not 401 or 403; a GET without a token got HTTP 200, not 401 or 403" });
        expect(areaFiles(webdav)).to.deep.equal([]);
    });

    it("says so when an anonymous write left a file it has no token to remove", async () => {
        const { webdav, plan } = await storage({ health: "UP" });
        const results = await storageChecks({ plan, net, noToken: "no site.checks", fileName: "left-file" });
        expect(byName(results)["no token"]).to.include({
            status: "fail",
            detail: `a PUT without a token got HTTP 201, not 401 or 403; the file it wrote, ${plan.areaUrl}left-file-anonymous, is left in the area (no token to delete it with)`,
        });
        expect(areaFiles(webdav)).to.deep.equal(["left-file-anonymous"]);
    });

    it("names the file an anonymous write left when the storage refuses to delete it with the token", async () => {
        const { webdav, plan } = await storage({ health: "UP", refuseMethods: ["DELETE"] });
        const results = await storageChecks({ plan, net, token, noToken: "-", fileName: "stuck-file" });
        expect(byName(results)["no token"]).to.include({
            status: "fail",
            detail: `a PUT without a token got HTTP 201, not 401 or 403; a GET without a token got HTTP 200, not 401 or 403; the file it wrote, ${plan.areaUrl}stuck-file-anonymous, is left in the area (DELETE with the token: HTTP 403)`,
        });
        expect(webdav.requests().filter((r) => r.includes("stuck-file-anonymous"))).to.deep.equal([`PUT /${area}/stuck-file-anonymous 201`, `DELETE /${area}/stuck-file-anonymous 403`]);
        expect(areaFiles(webdav).sort()).to.deep.equal(["stuck-file", "stuck-file-anonymous"]);
    });

    it("does not count an anonymous read against an area that allows it (anonymousRead)", async () => {
        const { plan } = await storage({ health: "UP" });
        const results = await storageChecks({ plan: { ...plan, anonymousRead: true }, net, token, noToken: "-", fileName: "readable-file" });
        // The anonymous write is still a fault; the read is not asked.
        expect(byName(results)["no token"].detail).to.equal("a PUT without a token got HTTP 201, not 401 or 403");
    });

    it("fails a checksum that is not the file's, and one that is missing", async () => {
        const wrong = await storage({ bearerTokens: [token], health: "UP", digest: "wrong" });
        const w = byName(await storageChecks({ plan: wrong.plan, net, token, noToken: "-" }));
        expect(w.checksum.status).to.equal("fail");
        expect(w.checksum.detail).to.match(/^Digest adler32=[0-9a-f]{8}, but the file's is [0-9a-f]{8}$/);
        expect(w.delete.status).to.equal("pass");
        const none = await storage({ bearerTokens: [token], health: "UP", digest: "none" });
        const n = byName(await storageChecks({ plan: none.plan, net, token, noToken: "-" }));
        expect(n.checksum).to.include({ status: "fail", detail: "no adler32 in the Digest header (none); Rucio's verify_checksum needs it" });
    });

    it("fails health that is DOWN, or not StoRM's at all", async () => {
        const down = await storage({ bearerTokens: [token], health: "DOWN" });
        expect(byName(await storageChecks({ plan: down.plan, net, token, noToken: "-" })).health).to.include({ status: "fail", detail: 'HTTP 503, status "DOWN"' });
        const absent = await storage({ bearerTokens: [token] });
        expect(byName(await storageChecks({ plan: absent.plan, net, token, noToken: "-" })).health).to.include({ status: "fail", detail: "HTTP 401, not StoRM's health answer" });
    });

    it("fails a read or a delete the storage refuses, and says that the file is left", async () => {
        const noRead = await storage({ bearerTokens: [token], health: "UP", refuseMethods: ["GET"] });
        const r = byName(await storageChecks({ plan: noRead.plan, net, token, noToken: "-" }));
        expect(r.read).to.include({ status: "fail", detail: "GET with the token: HTTP 403" });
        const noDelete = await storage({ bearerTokens: [token], health: "UP", refuseMethods: ["DELETE"] });
        const d = byName(await storageChecks({ plan: noDelete.plan, net, token, noToken: "-", fileName: "kept-file" }));
        expect(d.delete).to.include({ status: "fail", detail: "DELETE with the token: HTTP 403; the file is left in the area" });
        expect(areaFiles(noDelete.webdav)).to.deep.equal(["kept-file"]);
    });

    it("fails a write the storage refuses to the token, and skips what depends on it", async () => {
        const { webdav, plan } = await storage({ bearerTokens: [token], health: "UP" });
        const results = await storageChecks({ plan, net, token: "a-token-the-storage-does-not-know", noToken: "-" });
        expect(statuses(results)).to.deep.equal(["health pass", "write fail", "read skip", "checksum skip", "no token pass", "delete skip"]);
        expect(areaFiles(webdav)).to.deep.equal([]);
    });

    it("without a token, still checks health and that a request without one is refused", async () => {
        const { plan } = await storage({ bearerTokens: [token], health: "UP" });
        const results = await storageChecks({ plan, net, noToken: "no site.checks" });
        expect(statuses(results)).to.deep.equal(["health pass", "write skip", "read skip", "checksum skip", "delete skip", "no token pass"]);
        expect(byName(results).write.detail).to.equal("no site.checks");
    });

    it("takes a token accepted after the start (acceptBearerToken), as the end-to-end test's IAM tap does", async () => {
        const { webdav, plan } = await storage({ bearerTokens: [token], health: "UP" });
        const later = "a-token-issued-later-0d2e";
        expect(byName(await storageChecks({ plan, net, token: later, noToken: "-" })).write.status).to.equal("fail");
        webdav.acceptBearerToken(later);
        expect(byName(await storageChecks({ plan, net, token: later, noToken: "-" })).write.status).to.equal("pass");
    });
});

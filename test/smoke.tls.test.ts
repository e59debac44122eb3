// The TLS checks against HTTPS servers on loopback with certificates made by openssl here: one
// that is fit, and one for each fault the check must find (a name it is not for, an untrusted CA,
// ten days left, Let's Encrypt staging on a production site).
import { expect } from "chai";
import { Resolver } from "node:dns/promises";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { lookupVia, type Network } from "../tools/smoke/net";
import type { TlsEndpoint } from "../tools/smoke/plan";
import { tlsChecks, type TlsRules } from "../tools/smoke/tls";
import { TestCa, type Leaf } from "./smoke/certs";
import { startDnsServer, type DnsServer } from "./smoke/dns-server";
import { host } from "./smoke/site";

describe("smoke checks: TLS", function () {
    this.timeout(60_000);
    const servers: Server[] = [];
    let dns: DnsServer;
    let net: Network;
    let ca: TestCa;
    let staging: TestCa;
    let stranger: TestCa;
    const rules = (over: Partial<TlsRules> = {}): TlsRules => ({ production: false, minDays: 14, now: new Date(), ...over });

    async function serve(leaf: Leaf): Promise<number> {
        const server = createServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => res.end("ok"));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        servers.push(server);
        return (server.address() as AddressInfo).port;
    }

    const endpoint = (port: number, trust: readonly string[], name: string = host.storm): TlsEndpoint => ({ service: "storm", host: name, port, ca: trust });

    before(async () => {
        ca = new TestCa("srcnet-site smoke test CA");
        // Named as Let's Encrypt names its staging hierarchy.
        staging = new TestCa("(STAGING) Pretend Pear X1", "(STAGING) Internet Security Research Group");
        stranger = new TestCa("someone else's CA");
        dns = await startDnsServer({ [host.storm]: ["127.0.0.1"], [host.jupyter]: ["127.0.0.1"] });
        const resolver = new Resolver({ timeout: 2000, tries: 1 });
        resolver.setServers([dns.address]);
        net = { lookup: lookupVia(resolver), timeoutMs: 5000 };
    });
    after(async () => {
        for (const s of servers) {
            s.closeAllConnections();
            await new Promise<void>((r) => s.close(() => r()));
        }
        await dns.stop();
        for (const c of [ca, staging, stranger]) c.dispose();
    });

    it("passes a certificate for the name, from a trusted CA, with time left; reached by the site's name through the given DNS", async () => {
        const port = await serve(ca.issue([host.storm], 60));
        const [r] = await tlsChecks([endpoint(port, [ca.pem])], net, rules());
        expect(r).to.include({ family: "tls", name: "storm", target: `${host.storm}:${port}`, status: "pass" });
        expect(r.detail).to.match(/^issuer srcnet-site smoke test CA, valid until \d{4}-\d\d-\d\d \((59|60) days\)$/);
    });

    it("fails a certificate for another name", async () => {
        const port = await serve(ca.issue([host.jupyter], 60));
        const [r] = await tlsChecks([endpoint(port, [ca.pem])], net, rules());
        expect(r.status).to.equal("fail");
        expect(r.detail).to.include(`Hostname/IP does not match certificate's altnames: Host: ${host.storm}. is not in the cert's altnames: DNS:${host.jupyter}`);
    });

    it("fails a chain that does not verify against the public roots and the CAs given", async () => {
        const port = await serve(stranger.issue([host.storm], 60));
        const [r] = await tlsChecks([endpoint(port, [ca.pem])], net, rules());
        expect(r).to.include({ status: "fail", detail: "the chain does not verify: UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
        const [trusted] = await tlsChecks([endpoint(port, [stranger.pem])], net, rules());
        expect(trusted.status).to.equal("pass");
    });

    it("fails a certificate that ends within 14 days, and another limit moves the line", async () => {
        const port = await serve(ca.issue([host.storm], 10));
        const [r] = await tlsChecks([endpoint(port, [ca.pem])], net, rules());
        expect(r.status).to.equal("fail");
        expect(r.detail).to.match(/^expires in (9|10) days \(\d{4}-\d\d-\d\d\), sooner than the 14 days allowed$/);
        const [later] = await tlsChecks([endpoint(port, [ca.pem])], net, rules({ minDays: 7 }));
        expect(later.status).to.equal("pass");
        const [ended] = await tlsChecks([endpoint(port, [ca.pem])], net, rules({ now: new Date(Date.now() + 11 * 86_400_000) }));
        expect(ended.detail).to.match(/expired on /);
    });

    it("fails a Let's Encrypt staging certificate on a production site, and not on a test site", async () => {
        const port = await serve(staging.issue([host.storm], 60));
        const [test] = await tlsChecks([endpoint(port, [staging.pem])], net, rules());
        expect(test.status).to.equal("pass");
        const [production] = await tlsChecks([endpoint(port, [staging.pem])], net, rules({ production: true }));
        expect(production).to.include({ status: "fail", detail: "issued by Let's Encrypt staging ((STAGING) Pretend Pear X1) on a production site" });
    });

    it("fails an endpoint that does not answer, and reports every endpoint", async () => {
        const good = await serve(ca.issue([host.storm, host.jupyter], 60));
        // A server that stopped: nothing listens on its port any more.
        const gone = await serve(ca.issue([host.jupyter], 60));
        const stopped = servers.pop()!;
        await new Promise<void>((r) => stopped.close(() => r()));
        const results = await tlsChecks([endpoint(good, [ca.pem]), { ...endpoint(gone, [ca.pem], host.jupyter), service: "jupyter" }], net, rules());
        expect(results.map((r) => `${r.name} ${r.status}`)).to.deep.equal(["storm pass", "jupyter fail"]);
        expect(results[1].detail).to.match(/ECONNREFUSED/);
    });
});

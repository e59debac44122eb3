// The DNS checks against a DNS server on loopback, asked through node's Resolver as --dns-server
// asks it: every hostname must resolve to the address the site gave it, and only to it.
import { expect } from "chai";
import { Resolver } from "node:dns/promises";
import { lookup as callbackLookup } from "node:dns";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dnsChecks } from "../tools/smoke/dns";
import { lookupVia, probe } from "../tools/smoke/net";
import { readOutputs } from "../tools/site-access/outputs";
import { startDnsServer, type DnsServer } from "./smoke/dns-server";
import { host, smokeOutputs } from "./smoke/site";

describe("smoke checks: DNS", () => {
    let dns: DnsServer;
    let resolver: Resolver;
    const outputs = (change?: (o: any) => void) => readOutputs(smokeOutputs({ storm: 8443, rucio: 443, jupyter: 443 }, change));
    const everyName = () => Object.fromEntries(Object.values(host).map((h) => [h, ["127.0.0.1"]]));
    const statusOf = (results: Awaited<ReturnType<typeof dnsChecks>>) => Object.fromEntries(results.map((r) => [r.name, r.status]));

    before(async () => {
        dns = await startDnsServer();
        resolver = new Resolver({ timeout: 2000, tries: 1 });
        resolver.setServers([dns.address]);
    });
    after(() => dns.stop());
    beforeEach(() => {
        dns.records.clear();
        for (const [name, addresses] of Object.entries(everyName())) dns.records.set(name, addresses);
    });

    it("passes when every hostname resolves to the address of its record, asking the given server", async () => {
        const results = await dnsChecks(outputs(), resolver);
        expect(results.map((r) => [r.name, r.target, r.status, r.detail])).to.deep.equal([
            ["jupyter", host.jupyter, "pass", "127.0.0.1"],
            ["rucio", host.rucio, "pass", "127.0.0.1"],
            ["rucioWebui", host.rucioWebui, "pass", "127.0.0.1"],
            ["storm", host.storm, "pass", "127.0.0.1"],
        ]);
        expect(dns.asked).to.include(host.storm);
    });

    it("fails a hostname that resolves elsewhere, to more, or not at all", async () => {
        dns.records.set(host.storm, ["127.0.0.2"]);
        dns.records.set(host.rucio, ["127.0.0.1", "127.0.0.3"]);
        dns.records.delete(host.jupyter);
        const results = await dnsChecks(outputs(), resolver);
        expect(statusOf(results)).to.deep.equal({ jupyter: "fail", rucio: "fail", rucioWebui: "pass", storm: "fail" });
        const detail = (name: string) => results.find((r) => r.name === name)!.detail;
        expect(detail("storm")).to.equal("resolves to 127.0.0.2 (A), not 127.0.0.1 as the site gave it");
        expect(detail("rucio")).to.equal("resolves to 127.0.0.1, 127.0.0.3 (A), not 127.0.0.1 as the site gave it");
        expect(detail("jupyter")).to.equal("has no A record; the site gave it 127.0.0.1");
    });

    it("fails a hostname that resolves to an address of the other family too, asking for A and AAAA whatever the site gave", async () => {
        dns.records.set(host.storm, ["127.0.0.1", "2001:db8::7"]);
        const results = await dnsChecks(outputs(), resolver);
        expect(results.find((r) => r.name === "storm")).to.include({ status: "fail", detail: "resolves to 2001:db8::7 (AAAA) too, which the site gave no record of" });
        expect(statusOf(results)).to.deep.include({ rucio: "pass", rucioWebui: "pass", jupyter: "pass" });
        // An AAAA record the site gives is compared as its A records are.
        const both = outputs((o) => o.dnsRecords.push(`${host.storm}. 300 IN AAAA 2001:db8::7`));
        expect(results.length).to.equal(4);
        const again = await dnsChecks(both, resolver);
        expect(again.find((r) => r.name === "storm")).to.include({ status: "pass", detail: "127.0.0.1, 2001:db8::7" });
        dns.records.set(host.storm, ["127.0.0.1", "2001:db8::8"]);
        expect((await dnsChecks(both, resolver)).find((r) => r.name === "storm")).to.include({ status: "fail", detail: "resolves to 2001:db8::8 (AAAA), not 2001:db8::7 as the site gave it" });
    });

    it("fails when the site's record itself names another address than DNS has", async () => {
        const results = await dnsChecks(outputs((o) => (o.dnsRecords[0] = `${host.storm}. 300 IN A 192.0.2.7`)), resolver);
        expect(results.find((r) => r.name === "storm")).to.include({ status: "fail", detail: "resolves to 127.0.0.1 (A), not 192.0.2.7 as the site gave it" });
    });

    it("skips a hostname the site gave no record (a service it does not run), and fails a line it cannot read", async () => {
        const results = await dnsChecks(outputs((o) => (o.dnsRecords = [o.dnsRecords[0], "not a record"])), resolver);
        expect(results.map((r) => `${r.name} ${r.status}`)).to.deep.equal(["record fail", "jupyter skip", "rucio skip", "rucioWebui skip", "storm pass"]);
    });

    it("connects through the same server when it is given: a site name reaches loopback", async () => {
        const server: Server = createServer((_req, res) => res.end("hello"));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        try {
            const port = (server.address() as AddressInfo).port;
            const answer = await probe({ lookup: lookupVia(resolver), timeoutMs: 5000 }, { method: "GET", url: `http://${host.storm}:${port}/` });
            expect(answer.text).to.equal("hello");
            // Without the lookup, the system's resolver does not know the site's names.
            const system = await new Promise<string>((resolve) => callbackLookup(host.storm, (err) => resolve(err ? String(err.code) : "found")));
            expect(system).to.match(/ENOTFOUND|EAI_AGAIN/);
            dns.records.delete(host.storm);
            const err = await probe({ lookup: lookupVia(resolver), timeoutMs: 5000 }, { method: "GET", url: `http://${host.storm}:${port}/` }).then(
                () => undefined,
                (e: NodeJS.ErrnoException) => e,
            );
            expect(err?.code).to.equal("ENOTFOUND");
        } finally {
            server.closeAllConnections();
            await new Promise<void>((r) => server.close(() => r()));
        }
    });
});

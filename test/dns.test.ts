import { expect } from "chai";
import { dnsRecords, zoneFileLines } from "../components/dns/plan";
import { deriveSite } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import type { Recording } from "../tools/engine/record";
import { inputsOf, keysWith, ofType, runStack, secretsOf, siteOf } from "./harness";

const T = { zone: "openstack:dns/zone:Zone", record: "openstack:dns/recordSet:RecordSet" };

function modelOf(stack: "dev" | "uksrc", change: (s: any) => void = () => undefined) {
    const site = siteOf(stack);
    change(site);
    const result = validateStackConfig({ site, keys: keysWith(Object.keys(secretsOf(stack))) });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    return deriveSite(result.site);
}


describe("dns plan", () => {
    it("gives each service an A record at its endpoint's address", () => {
        const services = modelOf("dev").services;
        const records = dnsRecords(services, { storage: "203.0.113.5", ingress: "203.0.113.6" }, 300);
        expect(records).to.deep.equal([
            { service: "storm", name: "storm.dev.srcnet.example.org.", type: "A", ttl: 300, value: "203.0.113.5" },
            { service: "jupyter", name: "jupyter.dev.srcnet.example.org.", type: "A", ttl: 300, value: "203.0.113.6" },
            { service: "rucio", name: "rucio.dev.srcnet.example.org.", type: "A", ttl: 300, value: "203.0.113.6" },
            { service: "rucioWebui", name: "rucio-ui.dev.srcnet.example.org.", type: "A", ttl: 300, value: "203.0.113.6" },
        ]);
        expect(zoneFileLines(records)).to.deep.equal([
            "storm.dev.srcnet.example.org. 300 IN A 203.0.113.5",
            "jupyter.dev.srcnet.example.org. 300 IN A 203.0.113.6",
            "rucio.dev.srcnet.example.org. 300 IN A 203.0.113.6",
            "rucio-ui.dev.srcnet.example.org. 300 IN A 203.0.113.6",
        ]);
    });

    it("covers only the services the site runs", () => {
        expect(modelOf("uksrc").services.map((s) => s.service)).to.deep.equal(["storm", "jupyter"]);
        expect(modelOf("dev", (s) => (s.jupyterhub = { enabled: false })).services.map((s) => s.service)).to.deep.equal(["storm", "rucio", "rucioWebui"]);
    });
});

describe("dns part: designate", () => {
    let dev: Recording;
    before(async () => (dev = await runStack("dev")));

    it("puts one record set per service in the existing zone, at the storage and ingress addresses", () => {
        const outputs = dev.outputs as any;
        const records = ofType(dev, T.record).map(inputsOf);
        expect(records.map((r) => [r.name, r.type, r.ttl, r.records, r.zoneId])).to.deep.equal([
            ["jupyter.dev.srcnet.example.org.", "A", 300, [outputs.cluster.ingressAddress], "zone-srcnet.example.org.-id"],
            ["rucio.dev.srcnet.example.org.", "A", 300, [outputs.cluster.ingressAddress], "zone-srcnet.example.org.-id"],
            ["rucio-ui.dev.srcnet.example.org.", "A", 300, [outputs.cluster.ingressAddress], "zone-srcnet.example.org.-id"],
            ["storm.dev.srcnet.example.org.", "A", 300, [outputs.storage.floatingIp], "zone-srcnet.example.org.-id"],
        ]);
        expect(ofType(dev, T.zone)).to.deep.equal([]);
    });

    it("derives the records and the output lines from the same list of services", () => {
        const lines: string[] = (dev.outputs as any).dnsRecords;
        const names = ofType(dev, T.record).map((r) => inputsOf(r).name).sort();
        expect(lines.map((l) => l.split(" ")[0]).sort()).to.deep.equal(names);
        expect(names).to.deep.equal(modelOf("dev").services.map((s) => `${s.hostname}.`).sort());
    });

    it("creates the zone when asked, protected only in production", async () => {
        const test = await runStack("dev", (s) => (s.dns = { provider: "designate", createZone: true, ttl: 120 }));
        const zone = ofType(test, T.zone)[0];
        expect(inputsOf(zone)).to.deep.include({ name: "dev.srcnet.example.org.", email: "hostmaster@dev.srcnet.example.org", ttl: 120, type: "PRIMARY" });
        expect(zone).to.include({ protect: false, retainOnDelete: false });
        for (const r of ofType(test, T.record)) expect(inputsOf(r)).to.deep.include({ zoneId: "dev-zone-id", ttl: 120 });

        const production = await runStack("uksrc", (s) => (s.dns = { provider: "designate", createZone: true, zoneEmail: "dns@example.ac.uk" }));
        expect(ofType(production, T.zone)[0]).to.include({ protect: true, retainOnDelete: true });
        expect(inputsOf(ofType(production, T.zone)[0]).email).to.equal("dns@example.ac.uk");
    });
});

describe("dns part: external", () => {
    it("creates no DNS resources and lists the records to create", async () => {
        const uksrc = await runStack("uksrc");
        expect(ofType(uksrc, T.record)).to.deep.equal([]);
        expect(ofType(uksrc, T.zone)).to.deep.equal([]);
        const outputs = uksrc.outputs as any;
        expect(outputs.dnsRecords).to.deep.equal([
            `storm.uksrc.example.ac.uk. 300 IN A ${outputs.storage.floatingIp}`,
            `jupyter.uksrc.example.ac.uk. 300 IN A ${outputs.cluster.ingressAddress}`,
        ]);
    });
});

import { expect } from "chai";
import { readPart, readParts } from "../config/partial";
import { siteSchema } from "../config/schema";
import { siteOf } from "./harness";

describe("config/partial: reading the valid parts of an invalid config", () => {
    it("reads a valid field although a sibling is invalid", () => {
        const site = siteOf("dev");
        site.storage.image = 42;
        expect(readPart(siteSchema, site, ["storage", "rse"])).to.deep.equal({ ok: true, value: "DEV_STORM" });
        expect(readPart(siteSchema, site, ["storage", "image"])).to.deep.equal({ ok: false });
    });

    it("applies defaults on the way down", () => {
        const site = siteOf("dev");
        delete site.openstack.network;
        expect(readPart(siteSchema, site, ["openstack", "network", "cidr"])).to.deep.equal({ ok: true, value: "10.42.0.0/24" });
        expect(readPart(siteSchema, site, ["hostnames"])).to.deep.equal({ ok: true, value: {} });
    });

    it("descends into the variant of a discriminated union that the raw value names", () => {
        const site = siteOf("dev");
        delete site.cluster.image; // the magnum variant is now incomplete as a whole
        expect(readPart(siteSchema, site, ["cluster", "backend"])).to.deep.equal({ ok: true, value: "magnum" });
        expect((readPart(siteSchema, site, ["cluster", "nodeGroups"]) as any).value[0]).to.include({ name: "default", count: 2 });
        site.cluster.backend = "magnun";
        expect(readPart(siteSchema, site, ["cluster", "backend"])).to.deep.equal({ ok: false });
    });

    it("reads a list entry by entry with '*', leaving holes for invalid entries", () => {
        const site = siteOf("dev");
        site.openstack.adminCidrs = ["192.0.2.0/24", "not-a-cidr", "0.0.0.0/0"];
        expect(readPart(siteSchema, site, ["openstack", "adminCidrs", "*"])).to.deep.equal({ ok: true, value: ["192.0.2.0/24", undefined, "0.0.0.0/0"] });
        expect(readPart(siteSchema, site, ["openstack", "adminCidrs"])).to.deep.equal({ ok: false });
    });

    it("assembles several reads into one object, or nothing when any is invalid", () => {
        const site = siteOf("dev");
        expect(readParts(siteSchema, site, [["environment"], ["storage", "volume", "sizeGb"]])).to.deep.equal({ environment: "test", storage: { volume: { sizeGb: 100 } } });
        site.storage.volume.sizeGb = 1.5;
        expect(readParts(siteSchema, site, [["environment"], ["storage", "volume", "sizeGb"]])).to.equal(undefined);
    });
});

// Every OpenStack resource the site registers carries the site's tags where its type can carry
// any: `tags`, or `metadata` where that is all the type has (a volume: each tag a key). Which
// types take which is read from the provider's own input types (@pulumi/openstack's
// <module>/<resource>.d.ts, generated from its schema), not listed here; what takes neither is
// listed below with what it has instead, and the list is held to the schema and to the plans.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deriveSite } from "../config/derive";
import { siteSchema } from "../config/schema";
import type { Recording, RecordedResource } from "../tools/engine/record";
import { tagsOfMetadata } from "../tools/leftovers/plan";
import { repoRoot, runStack, siteOf } from "./harness";

/** The argument names of a resource type's inputs (`export interface <Name>Args { ... }`). */
function inputsOfType(type: string): Set<string> {
    const m = /^openstack:([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/.exec(type);
    if (!m) throw new Error(`not an openstack resource type: ${type}`);
    const [, module, file, name] = m;
    const text = readFileSync(join(repoRoot, "node_modules", "@pulumi", "openstack", module, `${file}.d.ts`), "utf8");
    const start = text.indexOf(`export interface ${name}Args {`);
    if (start < 0) throw new Error(`${module}/${file}.d.ts has no ${name}Args`);
    const body = text.slice(start, text.indexOf("\n}", start));
    return new Set([...body.matchAll(/^ {4}(?:readonly )?([A-Za-z0-9_]+)\??:/gm)].map((x) => x[1]));
}

type Carrier = "tags" | "metadata" | "none";
const carrierOf = (type: string): Carrier => {
    const args = inputsOfType(type);
    return args.has("tags") ? "tags" : args.has("metadata") ? "metadata" : "none";
};

/**
 * Types that take neither tags nor metadata, and what identifies a site's one instead (all of it
 * in the schema as well: the test reads each name below back from <Name>Args).
 */
const untaggable: Readonly<Record<string, { readonly has: readonly string[]; readonly why: string }>> = {
    "openstack:containerinfra/cluster:Cluster": { has: ["name", "labels"], why: "Magnum clusters have no tags; labels configure its driver. Found by its name, <site>-k8s." },
    "openstack:containerinfra/clusterTemplate:ClusterTemplate": { has: ["name", "labels"], why: "Magnum templates have no tags. Found by their name, <site>-k8s-<digest of the settings>." },
    "openstack:containerinfra/nodeGroup:NodeGroup": { has: ["name", "labels"], why: "a node group is part of its Magnum cluster and goes with it." },
    "openstack:dns/recordSet:RecordSet": { has: ["name", "description"], why: "Designate record sets have no tags. Found by the site's hostnames in the zone; the description names the site." },
    "openstack:dns/zone:Zone": { has: ["name", "description"], why: "Designate zones have no tags. Found by the zone's name; the description names the site." },
    "openstack:identity/applicationCredential:ApplicationCredential": { has: ["name", "description"], why: "Keystone application credentials have no tags. Found by its name, <site>-capi, among the user's." },
    "openstack:networking/routerInterface:RouterInterface": { has: [], why: "a router's port on the subnet, deleted with the router or the subnet." },
    "openstack:networking/secGroupRule:SecGroupRule": {
        has: ["description"],
        why: "Neutron does tag rules (neutron-lib api-ref tags.inc:15-18), but the provider has no tags argument for them; a rule goes with its group.",
    },
    "openstack:networking/floatingIpAssociate:FloatingIpAssociate": { has: [], why: "an association of a floating IP and a port, not a resource of its own." },
};

/** The site's plans: the committed stacks, and dev with everything that adds a resource type (a zone of its own, a second node group). */
const plans: Record<string, { readonly stack: "dev" | "uksrc"; readonly change?: (site: any) => void }> = {
    dev: { stack: "dev" },
    uksrc: { stack: "uksrc" },
    "dev with a zone of its own and a second node group": {
        stack: "dev",
        change: (s) => {
            s.dns.createZone = true;
            s.cluster.nodeGroups.push({ name: "burst", flavor: "m1.large", minCount: 1, maxCount: 3 });
        },
    },
};

/** The site model a plan was made from: its tags are what every resource must carry. */
function modelOf(plan: (typeof plans)[string]) {
    const site = siteOf(plan.stack);
    plan.change?.(site);
    return deriveSite(siteSchema.parse(site));
}

const openstackResources = (r: Recording) => r.resources.filter((x) => x.custom && x.type.startsWith("openstack:"));

/** Cinder's volume metadata: keys of letters, digits and -_:. / up to 255, values up to 255 (cinder@ab09bc39:cinder/api/validation/parameter_types.py:150-158, schemas/volumes.py:46). */
const cinderKey = /^[a-zA-Z0-9-_:. /]{1,255}$/;

describe("tags: every taggable OpenStack resource carries the site's tags", function () {
    this.timeout(120000);
    const recordings: Record<string, Recording> = {};
    before(async () => {
        for (const [name, plan] of Object.entries(plans)) recordings[name] = await runStack(plan.stack, plan.change);
    });

    it("reads the provider's schema: tags where Neutron and Nova take them, metadata only for volumes", () => {
        expect(carrierOf("openstack:networking/network:Network")).to.equal("tags");
        expect(carrierOf("openstack:compute/instance:Instance")).to.equal("tags");
        expect(inputsOfType("openstack:compute/instance:Instance").has("metadata")).to.equal(true);
        expect(carrierOf("openstack:blockstorage/volume:Volume")).to.equal("metadata");
        expect(carrierOf("openstack:dns/recordSet:RecordSet")).to.equal("none");
        expect(() => inputsOfType("openstack:networking/nothing:Nothing")).to.throw(/ENOENT/);
    });

    for (const name of Object.keys(plans)) {
        it(`${name}: every resource whose type takes tags or metadata carries all of the site's tags`, () => {
            const r = recordings[name];
            const model = modelOf(plans[name]);
            expect(model.tags).to.deep.equal(["srcnet-site", `site:${model.name}`, `environment:${model.environment}`]);
            const missing: string[] = [];
            for (const x of openstackResources(r)) {
                const carrier = carrierOf(x.type);
                const inputs = x.inputs as Record<string, any>;
                const carried = carrier === "tags" ? ((inputs.tags ?? []) as string[]) : carrier === "metadata" ? tagsOfMetadata(inputs.metadata) : undefined;
                if (carried === undefined) continue;
                const lacking = model.tags.filter((t) => !carried.includes(t));
                if (lacking.length) missing.push(`${x.name} (${x.type}) lacks ${lacking.join(", ")} in its ${carrier}`);
            }
            expect(missing).to.deep.equal([]);
        });
    }

    it("puts a volume's tags into metadata keys Cinder accepts", () => {
        for (const r of Object.values(recordings)) {
            for (const v of openstackResources(r).filter((x) => carrierOf(x.type) === "metadata")) {
                const metadata = (v.inputs as any).metadata as Record<string, string>;
                for (const [k, value] of Object.entries(metadata)) {
                    expect(k, v.name).to.match(cinderKey);
                    expect(value.length, v.name).to.be.at.most(255);
                }
            }
        }
    });

    it("lists exactly the types the plans hold that take neither, and each has what the list says", () => {
        const seen = new Set(Object.values(recordings).flatMap((r) => openstackResources(r).map((x) => x.type)));
        const none = [...seen].filter((t) => carrierOf(t) === "none").sort();
        expect(none).to.deep.equal(Object.keys(untaggable).sort());
        for (const [type, entry] of Object.entries(untaggable)) {
            const args = inputsOfType(type);
            expect(args.has("tags") || args.has("metadata"), type).to.equal(false);
            for (const field of entry.has) expect(args.has(field), `${type} has ${field}`).to.equal(true);
            expect(args.has("labels") && !entry.has.includes("labels"), `${type}: labels named`).to.equal(false);
        }
    });

    it("names the site in what cannot carry a tag: the Magnum cluster and templates, the zone and records, the credential", () => {
        const dev = recordings["dev with a zone of its own and a second node group"];
        const byType = (type: string) => openstackResources(dev).filter((x) => x.type === type);
        const inputs = (x: RecordedResource) => x.inputs as Record<string, any>;
        expect(byType("openstack:containerinfra/cluster:Cluster").map((x) => inputs(x).name)).to.deep.equal(["dev-k8s"]);
        for (const t of byType("openstack:containerinfra/clusterTemplate:ClusterTemplate")) expect(inputs(t).name).to.match(/^dev-k8s-[0-9a-f]{8}$/);
        for (const x of [...byType("openstack:dns/recordSet:RecordSet"), ...byType("openstack:dns/zone:Zone")]) expect(inputs(x).description, x.name).to.match(/SRC site dev$/);
        const uksrc = openstackResources(recordings.uksrc).filter((x) => x.type === "openstack:identity/applicationCredential:ApplicationCredential");
        expect(uksrc.map((x) => inputs(x).name)).to.deep.equal(["uksrc-capi"]);
    });
});

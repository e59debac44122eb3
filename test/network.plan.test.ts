import { expect } from "chai";
import { expandRules, planSecurityGroups, type NetworkFacts, type SecurityGroupPlan, type SiteRule } from "../components/network/plan";

const facts: NetworkFacts = { adminCidrs: ["192.0.2.0/24", "2001:db8:42::/48"], subnetCidr: "10.42.0.0/24" };
const healthFromSite: SiteRule = { description: "StoRM health", protocol: "tcp", port: 8085, from: { kind: "site" }, to: "storage" };
const everyHost: SiteRule = { description: "node exporter", protocol: "tcp", port: 9100, from: { kind: "site" }, to: "site" };

const group = (plans: SecurityGroupPlan[], role: string) => {
    const found = plans.find((p) => p.role === role);
    if (!found) throw new Error(`no ${role} group`);
    return found;
};
const rulesOf = (plans: SecurityGroupPlan[], role: string) =>
    expandRules(group(plans, role), facts).map((r) => `${r.direction} ${r.ethertype} ${r.protocol ?? "any"} ${r.portRangeMin ?? ""}-${r.portRangeMax ?? ""} ${r.remoteIpPrefix}`);

describe("network plan: security groups", () => {
    const plans = planSecurityGroups(facts, [healthFromSite, everyHost]);

    it("has the admin, storage, web and site groups", () => {
        expect(plans.map((p) => p.role)).to.deep.equal(["admin", "storage", "web", "site"]);
    });

    it("admits SSH only from each admin network", () => {
        expect(rulesOf(plans, "admin")).to.deep.equal(["ingress IPv4 tcp 22-22 192.0.2.0/24", "ingress IPv6 tcp 22-22 2001:db8:42::/48"]);
    });

    it("admits no SSH at all when no admin network is configured", () => {
        const none = planSecurityGroups({ ...facts, adminCidrs: [] }, []);
        expect(expandRules(group(none, "admin"), { ...facts, adminCidrs: [] })).to.deep.equal([]);
    });

    it("opens WebDAV 8443 and ACME 80 to the world on the storage group, and the site rules addressed to it", () => {
        expect(rulesOf(plans, "storage")).to.deep.equal([
            "ingress IPv4 tcp 8443-8443 0.0.0.0/0",
            "ingress IPv6 tcp 8443-8443 ::/0",
            "ingress IPv4 tcp 80-80 0.0.0.0/0",
            "ingress IPv6 tcp 80-80 ::/0",
            "ingress IPv4 tcp 8085-8085 10.42.0.0/24",
        ]);
    });

    it("opens HTTPS 443 and HTTP 80 to the world on the web group", () => {
        expect(rulesOf(plans, "web")).to.deep.equal([
            "ingress IPv4 tcp 443-443 0.0.0.0/0",
            "ingress IPv6 tcp 443-443 ::/0",
            "ingress IPv4 tcp 80-80 0.0.0.0/0",
            "ingress IPv6 tcp 80-80 ::/0",
        ]);
    });

    it("puts the rules every host needs, and outbound traffic, on the site group", () => {
        expect(rulesOf(plans, "site")).to.deep.equal([
            "ingress IPv4 tcp 9100-9100 10.42.0.0/24",
            "egress IPv4 any - 0.0.0.0/0",
            "egress IPv6 any - ::/0",
        ]);
    });

    it("has no site-internal ingress unless a part asks for it", () => {
        const bare = planSecurityGroups(facts, []);
        expect(rulesOf(bare, "site").filter((r) => r.startsWith("ingress"))).to.deep.equal([]);
    });

    it("never opens anything but 80, 443 and 8443 to the world", () => {
        const world = plans.flatMap((p) => expandRules(p, facts)).filter((r) => r.direction === "ingress" && /^(0\.0\.0\.0|::)\/0$/.test(r.remoteIpPrefix));
        expect([...new Set(world.map((r) => r.portRangeMin))].sort()).to.deep.equal([443, 80, 8443].sort());
        expect(world.every((r) => r.portRangeMin === r.portRangeMax)).to.equal(true);
    });

    it("takes a port range and a given CIDR as the source", () => {
        const range: SiteRule = { description: "range", protocol: "udp", port: 6000, portMax: 6010, from: { kind: "cidr", cidr: "172.16.0.0/16" }, to: "site" };
        const [rule] = expandRules(planSecurityGroups(facts, [range])[3], facts);
        expect(rule).to.include({ protocol: "udp", portRangeMin: 6000, portRangeMax: 6010, remoteIpPrefix: "172.16.0.0/16", ethertype: "IPv4" });
        expect(rule.key).to.equal("udp-6000-6010-from-172-16-0-0-16");
    });

    it("keys rules stably: adding an admin network leaves the other rules' keys alone", () => {
        const keys = (adminCidrs: string[]) => {
            const f = { ...facts, adminCidrs };
            return expandRules(planSecurityGroups(f, [])[0], f).map((r) => r.key);
        };
        const before = keys(["192.0.2.0/24"]);
        const after = keys(["198.51.100.0/24", "192.0.2.0/24"]);
        expect(after).to.include.members(before);
        expect(new Set(after).size).to.equal(after.length);
    });
});

import { expect } from "chai";
import type { Recording } from "../tools/engine/record";
import { customResources, inputsOf, named, ofType, runSite, secretsOf, siteOf } from "./harness";

const T = {
    provider: "pulumi:providers:openstack",
    network: "openstack:networking/network:Network",
    subnet: "openstack:networking/subnet:Subnet",
    router: "openstack:networking/router:Router",
    routerInterface: "openstack:networking/routerInterface:RouterInterface",
    group: "openstack:networking/secGroup:SecGroup",
    rule: "openstack:networking/secGroupRule:SecGroupRule",
};

describe("network part under the recording engine (dev site)", () => {
    let dev: Recording;
    before(async () => {
        dev = await runSite(siteOf("dev"), { secrets: secretsOf("dev"), stack: "dev" });
        expect(dev.error, String(dev.error)).to.equal(undefined);
    });

    it("creates one network, subnet, router and router interface, named after the site", () => {
        for (const type of [T.network, T.subnet, T.router, T.routerInterface]) {
            expect(ofType(dev, type), type).to.have.length(1);
        }
        expect(inputsOf(named(dev, "dev-net"))).to.include({ name: "dev-net", adminStateUp: true });
        expect(inputsOf(named(dev, "dev-router")).name).to.equal("dev-router");
    });

    it("gives the subnet the configured CIDR and resolvers on the site network", () => {
        const subnet = named(dev, "dev-subnet");
        expect(inputsOf(subnet)).to.deep.include({ cidr: "10.42.0.0/24", ipVersion: 4, enableDhcp: true, dnsNameservers: ["8.8.8.8"], networkId: "dev-net-id" });
        expect(subnet.dependsOn).to.deep.equal([named(dev, "dev-net").urn]);
    });

    it("uplinks the router to the configured external network and attaches the subnet", () => {
        expect(inputsOf(named(dev, "dev-router")).externalNetworkId).to.equal("network-External-id");
        const attach = named(dev, "dev-router-subnet");
        expect(inputsOf(attach)).to.deep.equal({ routerId: "dev-router-id", subnetId: "dev-subnet-id" });
        expect(attach.dependsOn).to.have.members([named(dev, "dev-router").urn, named(dev, "dev-subnet").urn]);
    });

    it("creates four security groups, each without Neutron's default rules", () => {
        const groups = ofType(dev, T.group);
        expect(groups.map((g) => g.name).sort()).to.deep.equal(["dev-admin", "dev-site", "dev-storage", "dev-web"]);
        for (const g of groups) expect(inputsOf(g).deleteDefaultRules, g.name).to.equal(true);
    });

    it("registers exactly the planned rules, each on its group", () => {
        const rules = ofType(dev, T.rule).map((r) => {
            const i = inputsOf(r);
            return `${i.securityGroupId} ${i.direction} ${i.ethertype} ${i.protocol ?? "any"} ${i.portRangeMin ?? ""} ${i.remoteIpPrefix}`;
        });
        expect(rules.sort()).to.deep.equal(
            [
                "dev-admin-id ingress IPv4 tcp 22 192.0.2.0/24",
                "dev-admin-id ingress IPv6 tcp 22 2001:db8:42::/48",
                "dev-storage-id ingress IPv4 tcp 8443 0.0.0.0/0",
                "dev-storage-id ingress IPv6 tcp 8443 ::/0",
                "dev-storage-id ingress IPv4 tcp 80 0.0.0.0/0",
                "dev-storage-id ingress IPv6 tcp 80 ::/0",
                "dev-storage-id ingress IPv4 tcp 8085 10.42.0.0/24",
                "dev-storage-id ingress IPv4 tcp 2049 10.42.0.0/24",
                "dev-web-id ingress IPv4 tcp 443 0.0.0.0/0",
                "dev-web-id ingress IPv6 tcp 443 ::/0",
                "dev-web-id ingress IPv4 tcp 80 0.0.0.0/0",
                "dev-web-id ingress IPv6 tcp 80 ::/0",
                "dev-site-id egress IPv4 any  0.0.0.0/0",
                "dev-site-id egress IPv6 any  ::/0",
            ].sort(),
        );
        for (const r of ofType(dev, T.rule)) {
            const group = ofType(dev, T.group).find((g) => `${g.name}-id` === inputsOf(r).securityGroupId);
            expect(r.dependsOn, r.name).to.deep.equal([group!.urn]);
        }
    });

    it("gives every OpenStack resource the site's explicit provider", () => {
        const [provider] = ofType(dev, T.provider);
        expect(provider.name).to.equal("dev-openstack");
        expect(inputsOf(provider)).to.deep.equal({ cloud: "openstack" });
        const others = customResources(dev).filter((r) => r.type.startsWith("openstack:"));
        expect(others.length).to.be.greaterThan(0);
        for (const r of others) expect(r.provider, r.urn).to.equal(provider.urn);
    });

    it("tags the OpenStack resources with the site and its environment", () => {
        for (const type of [T.network, T.subnet, T.router, T.group]) {
            for (const r of ofType(dev, type)) expect(inputsOf(r).tags, r.name).to.deep.equal(["srcnet-site", "site:dev", "environment:test"]);
        }
    });

    it("exports the network's IDs and the site's hostnames", () => {
        expect(dev.outputs).to.deep.include({ site: "dev", environment: "test" });
        expect((dev.outputs as any).network).to.deep.include({ networkId: "dev-net-id", subnetId: "dev-subnet-id", subnetCidr: "10.42.0.0/24", routerId: "dev-router-id" });
        expect((dev.outputs as any).network.securityGroupIds).to.deep.equal({ admin: "dev-admin-id", storage: "dev-storage-id", web: "dev-web-id", site: "dev-site-id" });
        expect((dev.outputs as any).hostnames.storm).to.equal("storm.dev.srcnet.example.org");
    });
});

describe("network part: config changes", () => {
    it("follows the admin networks: one SSH rule each, nothing else changes", async () => {
        const site = siteOf("dev");
        site.openstack.adminCidrs = ["198.51.100.0/24"];
        const run = await runSite(site, { secrets: secretsOf("dev") });
        const ssh = ofType(run, T.rule).filter((r) => inputsOf(r).portRangeMin === 22);
        expect(ssh.map((r) => inputsOf(r).remoteIpPrefix)).to.deep.equal(["198.51.100.0/24"]);
        expect(ofType(run, T.rule)).to.have.length(13);
    });

    it("passes an application credential to the provider as a secret", async () => {
        const site = siteOf("dev");
        site.openstack.applicationCredentialId = "app-cred-id";
        const run = await runSite(site, { secrets: { ...secretsOf("dev"), openstackApplicationCredentialSecret: "very-secret-app-cred" } });
        const [provider] = ofType(run, T.provider);
        expect(inputsOf(provider)).to.deep.equal({ cloud: "openstack", applicationCredentialId: "app-cred-id", applicationCredentialSecret: "[secret]" });
        expect(JSON.stringify(run.resources)).not.to.include("very-secret-app-cred");
    });

    it("runs several sites in one process without mixing them", async () => {
        const [dev, uksrc] = await Promise.all([
            runSite(siteOf("dev"), { secrets: secretsOf("dev"), stack: "dev" }),
            runSite(siteOf("uksrc"), { secrets: secretsOf("uksrc"), stack: "uksrc" }),
        ]);
        expect(dev.resources.every((r) => r.urn.startsWith("urn:pulumi:dev::"))).to.equal(true);
        expect(uksrc.resources.every((r) => r.urn.startsWith("urn:pulumi:uksrc::"))).to.equal(true);
        expect(inputsOf(named(uksrc, "uksrc-subnet")).cidr).to.equal("10.10.0.0/22");
        expect(inputsOf(named(dev, "dev-subnet")).cidr).to.equal("10.42.0.0/24");
    });
});

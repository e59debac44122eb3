// The site's network part: private network and subnet, a router to the external network, and
// the security groups of plan.ts. Thin: the plan decides, this registers.
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import { expandRules, planSecurityGroups, type SecurityGroupRole, type SiteRule } from "./plan";
import { isIPv4Address } from "../../config/net";

export type { SiteRule, SecurityGroupRole } from "./plan";

export interface SiteNetworkArgs {
    /** Prefix of every OpenStack name (the site name). */
    readonly namePrefix: string;
    readonly cidr: string;
    readonly dnsNameservers: readonly string[];
    /** ID of the external network the router uplinks to. */
    readonly externalNetworkId: string;
    readonly adminCidrs: readonly string[];
    /** Traffic between site hosts that other parts need. */
    readonly siteRules?: readonly SiteRule[];
    readonly tags: readonly string[];
    readonly provider: openstack.Provider;
}

export class SiteNetwork extends pulumi.ComponentResource {
    readonly networkId: pulumi.Output<string>;
    readonly subnetId: pulumi.Output<string>;
    readonly routerId: pulumi.Output<string>;
    /** The router's address on the external network: the source of the site's outbound traffic. */
    readonly routerExternalIp: pulumi.Output<string>;
    readonly subnetCidr: string;
    /** Security group IDs by role; `site` belongs on every host, the others on the hosts of that role. */
    readonly securityGroupIds: Readonly<Record<SecurityGroupRole, pulumi.Output<string>>>;
    /** The subnet is reachable from the external network once this interface exists. */
    readonly routerInterface: openstack.networking.RouterInterface;

    constructor(name: string, args: SiteNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:network:SiteNetwork", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const n = (suffix: string) => `${args.namePrefix}-${suffix}`;
        const tags = [...args.tags];

        const network = new openstack.networking.Network(n("net"), { name: n("net"), adminStateUp: true, tags }, child);
        const subnet = new openstack.networking.Subnet(
            n("subnet"),
            { name: n("subnet"), networkId: network.id, cidr: args.cidr, ipVersion: 4, enableDhcp: true, dnsNameservers: [...args.dnsNameservers], tags },
            child,
        );
        const router = new openstack.networking.Router(n("router"), { name: n("router"), externalNetworkId: args.externalNetworkId, tags }, child);
        this.routerInterface = new openstack.networking.RouterInterface(n("router-subnet"), { routerId: router.id, subnetId: subnet.id }, child);

        const facts = { adminCidrs: args.adminCidrs, subnetCidr: args.cidr };
        const groupIds: Partial<Record<SecurityGroupRole, pulumi.Output<string>>> = {};
        for (const plan of planSecurityGroups(facts, args.siteRules ?? [])) {
            const groupName = n(plan.role);
            // Neutron's default rules allow all egress; they are removed so that every open path is written here.
            const group = new openstack.networking.SecGroup(groupName, { name: groupName, description: plan.description, deleteDefaultRules: true, tags }, child);
            for (const rule of expandRules(plan, facts)) {
                new openstack.networking.SecGroupRule(
                    `${groupName}-${rule.key}`,
                    {
                        securityGroupId: group.id,
                        description: rule.description,
                        direction: rule.direction,
                        ethertype: rule.ethertype,
                        protocol: rule.protocol,
                        portRangeMin: rule.portRangeMin,
                        portRangeMax: rule.portRangeMax,
                        remoteIpPrefix: rule.remoteIpPrefix,
                    },
                    child,
                );
            }
            groupIds[plan.role] = group.id;
        }

        this.networkId = network.id;
        this.subnetId = subnet.id;
        this.routerId = router.id;
        this.routerExternalIp = router.externalFixedIps.apply((ips) => ips.map((ip) => ip.ipAddress ?? "").find(isIPv4Address) ?? "");
        this.subnetCidr = args.cidr;
        this.securityGroupIds = groupIds as Record<SecurityGroupRole, pulumi.Output<string>>;
        this.registerOutputs({
            networkId: this.networkId,
            subnetId: this.subnetId,
            routerId: this.routerId,
            routerExternalIp: this.routerExternalIp,
            securityGroupIds: this.securityGroupIds,
        });
    }
}

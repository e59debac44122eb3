// SrcSite: the one component that composes a site's parts, passing each only what it needs.
import * as pulumi from "@pulumi/pulumi";
import type { SiteModel } from "../../config/derive";
import type { SiteSecrets } from "../../config/load";
import { SiteNetwork, type SiteRule } from "../network";
import { createOpenStackProvider } from "./providers";

export interface SrcSiteArgs {
    readonly model: SiteModel;
    readonly secrets: SiteSecrets;
}

export class SrcSite extends pulumi.ComponentResource {
    readonly network: SiteNetwork;
    /** What `pulumi stack output` shows for the site. */
    readonly stackOutputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: SrcSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:site:SrcSite", name, {}, opts);
        const { model, secrets } = args;
        const openstackProvider = createOpenStackProvider(model, secrets, { parent: this });

        // Traffic between site hosts that the parts need; each later part contributes its rules here.
        const siteRules: SiteRule[] = [];

        this.network = new SiteNetwork(
            `${model.name}-network`,
            {
                namePrefix: model.name,
                cidr: model.config.openstack.network.cidr,
                dnsNameservers: model.config.openstack.network.dnsNameservers,
                externalNetwork: model.config.openstack.externalNetwork,
                adminCidrs: model.config.openstack.adminCidrs,
                siteRules,
                tags: model.tags,
                provider: openstackProvider,
            },
            { parent: this },
        );

        this.stackOutputs = {
            site: model.name,
            environment: model.environment,
            hostnames: model.hostnames,
            network: {
                networkId: this.network.networkId,
                subnetId: this.network.subnetId,
                subnetCidr: this.network.subnetCidr,
                routerId: this.network.routerId,
                securityGroupIds: this.network.securityGroupIds,
            },
        };
        this.registerOutputs(this.stackOutputs);
    }
}

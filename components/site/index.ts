// SrcSite: the one component that composes a site's parts, passing each only what it needs.
import * as pulumi from "@pulumi/pulumi";
import type { SiteModel } from "../../config/derive";
import type { SiteSecrets } from "../../config/load";
import { SiteNetwork } from "../network";
import { StorageNode, storageSiteRules, type CertificateInput } from "../storage";
import { createOpenStackProvider } from "./providers";

export interface SrcSiteArgs {
    readonly model: SiteModel;
    readonly secrets: SiteSecrets;
}

function stormCertificate(model: SiteModel, secrets: SiteSecrets): CertificateInput {
    if (model.config.certificates.storm === "letsencrypt") return { source: "letsencrypt" };
    // Validation guarantees both keys when the certificate is provided.
    return { source: "provided", certificate: secrets.stormHostCertificate!, key: secrets.stormHostKey! };
}

export class SrcSite extends pulumi.ComponentResource {
    readonly network: SiteNetwork;
    readonly storage: StorageNode;
    /** What `pulumi stack output` shows for the site. */
    readonly stackOutputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: SrcSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:site:SrcSite", name, {}, opts);
        const { model, secrets } = args;
        const config = model.config;
        const openstackProvider = createOpenStackProvider(model, secrets, { parent: this });

        this.network = new SiteNetwork(
            `${model.name}-network`,
            {
                namePrefix: model.name,
                cidr: config.openstack.network.cidr,
                dnsNameservers: config.openstack.network.dnsNameservers,
                externalNetwork: config.openstack.externalNetwork,
                adminCidrs: config.openstack.adminCidrs,
                // Traffic between site hosts that the parts need.
                siteRules: [...storageSiteRules(model.storage.nfsClients)],
                tags: model.tags,
                provider: openstackProvider,
            },
            { parent: this },
        );
        const groups = this.network.securityGroupIds;

        this.storage = new StorageNode(
            `${model.name}-storage`,
            {
                namePrefix: model.name,
                tags: model.tags,
                protectData: model.protectData,
                image: config.storage.image,
                flavor: config.storage.flavor,
                keyPair: config.openstack.keyPair,
                volume: config.storage.volume,
                heapMb: config.storage.heapMb,
                deployment: config.storage.deployment,
                fqdn: model.hostnames.storm,
                areas: model.storage.areas,
                issuers: model.issuers,
                nfsClients: model.storage.nfsClients,
                acme: { email: model.acme.email, directoryUrl: model.acme.directoryUrl },
                certificate: stormCertificate(model, secrets),
                network: {
                    networkId: this.network.networkId,
                    subnetId: this.network.subnetId,
                    externalNetwork: config.openstack.externalNetwork,
                    securityGroupIds: [groups.admin, groups.storage, groups.site],
                    ready: this.network.routerInterface,
                },
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
            storage: {
                fqdn: this.storage.fqdn,
                floatingIp: this.storage.floatingIp,
                fixedIp: this.storage.fixedIp,
                webdavUrl: this.storage.webdavUrl,
                healthUrl: this.storage.healthUrl,
                areas: this.storage.areas,
            },
            rse: { name: model.storage.rse.name, protocol: model.storage.rse.protocol, oidcBasePath: model.storage.rse.oidcBasePath },
        };
        this.registerOutputs(this.stackOutputs);
    }
}

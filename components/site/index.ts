// SrcSite: the one component that composes a site's parts, passing each only what it needs.
import * as pulumi from "@pulumi/pulumi";
import type * as openstack from "@pulumi/openstack";
import * as random from "@pulumi/random";
import type { SiteModel } from "../../config/derive";
import type { SiteSecrets } from "../../config/load";
import { SiteCertificates } from "../certs";
import { SiteCluster } from "../cluster";
import { ClusterPlatform } from "../cluster/platform";
import { SiteDns, externalTtl, type DesignateZone } from "../dns";
import { SiteIdentity, planClients, type ClientSource } from "../identity";
import { SiteNetwork } from "../network";
import { StorageNode, storageSiteRules, type CertificateInput } from "../storage";
import { heapMbFor } from "../storage/render/storm-config";
import { siteRucioArgs } from "./rucio-args";
import { siteJupyterHubArgs } from "./jupyterhub-args";
import { SiteJupyterHub } from "../jupyterhub";
import { SiteRucio } from "../rucio";
import type { CloudFacts } from "./preflight";

export interface SrcSiteArgs {
    readonly model: SiteModel;
    readonly secrets: SiteSecrets;
    /** Built from the site config before the preflight used it. */
    readonly openstack: openstack.Provider;
    /** What the preflight found in the cloud. */
    readonly cloud: CloudFacts;
}

function stormCertificate(model: SiteModel, secrets: SiteSecrets): CertificateInput {
    if (model.config.certificates.storm === "letsencrypt") return { source: "letsencrypt" };
    // Validation guarantees both keys when the certificate is provided.
    return { source: "provided", certificate: secrets.stormHostCertificate!, key: secrets.stormHostKey! };
}

function designateZone(model: SiteModel, cloud: CloudFacts): DesignateZone | undefined {
    const dns = model.config.dns;
    if (dns.provider !== "designate") return undefined;
    if (!dns.createZone) return { existingZoneId: cloud.dnsZoneId! };
    const zone = model.dnsZone!;
    return { create: { name: zone, email: dns.zoneEmail ?? `hostmaster@${zone}`, protect: model.protectData } };
}

/** Where the site's IAM clients come from, as the config says. */
function clientSource(model: SiteModel, secrets: SiteSecrets, randomProvider: random.Provider): ClientSource {
    const iam = model.config.iam;
    switch (iam.registration) {
        case "dynamic":
            return { registration: "dynamic" };
        case "admin":
            // Validation guarantees the admin client's secret.
            return {
                registration: "admin",
                admin: { clientId: iam.adminClientId, clientSecret: secrets.iamAdminClientSecret! },
                random: randomProvider,
            };
        case "static":
            return {
                registration: "static",
                ids: Object.fromEntries(Object.entries(iam.clients).map(([role, c]) => [role, c?.clientId])),
                secrets: secrets.iamClientSecrets!,
            };
    }
}

export class SrcSite extends pulumi.ComponentResource {
    readonly network: SiteNetwork;
    readonly storage: StorageNode;
    readonly cluster: SiteCluster;
    readonly dns: SiteDns;
    readonly identity: SiteIdentity;
    readonly rucio: SiteRucio;
    /** What `pulumi stack output` shows for the site. */
    readonly stackOutputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: SrcSiteArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:site:SrcSite", name, {}, opts);
        const { model, secrets, cloud } = args;
        const config = model.config;
        const p = model.name;
        const child = { parent: this };

        this.network = new SiteNetwork(
            `${p}-network`,
            {
                namePrefix: p,
                cidr: config.openstack.network.cidr,
                dnsNameservers: config.openstack.network.dnsNameservers,
                externalNetworkId: cloud.externalNetworkId,
                adminCidrs: config.openstack.adminCidrs,
                // Traffic between site hosts that the parts need.
                siteRules: [...storageSiteRules(model.storage.nfsClients)],
                tags: model.tags,
                provider: args.openstack,
            },
            child,
        );
        const groups = this.network.securityGroupIds;
        const network = {
            networkId: this.network.networkId,
            subnetId: this.network.subnetId,
            externalNetworkId: cloud.externalNetworkId,
            routerExternalIp: this.network.routerExternalIp,
            ready: this.network.routerInterface,
        };

        // Generated secrets and names; one provider for the whole site.
        const randomProvider = new random.Provider(`${p}-random`, {}, child);

        // Before the storage node, which takes StoRM's login client from it.
        const clients = planClients(model);
        this.identity = new SiteIdentity(
            `${p}-identity`,
            { namePrefix: p, issuer: config.iam.issuer, clients, source: clientSource(model, secrets, randomProvider) },
            child,
        );
        const stormClient = this.identity.clients.storm;
        const stormLoginScopes = clients.find((c) => c.role === "storm")?.scopes;

        this.storage = new StorageNode(
            `${p}-storage`,
            {
                namePrefix: p,
                tags: model.tags,
                protectData: model.protectData,
                imageId: cloud.storageImageId,
                flavor: config.storage.flavor,
                keyPair: config.openstack.keyPair,
                volume: config.storage.volume,
                heapMb: config.storage.heapMb ?? heapMbFor(cloud.storageFlavorRamMb),
                deployment: config.storage.deployment,
                fqdn: model.hostnames.storm,
                areas: model.storage.areas,
                issuers: model.issuers,
                nfsClients: model.storage.nfsClients,
                acme: { email: model.acme.email, directoryUrl: model.acme.directoryUrl },
                certificate: stormCertificate(model, secrets),
                stormLogin: stormClient && stormLoginScopes ? { clientId: stormClient.clientId, clientSecret: stormClient.clientSecret, scopes: stormLoginScopes } : undefined,
                webdavUrl: model.storage.webdavUrl,
                network: { ...network, externalNetwork: config.openstack.externalNetwork, securityGroupIds: [groups.admin, groups.storage, groups.site] },
                provider: args.openstack,
            },
            child,
        );

        this.cluster = new SiteCluster(
            `${p}-cluster`,
            {
                config: config.cluster,
                namePrefix: p,
                tags: model.tags,
                openstack: args.openstack,
                network,
                externalNetwork: config.openstack.externalNetwork,
                adminCidrs: config.openstack.adminCidrs,
                keyPair: config.openstack.keyPair,
                existingTemplateId: cloud.clusterTemplateId,
                identity: cloud.identity,
                kubeconfigSecret: secrets.kubeconfig,
                managementKubeconfigSecret: secrets.capiManagementKubeconfig,
                cloudCaCertificates: cloud.caCertificates,
                retainVolumes: model.protectData,
                forgetUnreachable: !model.protectData,
            },
            child,
        );
        const inCluster = { provider: this.cluster.provider, deletedWith: this.cluster.anchor };

        const platform = new ClusterPlatform(
            `${p}-platform`,
            {
                namePrefix: p,
                ...inCluster,
                namespacePrefix: this.cluster.namespacePrefix,
                installIngress: this.cluster.installPlatform,
                ingressClass: this.cluster.ingressClass,
                ownsCluster: config.cluster.backend !== "existing",
                ingressAddress: this.cluster.ingressAddress,
                protectData: model.protectData,
                rse: config.jupyterhub.enabled
                    ? { name: model.storage.rse.name, areas: model.storage.areas, nfsServer: this.storage.fixedIp, volumeSizeGb: config.storage.volume.sizeGb }
                    : undefined,
            },
            child,
        );
        const certificates = new SiteCertificates(
            `${p}-certificates`,
            { namePrefix: p, ...inCluster, install: this.cluster.installPlatform, acmeEmail: model.acme.email, ingressClass: this.cluster.ingressClass, server: model.acme.server },
            child,
        );

        const designate = designateZone(model, cloud);
        this.dns = new SiteDns(
            `${p}-dns`,
            {
                namePrefix: p,
                services: model.services,
                addresses: { storage: this.storage.floatingIp, ingress: this.cluster.ingressAddress },
                ttl: config.dns.provider === "designate" ? config.dns.ttl : externalTtl,
                designate,
                provider: args.openstack,
            },
            child,
        );

        this.rucio = new SiteRucio(`${p}-rucio`, siteRucioArgs(model, secrets, { random: randomProvider, clients: this.identity.clients, inCluster, cluster: this.cluster, dns: this.dns }), child);

        const jupyterhub = platform.jupyterhubNamespace
            ? new SiteJupyterHub(
                  `${p}-jupyterhub`,
                  siteJupyterHubArgs(model, {
                      random: randomProvider,
                      clients: this.identity.clients,
                      inCluster,
                      cluster: this.cluster,
                      namespace: platform.jupyterhubNamespace,
                      rseName: this.rucio.rseName,
                      after: [platform, certificates],
                  }),
                  child,
              )
            : undefined;

        this.stackOutputs = {
            site: model.name,
            environment: model.environment,
            hostnames: model.hostnames,
            network: {
                networkId: this.network.networkId,
                subnetId: this.network.subnetId,
                subnetCidr: this.network.subnetCidr,
                routerId: this.network.routerId,
                routerExternalIp: this.network.routerExternalIp,
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
            rse: { name: this.rucio.rseName, protocol: model.storage.rse.protocol, oidcBasePath: model.storage.rse.oidcBasePath },
            rucio: { mode: model.rucio.mode, serverUrl: model.rucio.serverUrl, authUrl: model.rucio.authUrl, ...(this.rucio.onCluster ? { namespace: this.rucio.onCluster.namespace } : {}) },
            cluster: {
                backend: config.cluster.backend,
                ...(model.kubernetesVersion ? { kubernetesVersion: model.kubernetesVersion } : {}),
                ingressAddress: this.cluster.ingressAddress,
                ingressClass: this.cluster.ingressClass,
                storageClass: this.cluster.storageClass,
                clusterIssuer: certificates.issuer,
                jupyterhubNamespace: platform.jupyterhubNamespace,
            },
            ...(jupyterhub ? { jupyterhub: { url: jupyterhub.url, namespace: platform.jupyterhubNamespace } } : {}),
            identity: {
                registration: config.iam.registration,
                clientIds: Object.fromEntries(Object.entries(this.identity.clients).map(([role, c]) => [role, c!.clientId])),
            },
            // Zone-file lines of every record; with an external DNS, what to create there.
            dnsRecords: this.dns.lines,
        };
        this.registerOutputs(this.stackOutputs);
    }
}

// Derivation of every name and path of a site from its validated config: the one place where
// hostnames, resource names, issuers and storage paths are computed (derive, never repeat).
import type { SiteConfig, StorageArea } from "./schema";
import { ports } from "./ports";
import { releaseTag } from "./kube-version";

export type Service = "storm" | "jupyter" | "rucio" | "rucioWebui";
export type Hostnames = Readonly<Record<Service, string>>;

/** StoRM's name for the site's own IAM in oauth.issuers; trusted issuers may not take it. */
export const siteIssuerName = "iam";

/** Where the data volume is mounted on the storage VM, and the filesystem label it is found by. */
export const dataMountPath = "/storage";
export const dataVolumeLabel = "storm-data";

/** OpenStack's default availability zone, where a cluster's volumes go unless the config names another. */
export const defaultAvailabilityZone = "nova";

/** The Cinder zone of a cluster's volumes: its own setting, or the nodes' zone (Cluster API), or the default. */
export function volumeZoneOf(cluster: SiteConfig["cluster"]): string | undefined {
    if (cluster.backend === "existing") return undefined;
    return cluster.volumeAvailabilityZone ?? (cluster.backend === "capi" ? cluster.availabilityZone : defaultAvailabilityZone);
}

/** The ingress class of the Traefik the site installs; ingresses and ACME challenges name it. */
export const siteIngressClass = "traefik";

export const acmeDirectories = {
    staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
    production: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

export type AcmeServer = keyof typeof acmeDirectories;

export function hostnamesOf(site: Pick<SiteConfig, "domain" | "hostnames">): Hostnames {
    return {
        storm: site.hostnames.storm ?? `storm.${site.domain}`,
        jupyter: site.hostnames.jupyter ?? `jupyter.${site.domain}`,
        rucio: site.hostnames.rucio ?? `rucio.${site.domain}`,
        rucioWebui: site.hostnames.rucioWebui ?? `rucio-ui.${site.domain}`,
    };
}

export function accessPointOf(area: Pick<StorageArea, "name" | "accessPoint">): string {
    return area.accessPoint ?? `/${area.name}`;
}

export interface TrustedIssuer {
    readonly name: string;
    readonly issuer: string;
}

export interface DerivedStorageArea extends StorageArea {
    readonly accessPoint: string;
    /** Directory on the storage VM; also the path it exports over NFS. */
    readonly rootPath: string;
    /** davs:// URL of the area on the WebDAV endpoint. */
    readonly url: string;
    /** How Rucio addresses the area as an RSE protocol. */
    readonly rucio: {
        /** Protocol prefix: files live at <prefix><lfn2pfn path>. */
        readonly prefix: string;
        /**
         * Rucio strips this from a file's path to get the path of the token scope it asks for;
         * StoRM scope paths are relative to the storage area, so it is the area's access point.
         */
        readonly oidcBasePath: string;
    };
}

export interface RseModel {
    readonly name: string;
    readonly area: DerivedStorageArea;
    /** Rucio protocol: scheme, hostname, port and prefix of files on the RSE. */
    readonly protocol: { readonly scheme: "davs"; readonly hostname: string; readonly port: number; readonly prefix: string };
    readonly oidcBasePath: string;
}

/** RSE attributes the program sets from the site config; rucio.rseAttributes adds others. */
export const derivedRseAttributes = ["fts", "oidc_support", "oidc_base_path", "verify_checksum", "lfn2pfn_algorithm", "site"] as const;

/** The Rucio the site's RSE belongs to, and how it is reached. */
export interface RucioModel {
    readonly mode: "deploy" | "external";
    /** Base URL of Rucio's REST API (rucio_host in a client's rucio.cfg). */
    readonly serverUrl: string;
    /** Base URL of Rucio's auth API (auth_host); the same server when Rucio runs here. */
    readonly authUrl: string;
    readonly ftsUrl: string;
}

/** Where a service's hostname points: the storage node, or the cluster's ingress. */
export type Endpoint = "storage" | "ingress";

export interface ServiceName {
    readonly service: Service;
    readonly hostname: string;
    readonly endpoint: Endpoint;
}

const endpoints: Readonly<Record<Service, Endpoint>> = { storm: "storage", jupyter: "ingress", rucio: "ingress", rucioWebui: "ingress" };

export interface SiteModel {
    readonly config: SiteConfig;
    readonly name: string;
    readonly environment: SiteConfig["environment"];
    /** Data-bearing resources are protected and retained on delete. */
    readonly protectData: boolean;
    readonly hostnames: Hostnames;
    /** The services this site runs, each with its hostname: what DNS and certificates cover. */
    readonly services: readonly ServiceName[];
    /** The site's IAM first, then further trusted issuers; the strings are used byte for byte. */
    readonly issuers: readonly TrustedIssuer[];
    readonly acme: { readonly email: string; readonly server: AcmeServer; readonly directoryUrl: string };
    readonly dnsZone: string | undefined;
    readonly storage: {
        /** davs:// base URL of the WebDAV endpoint; each area's URL adds its access point. */
        readonly webdavUrl: string;
        readonly areas: readonly DerivedStorageArea[];
        readonly rse: RseModel;
        /** Networks the storage areas are exported to read-only over NFS: where the cluster's nodes are. */
        readonly nfsClients: readonly string[];
    };
    readonly rucio: RucioModel;
    /** The workload cluster's Kubernetes release, when the site builds the cluster and the config says it. */
    readonly kubernetesVersion?: string;
    /** Tags set on every OpenStack resource that takes them. */
    readonly tags: readonly string[];
}

/** Which services run at this site: StoRM always; JupyterHub when enabled; Rucio when deployed here (an external Rucio has its own names). */
export function servicesRun(config: { readonly jupyterhub: { readonly enabled: boolean }; readonly rucio: { readonly mode: string } }): Readonly<Record<Service, boolean>> {
    const rucio = config.rucio.mode === "deploy";
    return { storm: true, jupyter: config.jupyterhub.enabled, rucio, rucioWebui: rucio };
}

function servicesOf(config: SiteConfig, hostnames: Hostnames): ServiceName[] {
    const runs = servicesRun(config);
    return (Object.keys(endpoints) as Service[]).filter((s) => runs[s]).map((service) => ({ service, hostname: hostnames[service], endpoint: endpoints[service] }));
}

/** Magnum and Cluster API nodes join the site subnet; an existing cluster's nodes come from where config says. */
function nfsClientsOf(config: SiteConfig): string[] {
    if (config.cluster.backend === "existing") {
        return config.cluster.nodeCidr ? [config.cluster.nodeCidr] : [];
    }
    return [config.openstack.network.cidr];
}

function rucioOf(config: SiteConfig, hostnames: Hostnames): RucioModel {
    const r = config.rucio;
    if (r.mode === "deploy") {
        // One server answers both APIs here: the auth endpoints are part of the same application.
        const url = `https://${hostnames.rucio}`;
        return { mode: "deploy", serverUrl: url, authUrl: url, ftsUrl: r.ftsUrl };
    }
    return { mode: "external", serverUrl: r.serverUrl, authUrl: r.authUrl ?? r.serverUrl, ftsUrl: r.ftsUrl };
}

/** A resource name: the site name, then the parts, joined by '-'. */
export function resourceName(site: Pick<SiteModel, "name">, ...parts: string[]): string {
    return [site.name, ...parts].join("-");
}

export function deriveSite(config: SiteConfig): SiteModel {
    const hostnames = hostnamesOf(config);
    const webdavUrl = `davs://${hostnames.storm}:${ports.webdav}`;
    const areas = config.storage.storageAreas.map((area): DerivedStorageArea => {
        const accessPoint = accessPointOf(area);
        return {
            ...area,
            accessPoint,
            rootPath: `${dataMountPath}/${area.name}`,
            url: `${webdavUrl}${accessPoint}`,
            rucio: { prefix: `${accessPoint}/`, oidcBasePath: accessPoint },
        };
    });
    const rseArea = areas.find((a) => a.name === config.storage.rseStorageArea) ?? areas[0];
    const acmeServer = config.certificates.acmeServer ?? (config.environment === "production" ? "production" : "staging");
    return {
        config,
        name: config.name,
        environment: config.environment,
        protectData: config.environment === "production",
        hostnames,
        services: servicesOf(config, hostnames),
        issuers: [{ name: siteIssuerName, issuer: config.iam.issuer }, ...config.iam.trustedIssuers],
        acme: { email: config.certificates.acmeEmail, server: acmeServer, directoryUrl: acmeDirectories[acmeServer] },
        dnsZone: config.dns.provider === "designate" ? (config.dns.zone ?? config.domain) : undefined,
        storage: {
            webdavUrl,
            areas,
            rse: {
                name: config.storage.rse,
                area: rseArea,
                protocol: { scheme: "davs", hostname: hostnames.storm, port: ports.webdav, prefix: rseArea.rucio.prefix },
                oidcBasePath: rseArea.rucio.oidcBasePath,
            },
            nfsClients: nfsClientsOf(config),
        },
        rucio: rucioOf(config, hostnames),
        kubernetesVersion: config.cluster.backend === "existing" || !config.cluster.kubernetesVersion ? undefined : releaseTag(config.cluster.kubernetesVersion),
        tags: ["srcnet-site", `site:${config.name}`, `environment:${config.environment}`],
    };
}

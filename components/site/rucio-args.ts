// What the Rucio part is given, from the site model and the other parts: which Rucio the RSE is
// registered in and with which credentials, and (mode "deploy") everything Rucio on the cluster needs.
import * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type * as random from "@pulumi/random";
import { siteIssuerName, type SiteModel } from "../../config/derive";
import type { SiteSecrets } from "../../config/load";
import { acmeRoots } from "../certs";
import type { SiteCluster } from "../cluster";
import type { SiteDns } from "../dns";
import type { ClientRole, SiteClient } from "../identity";
import { bytesPerGb, planRse, type RucioAuth, type SiteRucioArgs } from "../rucio";

export interface SiteRucioParts {
    readonly random: random.Provider;
    readonly clients: Readonly<Partial<Record<ClientRole, SiteClient>>>;
    readonly inCluster: { readonly provider: k8s.Provider; readonly deletedWith?: pulumi.Resource };
    readonly cluster: SiteCluster;
    readonly dns: SiteDns;
}

/** PostgreSQL instances when the config does not say: a standby in production. */
const defaultInstances = { test: 1, production: 2 } as const;

function client(clients: SiteRucioParts["clients"], role: ClientRole): SiteClient {
    const c = clients[role];
    // Validation refuses a site that runs Rucio without these clients.
    if (!c) throw new Error(`the site runs Rucio, but the identity part has no ${role} client`);
    return c;
}

/**
 * The CAs that sign the certificate of the Rucio the site uses, when they are not the public
 * roots: Let's Encrypt's staging roots for its own Rucio on a test site, the configured ones for a
 * central Rucio. Undefined: the public roots.
 */
export function rucioCaCertificates(model: SiteModel): string[] | undefined {
    const r = model.config.rucio;
    const cas = r.mode === "external" ? (r.caCertificate ? [r.caCertificate] : []) : acmeRoots(model.acme.server);
    return cas.length > 0 ? cas : undefined;
}

/** How the site logs in to a central Rucio; validation guarantees the secret the method needs. */
type ExternalRucio = Extract<SiteModel["config"]["rucio"], { mode: "external" }>;

/** The login to a central Rucio that the config names, with its one secret (a password or a client secret). */
export function externalRucioLogin(r: ExternalRucio, secret: string): RucioAuth {
    const a = r.auth;
    return a.method === "userpass"
        ? { method: "userpass", account: a.account, username: a.username, password: secret }
        : { method: "oidc", issuer: a.issuer, clientId: a.clientId, clientSecret: secret, scope: a.scope, audience: a.audience, account: a.account };
}

function externalAuth(model: SiteModel, secrets: SiteSecrets): pulumi.Output<RucioAuth> {
    const r = model.config.rucio;
    if (r.mode !== "external") throw new Error("only an external Rucio takes the site's own credentials");
    const secret = r.auth.method === "userpass" ? secrets.rucioPassword! : secrets.rucioClientSecret!;
    return pulumi.secret(secret.apply((s) => externalRucioLogin(r, s)));
}

/** A test site's RSE gets a fresh name each time: Rucio never gives a deleted RSE's name again. */
export const suffixesRseName = (model: SiteModel): boolean => model.environment === "test";

export function siteRucioArgs(model: SiteModel, secrets: SiteSecrets, parts: SiteRucioParts): SiteRucioArgs {
    const config = model.config;
    const r = config.rucio;
    const common = {
        namePrefix: model.name,
        protectData: model.protectData,
        rse: planRse(model),
        suffixRseName: suffixesRseName(model),
        random: parts.random,
        reachableAfter: [parts.dns],
    };
    if (r.mode === "external") {
        return {
            ...common,
            server: { serverUrl: model.rucio.serverUrl, authUrl: model.rucio.authUrl, caCertificates: rucioCaCertificates(model) },
            auth: externalAuth(model, secrets),
        };
    }
    const db = r.database;
    return {
        ...common,
        // Reached at its public name, whose certificate is Let's Encrypt's (staging on a test site).
        server: { serverUrl: model.rucio.serverUrl, authUrl: model.rucio.authUrl, caCertificates: rucioCaCertificates(model) },
        deploy: {
            namePrefix: model.name,
            provider: parts.inCluster.provider,
            deletedWith: parts.inCluster.deletedWith,
            protectData: model.protectData,
            environment: model.environment,
            namespacePrefix: parts.cluster.namespacePrefix,
            installOperator: parts.cluster.installPlatform,
            hostnames: { server: model.hostnames.rucio, webui: model.hostnames.rucioWebui },
            // The same URL the identity plan registers the client's redirect URIs under.
            authUrl: model.rucio.authUrl,
            issuer: config.iam.issuer,
            issuerName: siteIssuerName,
            ingressClass: parts.cluster.ingressClass,
            acmeServer: model.acme.server,
            storageClass: parts.cluster.storageClass,
            lfn2pfnAlgorithm: r.lfn2pfnAlgorithm,
            database: {
                name: db.name,
                externalUrl: db.external ? secrets.rucioDatabaseUrl : undefined,
                instances: db.instances ?? defaultInstances[model.environment],
                volumeGb: r.databaseVolumeGb,
                backup: db.backup
                    ? {
                          endpoint: db.backup.endpoint,
                          bucket: db.backup.bucket,
                          path: db.backup.path ?? model.name,
                          schedule: db.backup.schedule,
                          retentionDays: db.backup.retentionDays,
                          credentials: secrets.rucioBackupCredentials!,
                      }
                    : undefined,
                restore: db.restore,
            },
            clients: { rucio: client(parts.clients, "rucio"), webui: client(parts.clients, "rucioWebui"), sync: client(parts.clients, "rucioSync") },
            sync: { schedule: r.syncSchedule, allowedGroups: config.jupyterhub.allowedGroups, admins: r.admins, quotaBytes: r.userQuotaGb * bytesPerGb },
        },
    };
}

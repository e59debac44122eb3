// Rucio on the site's cluster: PostgreSQL (CloudNativePG, or an external database), the Job that
// creates the schema and root, the server with its auth API, the daemons and the web UI. Every file
// and value comes from render/; this registers them in order: database, Job, then the servers.
// Root's password is generated here and kept as a Kubernetes Secret; it is what the RSE
// registration and the account sync (account-sync.ts, once the RSE exists) log in with.
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { AcmeServer } from "../../config/derive";
import { charts, type ChartPin } from "../../config/versions";
import { pinnedRelease } from "../helm-release";
import type { SiteClient } from "../identity";
import { rucioReleases, rucioSecrets, type RucioChart, type RucioChartArgs, type RucioSecretNames, type SecretContent } from "./render/charts";
import { rucioDaemonsValues } from "./render/daemons-values";
import {
    backupCredentialsSecret,
    cnpgOperatorValues,
    databaseConnection,
    databaseCredentialsSecret,
    databaseNames,
    databaseUrl,
    databaseUrlKey,
    databaseUrlSecret,
    postgresClusterValues,
    rucioConfigValue,
    type DatabaseBackupArgs,
} from "./render/database";
import { idpSecrets, rucioOidcRedirectUris } from "./render/idp-secrets";
import { initJobManifests, rootLogin, type SecretKeyRef } from "./render/init-job";
import { rucioServerValues } from "./render/server-values";
import { rucioWebuiValues, webuiEnvFile } from "./render/webui-values";
import type { RucioAuth } from "./rse-registration";
import { fieldsOf } from "./deferred-manifest";

export interface RucioDatabaseArgs {
    /** Connection URL of a PostgreSQL the site already runs (a secret output); no database is deployed. */
    readonly externalUrl?: pulumi.Output<string>;
    /** Name of the CloudNativePG cluster. */
    readonly name: string;
    readonly instances: number;
    readonly volumeGb: number;
    readonly backup?: Omit<DatabaseBackupArgs, "credentialsSecret"> & { readonly credentials: pulumi.Output<Record<string, string>> };
    readonly restore?: { readonly fromCluster: string; readonly targetTime?: string };
}

export interface RucioOnClusterArgs {
    readonly namePrefix: string;
    readonly provider: k8s.Provider;
    /** Test sites: deleted with the cluster. */
    readonly deletedWith?: pulumi.Resource;
    /** Production: the database is protected and kept when removed from the program. */
    readonly protectData: boolean;
    readonly environment: "test" | "production";
    readonly namespacePrefix: string;
    /** Install the CloudNativePG operator (not on a shared cluster, which runs its own, 1.30 or later). */
    readonly installOperator: boolean;
    readonly hostnames: { readonly server: string; readonly webui: string };
    /** Rucio's auth API, as the site's clients reach it: the redirect URIs of its IAM client hang off it. */
    readonly authUrl: string;
    readonly issuer: string;
    readonly issuerName: string;
    readonly ingressClass: string;
    readonly acmeServer: AcmeServer;
    /** Undefined: the cluster's default class. */
    readonly storageClass?: string;
    readonly lfn2pfnAlgorithm: "hash" | "identity";
    readonly database: RucioDatabaseArgs;
    readonly clients: { readonly rucio: SiteClient; readonly webui: SiteClient; readonly sync: SiteClient };
    readonly random: random.Provider;
}

/** Pulumi's default for a Job (10 minutes) is shorter than the script's wait for a new database plus a migration. */
const initJobTimeout = "30m";

export class RucioOnCluster extends pulumi.ComponentResource {
    /** How the RSE registration logs in: root's userpass (a secret output). */
    readonly rootAuth: pulumi.Output<RucioAuth>;
    /** The server release; the API answers once it is ready. */
    readonly server: k8s.helm.v3.Release;
    readonly namespace: pulumi.Output<string>;
    /** Root's password, for the account sync. */
    readonly rootPassword: SecretKeyRef;
    readonly rootSecret: k8s.core.v1.Secret;

    constructor(name: string, args: RucioOnClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:rucio:RucioOnCluster", name, {}, opts);
        const n = (suffix: string) => `${args.namePrefix}-${suffix}`;
        const inCluster: pulumi.CustomResourceOptions = { parent: this, provider: args.provider, deletedWith: args.deletedWith };
        // The database outlives a removal from the program in production, and a mistaken destroy is refused.
        const data: pulumi.CustomResourceOptions = args.protectData ? { parent: this, provider: args.provider, protect: true, retainOnDelete: true } : inCluster;
        // Its claims are Cinder volumes: on a test site the database and its namespace are deleted
        // while the cluster runs, so that Cinder CSI removes them, not skipped with the cluster.
        const volumes: pulumi.CustomResourceOptions = args.protectData ? data : { parent: this, provider: args.provider };
        const password = (suffix: string) => new random.RandomPassword(n(suffix), { length: 32, special: false }, { parent: this, provider: args.random }).result;

        // Deleting a namespace deletes the database in it, volumes and all: kept like the database.
        const namespace = new k8s.core.v1.Namespace(n("rucio"), { metadata: { name: `${args.namespacePrefix}rucio` } }, volumes);
        const ns = namespace.metadata.name;
        this.namespace = ns;

        // --- the database
        const db = databaseNames(args.database.name);
        const databaseReady: pulumi.Resource[] = [];
        let url: pulumi.Output<string>;
        if (args.database.externalUrl) {
            url = args.database.externalUrl;
        } else {
            const dbPassword = password("rucio-db");
            const credentials = new k8s.core.v1.Secret(n("rucio-db-credentials"), databaseCredentialsSecret(db, { namespace: ns, password: dbPassword }), inCluster);
            const backup = args.database.backup;
            const backupSecret = backup
                ? new k8s.core.v1.Secret(
                      n("rucio-db-backup"),
                      backupCredentialsSecret(db, { namespace: ns, accessKeyId: backup.credentials.apply((c) => c.accessKeyId ?? ""), secretAccessKey: backup.credentials.apply((c) => c.secretAccessKey ?? "") }),
                      inCluster,
                  )
                : undefined;
            // A cluster-wide operator with cluster-wide CRDs: a shared cluster (installPlatform false) runs its own.
            const operator = args.installOperator
                ? [
                      new k8s.helm.v3.Release(
                          n("cnpg"),
                          pinnedRelease("cnpg", charts.cloudnativePg, new k8s.core.v1.Namespace(n("cnpg-system"), { metadata: { name: `${args.namespacePrefix}cnpg-system` } }, data).metadata.name, cnpgOperatorValues()),
                          data,
                      ),
                  ]
                : [];
            // Named after the database: a restore into a new one is a new release beside the old.
            const cluster = new k8s.helm.v3.Release(
                n(args.database.name),
                pinnedRelease(
                    args.database.name,
                    charts.postgresCluster,
                    ns,
                    postgresClusterValues({
                        names: db,
                        instances: args.database.instances,
                        storageClass: args.storageClass,
                        volumeGb: args.database.volumeGb,
                        backup: backup ? { ...backup, credentialsSecret: db.backupSecret } : undefined,
                        restore: args.database.restore,
                    }),
                ),
                { ...volumes, dependsOn: [...operator, credentials, ...(backupSecret ? [backupSecret] : [])] },
            );
            databaseReady.push(cluster);
            url = pulumi.all([ns, dbPassword]).apply(([namespace, pw]) => databaseUrl({ ...databaseConnection(db, namespace), password: pw }));
        }
        const urlValue = pulumi.secret(url.apply(rucioConfigValue));
        const urlSecret = new k8s.core.v1.Secret(n("rucio-db-url"), databaseUrlSecret(db, { namespace: ns, url: urlValue }), inCluster);

        // --- schema and root
        const rootPassword = password("rucio-root");
        const rootSecretName = "rucio-root";
        const rootSecret = new k8s.core.v1.Secret(
            n("rucio-root"),
            { metadata: { name: rootSecretName, namespace: ns }, type: "Opaque", stringData: { password: rootPassword } },
            inCluster,
        );
        // A new root password (or database URL) runs the Job again, which sets it in Rucio: the
        // Job's name carries a digest of both: of a 32-character random password, it tells nothing,
        // so it need not be secret (and the Job's name stays readable in a preview).
        const rerunKey = pulumi.unsecret(pulumi.all([rootPassword, url]).apply(([pw, u]) => createHash("sha256").update(`${pw}\n${u}`).digest("hex").slice(0, 16)));
        const init = pulumi.all([ns, rerunKey]).apply(([namespace, key]) =>
            initJobManifests({ name: "rucio-db-init", namespace, databaseUrl: { name: db.urlSecret, key: databaseUrlKey }, rootPassword: { name: rootSecretName, key: "password" }, rerunKey: key }),
        );
        const initScript = new k8s.core.v1.ConfigMap(n("rucio-db-init"), fieldsOf(init.apply((i) => i.configMap as Record<string, unknown>), ["metadata", "data", "immutable"]), inCluster);
        const initJob = new k8s.batch.v1.Job(n("rucio-db-init"), fieldsOf(init.apply((i) => i.job as Record<string, unknown>), ["metadata", "spec"]), {
            ...inCluster,
            dependsOn: [...databaseReady, urlSecret, rootSecret, initScript],
            customTimeouts: { create: initJobTimeout, update: initJobTimeout },
            // A new Job (a new name) for a new release or script; the finished one is removed.
            deleteBeforeReplace: true,
        });
        this.rootAuth = pulumi.secret(rootPassword.apply(rootLogin));

        // --- the Secrets the charts' values name
        const names: RucioSecretNames = { idpSecrets: "rucio-idpsecrets", databaseUrl: db.urlSecret, webui: "rucio-webui-secrets", webuiEnv: "rucio-webui-env" };
        const chartArgs = (namespace: string, webuiClientId?: string): RucioChartArgs => ({
            environment: args.environment,
            namespace,
            serverHostname: args.hostnames.server,
            webuiHostname: args.hostnames.webui,
            issuer: args.issuer,
            issuerName: args.issuerName,
            webuiClientId,
            ingressClass: args.ingressClass,
            acmeServer: args.acmeServer,
            lfn2pfnAlgorithm: args.lfn2pfnAlgorithm,
            secrets: names,
        });
        // The server and daemons do not wait for the web UI's client; the web UI's values do.
        const serverArgs = ns.apply((namespace) => chartArgs(namespace));
        const webuiArgs = pulumi.all([ns, args.clients.webui.clientId]).apply(([namespace, id]) => chartArgs(namespace, id));
        const idp = pulumi.secret(
            pulumi.all([args.clients.rucio.clientId, args.clients.rucio.clientSecret]).apply(([id, secret]) =>
                idpSecrets({
                    issuerName: args.issuerName,
                    issuer: args.issuer,
                    clientId: id,
                    clientSecret: secret,
                    redirectUris: rucioOidcRedirectUris(args.authUrl),
                }),
            ),
        );
        const sessionSecret = password("rucio-webui-session");
        const contentOf = (content: SecretContent): pulumi.Input<string> => {
            switch (content) {
                case "idpsecrets.json":
                    return idp;
                case "webui-client-secret":
                    return args.clients.webui.clientSecret;
                case "webui-session-secret":
                    return sessionSecret;
                case "webui-env":
                    return webuiArgs.apply(webuiEnvFile);
                case "database-url":
                    return urlValue;
            }
        };
        // The database URL's Secret is made above, with the database.
        const secretsFor = { server: [urlSecret] as pulumi.Resource[], daemons: [urlSecret] as pulumi.Resource[], webui: [] as pulumi.Resource[] };
        for (const s of rucioSecrets(names).filter((s) => s.name !== names.databaseUrl)) {
            const stringData = Object.fromEntries(s.keys.map((k) => [k.key, contentOf(k.content)]));
            const secret = new k8s.core.v1.Secret(n(s.name), { metadata: { name: s.name, namespace: ns }, type: "Opaque", stringData }, inCluster);
            for (const chart of s.usedBy) secretsFor[chart].push(secret);
        }

        // --- server, daemons, web UI: after the schema exists, each after the Secrets it mounts
        const chartRelease = (chart: RucioChart, pin: ChartPin, values: pulumi.Input<Record<string, unknown>>, after: pulumi.Resource[]) =>
            new k8s.helm.v3.Release(n(rucioReleases[chart]), pinnedRelease(rucioReleases[chart], pin, ns, values), { ...inCluster, dependsOn: [...after, ...secretsFor[chart]] });
        this.server = chartRelease("server", charts.rucioServer, serverArgs.apply(rucioServerValues), [initJob]);
        chartRelease("daemons", charts.rucioDaemons, serverArgs.apply(rucioDaemonsValues), [initJob]);
        // The web UI talks to the server.
        chartRelease("webui", charts.rucioWebui, webuiArgs.apply(rucioWebuiValues), [this.server]);

        this.rootPassword = { name: rootSecretName, key: "password" };
        this.rootSecret = rootSecret;

        this.registerOutputs({ namespace: ns });
    }
}

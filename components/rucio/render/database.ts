// Rucio's PostgreSQL as data: values of the CloudNativePG operator chart and of the chart of one
// PostgreSQL cluster, the Secrets they read, and the facts Rucio connects with. CloudNativePG
// 1.30.0 (charts cloudnative-pg 0.29.0 and cluster 0.8.1).
//
// Backups use CloudNativePG's in-tree Barman Cloud support (spec.backup.barmanObjectStore). It
// is deprecated since 1.26 and removed in 1.31 (cloudnative-pg@v1.30.0:docs/src/release_notes/v1.30.md:20-23),
// in favour of the Barman Cloud plugin; but the plugin is a separate deployment (its own manifest
// and its barmancloud.cnpg.io ObjectStore CRD) that no vendored chart installs, while 1.30 and the
// cluster chart still carry the in-tree method (cluster-0.8.1 templates/_backup.tpl). Moving the
// operator past 1.30 means moving these backups to the plugin first.
import type * as pulumi from "@pulumi/pulumi";
import { ports } from "../../../config/ports";
import { versions } from "../../../config/versions";
import type * as k8s from "@pulumi/kubernetes";

/** The one database Rucio uses, and the role that owns it. */
export const rucioDatabase = "rucio";
export const rucioDatabaseOwner = "rucio";

/** The port of CloudNativePG's services. */
export const postgresPort = ports.postgres;

/** The pinned PostgreSQL image (config/versions.ts says why this one). */
export const postgresImage = versions.postgresImage;

/** Keys of the backup credentials Secret, as the cluster chart refers to them (cluster-0.8.1 templates/_barman_object_store.tpl:25-35). */
export const backupCredentialKeys = { accessKeyId: "ACCESS_KEY_ID", secretAccessKey: "ACCESS_SECRET_KEY" } as const;

/** Key of the Secret that holds Rucio's database URL (in rucio.cfg form, see rucioConfigValue). */
export const databaseUrlKey = "url";

/** Names of what one PostgreSQL cluster for Rucio is made of. */
export interface DatabaseNames {
    /** The CloudNativePG Cluster; also where its backups go in the object store (barman's serverName). */
    readonly cluster: string;
    /** kubernetes.io/basic-auth Secret of the rucio role, which the component creates. */
    readonly credentialsSecret: string;
    /** The object store's S3 keys, which the component creates from the stack secrets. */
    readonly backupSecret: string;
    /** Rucio's database URL, for the init Job and the Rucio servers. */
    readonly urlSecret: string;
}

export function databaseNames(cluster: string): DatabaseNames {
    return { cluster, credentialsSecret: `${cluster}-credentials`, backupSecret: `${cluster}-backup-s3`, urlSecret: `${cluster}-rucio-url` };
}

export function cnpgOperatorValues(): Record<string, unknown> {
    return {
        replicaCount: 1,
        // Rendered as templates with helm.sh/resource-policy: keep, so that removing the operator
        // never deletes the CRDs, and with them every Cluster and its volumes.
        crds: { create: true },
        config: { clusterWide: true },
        resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        monitoring: { podMonitorEnabled: false, grafanaDashboard: { create: false } },
    };
}

/** Scheduled backups and continuous WAL archiving to an S3-compatible object store. */
export interface DatabaseBackupArgs {
    /** S3 API endpoint, such as OpenStack Swift's S3 API or a Ceph RGW. */
    readonly endpoint: string;
    /** The bucket; it must exist (Barman Cloud 3.16 and later do not create it: backup_barmanobjectstore.md:45-52 at v1.30.0). */
    readonly bucket: string;
    /** Folder in the bucket; the cluster's backups go under <path>/<cluster>/. */
    readonly path: string;
    /** When a full backup runs: six cron fields, seconds first (ScheduledBackup). */
    readonly schedule: string;
    /** Base backups and WAL older than this many days are removed. */
    readonly retentionDays: number;
    /** Secret with the S3 keys under backupCredentialKeys. */
    readonly credentialsSecret: string;
}

/** Recovery of a new cluster from the object store, from the backups of an earlier one. */
export interface DatabaseRestoreArgs {
    /** The Cluster whose backups are restored (its name, barman's serverName). */
    readonly fromCluster: string;
    /** Point in time to recover to, RFC 3339; the end of the WAL archive without it. */
    readonly targetTime?: string;
}

export interface PostgresClusterArgs {
    readonly names: DatabaseNames;
    /** One primary, the rest hot standbys. */
    readonly instances: number;
    /** Undefined: the cluster's default storage class. */
    readonly storageClass?: string;
    readonly volumeGb: number;
    readonly backup?: DatabaseBackupArgs;
    /** Bootstrap from backups (in backup's object store) instead of an empty database. */
    readonly restore?: DatabaseRestoreArgs;
}

const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** What every PostgreSQL pod asks for; the standbys are the same size as the primary. */
const postgresResources = { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } };

/** The object store as the cluster chart takes it, in its `backups:` and `recovery:` trees alike. */
function objectStore(b: DatabaseBackupArgs) {
    return {
        endpointURL: b.endpoint,
        provider: "s3",
        // The chart builds s3://<bucket><path>: the path starts with "/".
        s3: { bucket: b.bucket, path: `/${b.path.replace(/^\/+|\/+$/g, "")}`, region: "", accessKey: "", secretKey: "", inheritFromIAMRole: false },
        // The keys stay in the component's Secret: the chart only refers to it, and puts no key in the values.
        secret: { create: false, name: b.credentialsSecret },
    };
}

/** The cluster chart's values (cluster-0.8.1 values.yaml); no secret is in them, only Secret names. */
export function postgresClusterValues(a: PostgresClusterArgs): Record<string, unknown> {
    if (a.restore && !a.backup) throw new Error("restoring the database needs the object store its backups are in (rucio.database.backup)");
    if (a.restore?.targetTime !== undefined && !rfc3339.test(a.restore.targetTime)) throw new Error(`the restore's target time must be an RFC 3339 time such as 2026-01-02T03:04:05Z, not ${JSON.stringify(a.restore.targetTime)}`);
    // Barman refuses to archive into a WAL archive that is not empty: a restored cluster needs a name of its own.
    if (a.restore && a.restore.fromCluster === a.names.cluster) throw new Error(`the restored database needs a new cluster name: ${a.names.cluster} is the one its backups come from`);
    const cluster: Record<string, unknown> = {
        instances: a.instances,
        imageName: postgresImage,
        storage: { size: `${a.volumeGb}Gi`, storageClass: a.storageClass ?? "" },
        resources: postgresResources,
        // Standbys on other nodes where there are any; a single-zone cloud has one zone for all.
        affinity: { enablePodAntiAffinity: true, podAntiAffinityType: "preferred", topologyKey: "kubernetes.io/hostname" },
        // A disruption budget over a single instance would stop every node drain.
        enablePDB: a.instances > 1,
        // Rucio connects as the database's owner; nothing needs the postgres superuser's password.
        enableSuperuserAccess: false,
        monitoring: { enabled: false },
    };
    // A new database, rucio owned by rucio with the component's password; CloudNativePG keeps the
    // role's password that of the Secret afterwards (instance_controller.go:1388 at v1.30.0).
    if (!a.restore) cluster.initdb = { database: rucioDatabase, owner: rucioDatabaseOwner, secret: { name: a.names.credentialsSecret }, encoding: "UTF8" };
    if (a.backup) {
        // boto3 1.36 and later send integrity checksums that S3-compatible stores may refuse
        // (cloudnative-pg@v1.30.0:docs/src/appendixes/object_stores.md:171-188).
        cluster.env = [
            { name: "AWS_REQUEST_CHECKSUM_CALCULATION", value: "when_required" },
            { name: "AWS_RESPONSE_CHECKSUM_VALIDATION", value: "when_required" },
        ];
    }
    const values: Record<string, unknown> = {
        type: "postgresql",
        mode: a.restore ? "recovery" : "standalone",
        fullnameOverride: a.names.cluster,
        cluster,
        backups: a.backup ? backupValues(a.backup) : { enabled: false },
    };
    if (a.restore && a.backup) {
        values.recovery = {
            method: "object_store",
            clusterName: a.restore.fromCluster,
            // The chart writes the time unquoted (cluster-0.8.1 templates/_bootstrap.tpl:79-81), where YAML
            // would read it as a timestamp; quoted, it stays the string CloudNativePG parses.
            pitrTarget: { time: a.restore.targetTime === undefined ? "" : JSON.stringify(a.restore.targetTime) },
            // The database and its owner come back from the backup. Left empty, CloudNativePG's
            // defaulting still names an `app` database and owner, and makes them with an
            // <cluster>-app Secret (api/v1/cluster_defaults.go:263-270, cluster_funcs.go:905-911,
            // 1002-1018 at v1.30.0): an empty, unused database beside Rucio's, which is harmless.
            // Naming rucio here instead would let the operator generate the owner's password.
            database: "",
            owner: "",
            ...objectStore(a.backup),
        };
        // The chart takes no application Secret in recovery mode: declaring the role keeps its
        // password that of the component's Secret once the restored cluster is promoted.
        cluster.roles = [{ name: rucioDatabaseOwner, ensure: "present", login: true, passwordSecret: { name: a.names.credentialsSecret } }];
    }
    return values;
}

function backupValues(b: DatabaseBackupArgs): Record<string, unknown> {
    // The store's own encryption: Swift's S3 API refuses the SSE header unless its encryption
    // middleware is on (openstack/swift@2.38.1:swift/common/middleware/s3api/s3request.py:1674-1678).
    const noSse = "";
    return {
        enabled: true,
        method: "barmanObjectStore",
        ...objectStore(b),
        wal: { compression: "gzip", encryption: noSse, maxParallel: 2 },
        data: { compression: "gzip", encryption: noSse, jobs: 2 },
        scheduledBackups: [{ name: "scheduled", schedule: b.schedule, backupOwnerReference: "self", method: "barmanObjectStore" }],
        retentionPolicy: `${b.retentionDays}d`,
    };
}

/** Where and as whom Rucio connects: the primary's read-write service. */
export interface DatabaseConnection {
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
}

export function databaseConnection(names: Pick<DatabaseNames, "cluster">, namespace: string): DatabaseConnection {
    // CloudNativePG's read-write service is <cluster>-rw (cloudnative-pg@v1.30.0:api/v1/cluster_types.go:74).
    return { host: `${names.cluster}-rw.${namespace}.svc`, port: postgresPort, database: rucioDatabase, user: rucioDatabaseOwner };
}

/**
 * The DBAPI driver in Rucio's SQLAlchemy URL. Rucio 40 installs psycopg 3 and sets up every
 * PostgreSQL connection with its API (rucio@40.4.1:pyproject.toml:70-74,
 * lib/rucio/db/sqla/session.py:161-176), so it needs `postgresql+psycopg`; Rucio 1.31 uses
 * psycopg2 (rucio@1.31.7:lib/rucio/db/sqla/session.py:139-154), SQLAlchemy's default for `postgresql`.
 */
export type PostgresDriver = "psycopg" | "psycopg2";

export interface DatabaseUrlParts extends DatabaseConnection {
    readonly password: string;
    readonly driver?: PostgresDriver;
    /** libpq's sslmode: require by default (CloudNativePG serves TLS and also allows plain connections: pkg/postgres/configuration.go:130). */
    readonly sslMode?: "disable" | "prefer" | "require";
}

/** The SQLAlchemy URL of Rucio's database; user, password and database percent-encoded, as SQLAlchemy decodes them. */
export function databaseUrl(p: DatabaseUrlParts): string {
    const enc = encodeURIComponent;
    return `postgresql+${p.driver ?? "psycopg"}://${enc(p.user)}:${enc(p.password)}@${p.host}:${p.port}/${enc(p.database)}?sslmode=${p.sslMode ?? "require"}`;
}

/**
 * A value as rucio.cfg holds it. Rucio reads rucio.cfg with ConfigParser's interpolation
 * (rucio@40.4.1:lib/rucio/common/config.py:772), and the images build rucio.cfg from RUCIO_CFG_*
 * variables and JSON through ConfigParser.read_dict, which refuses a lone '%'
 * (rucio@40.4.1:tools/merge_rucio_configs.py:79, 126): every '%', a percent-encoded password's
 * included, is written '%%'.
 */
export function rucioConfigValue(value: string): string {
    return value.replace(/%/g, "%%");
}

/** Placed as given: the values are known at deploy time only. */
interface SecretFacts {
    readonly namespace: pulumi.Input<string>;
}

/** The rucio role's credentials, as CloudNativePG takes an existing application Secret (docs/src/bootstrap.md:202-218 at v1.30.0). */
export function databaseCredentialsSecret(names: DatabaseNames, f: SecretFacts & { readonly password: pulumi.Input<string> }): k8s.core.v1.SecretArgs {
    return {
        apiVersion: "v1",
        kind: "Secret",
        // cnpg.io/reload: the operator reconciles the cluster when the Secret changes, and the
        // primary sets the role's password again (internal/management/controller/instance_controller.go:1388, 1421-1458 at v1.30.0).
        metadata: { name: names.credentialsSecret, namespace: f.namespace, labels: { "cnpg.io/reload": "true" } },
        type: "kubernetes.io/basic-auth",
        stringData: { username: rucioDatabaseOwner, password: f.password },
    };
}

export function backupCredentialsSecret(names: DatabaseNames, f: SecretFacts & { readonly accessKeyId: pulumi.Input<string>; readonly secretAccessKey: pulumi.Input<string> }): k8s.core.v1.SecretArgs {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: names.backupSecret, namespace: f.namespace, labels: { "cnpg.io/reload": "true" } },
        type: "Opaque",
        stringData: { [backupCredentialKeys.accessKeyId]: f.accessKeyId, [backupCredentialKeys.secretAccessKey]: f.secretAccessKey },
    };
}

/** Rucio's database URL, in rucio.cfg form (rucioConfigValue), for RUCIO_CFG_DATABASE_DEFAULT. */
export function databaseUrlSecret(names: DatabaseNames, f: SecretFacts & { readonly url: pulumi.Input<string> }): k8s.core.v1.SecretArgs {
    return {
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: names.urlSecret, namespace: f.namespace },
        type: "Opaque",
        stringData: { [databaseUrlKey]: f.url },
    };
}

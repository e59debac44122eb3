// The IAM-to-Rucio account sync as Kubernetes objects: its script in a ConfigMap and a CronJob
// that runs it in the pinned rucio-init image (Python 3.9 and nothing the script needs beyond the
// standard library). What the script does is in its docstring (../sync/account_sync.py).
import { projectFile } from "../../project-files";
import { secretEnv as secretKeyEnv } from "./charts";
import { rucioInitImage, type SecretKeyRef } from "./init-job";

export type { SecretKeyRef } from "./init-job";

export const accountSyncScriptPath = "components/rucio/sync/account_sync.py";
const scriptFile = "account_sync.py";
const scriptDir = "/opt/account-sync";
const caDir = "/etc/account-sync/ca";

/** The pinned rucio-init image: AlmaLinux 9 with its python3 (rucio/containers@40.4.1:init/Dockerfile:1). */
export const accountSyncImage = rucioInitImage;

/** What the sync is told, besides its secrets. */
export interface AccountSyncSettings {
    /** IAM's issuer exactly as in its tokens' iss (trailing slash included): the identities carry it. */
    readonly iamIssuer: string;
    /** The sync's IAM client (client_credentials, scope scim:read). */
    readonly iamClientId: string;
    readonly rucioUrl: string;
    /** Defaults to rucioUrl. */
    readonly rucioAuthUrl?: string;
    /** The account whose userpass the sync uses; defaults to root. */
    readonly rucioAccount?: string;
    readonly rucioUsername: string;
    /** IAM groups whose members get accounts (/skao/uksrc or skao/uksrc); empty: every user. */
    readonly allowedGroups: readonly string[];
    /** IAM usernames whose accounts are admins. */
    readonly admins: readonly string[];
    /** The site RSE new accounts get their limit on. */
    readonly rse: string;
    /** That limit, in bytes; -1 for none. */
    readonly defaultQuotaBytes: number;
}

export interface AccountSyncArgs {
    /** The CronJob's name; the ConfigMap is `<name>-script`. */
    readonly name: string;
    readonly namespace: string;
    /** Five-field cron schedule. */
    readonly schedule: string;
    readonly settings: AccountSyncSettings;
    /** The Secret key holding the IAM client's secret. */
    readonly iamClientSecret: SecretKeyRef;
    /** The Secret key holding the Rucio account's userpass password. */
    readonly rucioPassword: SecretKeyRef;
    /** A ConfigMap key with the PEM CAs to trust for IAM and Rucio (test sites' staging roots); the system's otherwise. */
    readonly caBundle?: { readonly configMap: string; readonly key: string };
    /** How long one run may take before Kubernetes stops it; 30 minutes by default. */
    readonly activeDeadlineSeconds?: number;
}

export interface EnvVar {
    readonly name: string;
    readonly value?: string;
    readonly valueFrom?: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}

const listItem = /^[^,\s]+$/;

function joined(what: string, items: readonly string[]): string {
    const bad = items.find((i) => !listItem.test(i));
    if (bad !== undefined) throw new Error(`account sync: ${what} ${JSON.stringify(bad)} cannot be passed on (no commas or spaces)`);
    return items.join(",");
}

/** The sync's settings as its environment (the names its docstring documents); secrets are not among them. */
export function syncSettings(s: AccountSyncSettings): EnvVar[] {
    if (!Number.isSafeInteger(s.defaultQuotaBytes) || s.defaultQuotaBytes < -1) throw new Error(`account sync: the default quota must be a whole number of bytes or -1, not ${s.defaultQuotaBytes}`);
    for (const [what, url] of [["iamIssuer", s.iamIssuer], ["rucioUrl", s.rucioUrl], ["rucioAuthUrl", s.rucioAuthUrl ?? s.rucioUrl]] as const) {
        if (!/^https?:\/\/\S+$/.test(url)) throw new Error(`account sync: ${what} must be an http(s) URL, not ${JSON.stringify(url)}`);
    }
    return [
        { name: "SYNC_IAM_ISSUER", value: s.iamIssuer },
        { name: "SYNC_IAM_CLIENT_ID", value: s.iamClientId },
        { name: "SYNC_RUCIO_URL", value: s.rucioUrl },
        { name: "SYNC_RUCIO_AUTH_URL", value: s.rucioAuthUrl ?? s.rucioUrl },
        { name: "SYNC_RUCIO_ACCOUNT", value: s.rucioAccount ?? "root" },
        { name: "SYNC_RUCIO_USERNAME", value: s.rucioUsername },
        { name: "SYNC_ALLOWED_GROUPS", value: joined("group", s.allowedGroups) },
        { name: "SYNC_ADMINS", value: joined("admin", s.admins) },
        { name: "SYNC_RSE", value: s.rse },
        { name: "SYNC_DEFAULT_QUOTA_BYTES", value: String(s.defaultQuotaBytes) },
    ];
}

const secretEnv = (name: string, ref: SecretKeyRef): EnvVar => secretKeyEnv(name, ref.name, ref.key);

const labels = (args: AccountSyncArgs) => ({ "app.kubernetes.io/name": "rucio-account-sync", "app.kubernetes.io/instance": args.name, "app.kubernetes.io/part-of": "rucio" });

export const accountSyncConfigMapName = (args: Pick<AccountSyncArgs, "name">) => `${args.name}-script`;

export function accountSyncConfigMap(args: AccountSyncArgs): Record<string, unknown> {
    return {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: accountSyncConfigMapName(args), namespace: args.namespace, labels: labels(args) },
        data: { [scriptFile]: projectFile(accountSyncScriptPath) },
    };
}

export function accountSyncCronJob(args: AccountSyncArgs): Record<string, unknown> {
    if (!/^\S+( \S+){4}$/.test(args.schedule)) throw new Error(`account sync: ${JSON.stringify(args.schedule)} is not a five-field cron schedule`);
    const env: EnvVar[] = [
        ...syncSettings(args.settings),
        secretEnv("SYNC_IAM_CLIENT_SECRET", args.iamClientSecret),
        secretEnv("SYNC_RUCIO_PASSWORD", args.rucioPassword),
        ...(args.caBundle ? [{ name: "SYNC_CA_BUNDLE", value: `${caDir}/${args.caBundle.key}` }] : []),
        // The read-only root file system has nowhere to put bytecode.
        { name: "PYTHONDONTWRITEBYTECODE", value: "1" },
    ];
    const volumes = [
        { name: "script", configMap: { name: accountSyncConfigMapName(args), defaultMode: 0o444 } },
        ...(args.caBundle ? [{ name: "ca", configMap: { name: args.caBundle.configMap, items: [{ key: args.caBundle.key, path: args.caBundle.key }], defaultMode: 0o444 } }] : []),
    ];
    const mounts = [{ name: "script", mountPath: scriptDir, readOnly: true }, ...(args.caBundle ? [{ name: "ca", mountPath: caDir, readOnly: true }] : [])];
    return {
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: args.name, namespace: args.namespace, labels: labels(args) },
        spec: {
            schedule: args.schedule,
            // A run that overlaps the next would race it to create the same accounts.
            concurrencyPolicy: "Forbid",
            // A run missed by more than this (the cluster was down) waits for the next slot.
            startingDeadlineSeconds: 600,
            successfulJobsHistoryLimit: 3,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
                metadata: { labels: labels(args) },
                spec: {
                    // The next scheduled run is the retry; each run retries transient errors itself.
                    backoffLimit: 0,
                    activeDeadlineSeconds: args.activeDeadlineSeconds ?? 1800,
                    ttlSecondsAfterFinished: 86400,
                    template: {
                        metadata: { labels: labels(args) },
                        spec: {
                            restartPolicy: "Never",
                            // It talks to IAM and Rucio only, never to the Kubernetes API.
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } },
                            containers: [
                                {
                                    name: "sync",
                                    image: accountSyncImage,
                                    imagePullPolicy: "IfNotPresent",
                                    // The image's own entrypoint bootstraps a database; the sync replaces it.
                                    command: ["python3", `${scriptDir}/${scriptFile}`],
                                    env,
                                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                    volumeMounts: mounts,
                                },
                            ],
                            volumes,
                        },
                    },
                },
            },
        },
    };
}

/** The ConfigMap first: the CronJob's pods mount it. */
export function accountSyncManifests(args: AccountSyncArgs): Record<string, unknown>[] {
    return [accountSyncConfigMap(args), accountSyncCronJob(args)];
}

// The stack's secret keys: values that cannot be generated (@pulumi/random covers the rest).
// Each key says when a site needs it; the loader refuses missing ones and plaintext ones.
import type { SiteConfig } from "./schema";
import type { ReadPath } from "./partial";

export interface SecretKeySpec {
    readonly description: string;
    /** When a site needs the key, as the config reads; shown in errors and the README. */
    readonly neededWhen: string;
    /** The one config field the need depends on, so that it is judged even when other parts are invalid. */
    readonly reads: ReadPath;
    readonly needed: (site: SiteConfig) => boolean;
    /** The value is a structured object (set with `pulumi config set --secret --path`). */
    readonly structured?: boolean;
    /** The value must be stored with --secret. False for public material kept beside a secret. */
    readonly secret: boolean;
    /** How an operator sets it. */
    readonly setWith: string;
}

export const secretKeys = {
    openstackApplicationCredentialSecret: {
        description: "Secret of the OpenStack application credential named in site.openstack.applicationCredentialId.",
        neededWhen: "site.openstack.applicationCredentialId is set",
        reads: ["openstack", "applicationCredentialId"],
        needed: (s) => s.openstack.applicationCredentialId !== undefined,
        secret: true,
        setWith: "pulumi config set --secret openstackApplicationCredentialSecret",
    },
    iamAdminClientSecret: {
        description: "Secret of the IAM admin client (site.iam.adminClientId).",
        neededWhen: 'site.iam.registration is "admin"',
        reads: ["iam", "registration"],
        needed: (s) => s.iam.registration === "admin",
        secret: true,
        setWith: "pulumi config set --secret iamAdminClientSecret",
    },
    iamClientSecrets: {
        description: "Secrets of pre-registered IAM clients: {jupyterhub, tokenExchange, rucio, storm}.",
        neededWhen: 'site.iam.registration is "static"',
        reads: ["iam", "registration"],
        needed: (s) => s.iam.registration === "static",
        structured: true,
        secret: true,
        setWith: "pulumi config set --secret --path iamClientSecrets.jupyterhub (and tokenExchange, rucio)",
    },
    kubeconfig: {
        description: "Kubeconfig of an existing cluster.",
        neededWhen: 'site.cluster.backend is "existing"',
        reads: ["cluster", "backend"],
        needed: (s) => s.cluster.backend === "existing",
        secret: true,
        setWith: "pulumi config set --secret kubeconfig < kubeconfig.yaml",
    },
    capiManagementKubeconfig: {
        description: "Kubeconfig of the Cluster API management cluster.",
        neededWhen: 'site.cluster.backend is "capi"',
        reads: ["cluster", "backend"],
        needed: (s) => s.cluster.backend === "capi",
        secret: true,
        setWith: "pulumi config set --secret capiManagementKubeconfig < management-kubeconfig.yaml",
    },
    stormHostKey: {
        description: "Private key (PEM) of a provided StoRM host certificate.",
        neededWhen: 'site.certificates.storm is "provided"',
        reads: ["certificates", "storm"],
        needed: (s) => s.certificates.storm === "provided",
        secret: true,
        setWith: "pulumi config set --secret stormHostKey < hostkey.pem",
    },
    stormHostCertificate: {
        description: "Provided StoRM host certificate with its chain (PEM); public, so not a secret.",
        neededWhen: 'site.certificates.storm is "provided"',
        reads: ["certificates", "storm"],
        needed: (s) => s.certificates.storm === "provided",
        secret: false,
        setWith: "pulumi config set stormHostCertificate < hostcert.pem",
    },
    rucioPassword: {
        description: "Password of the userpass identity the site registers its RSE with in the central Rucio.",
        neededWhen: 'site.rucio.auth.method is "userpass"',
        reads: ["rucio"],
        needed: (s) => s.rucio.mode === "external" && s.rucio.auth.method === "userpass",
        secret: true,
        setWith: "pulumi config set --secret rucioPassword",
    },
    rucioClientSecret: {
        description: "Secret of the IAM client (site.rucio.auth.clientId) whose token registers the RSE in the central Rucio.",
        neededWhen: 'site.rucio.auth.method is "oidc"',
        reads: ["rucio"],
        needed: (s) => s.rucio.mode === "external" && s.rucio.auth.method === "oidc",
        secret: true,
        setWith: "pulumi config set --secret rucioClientSecret",
    },
    rucioDatabaseUrl: {
        description: "Connection URL of an external PostgreSQL for Rucio, as SQLAlchemy reads it with psycopg 3 (the driver of the Rucio 40 images), such as postgresql+psycopg://rucio:PASSWORD@db.example.org:5432/rucio?sslmode=require.",
        neededWhen: "site.rucio.database.external is true",
        reads: ["rucio"],
        needed: (s) => s.rucio.mode === "deploy" && s.rucio.database.external,
        secret: true,
        setWith: "pulumi config set --secret rucioDatabaseUrl",
    },
    rucioBackupCredentials: {
        description: "S3 keys of the database backups' bucket: {accessKeyId, secretAccessKey} (EC2 credentials of Swift's S3 API, or a Ceph RGW user's keys).",
        neededWhen: "site.rucio.database.backup is set",
        reads: ["rucio"],
        needed: (s) => s.rucio.mode === "deploy" && s.rucio.database.backup !== undefined,
        structured: true,
        secret: true,
        setWith: "pulumi config set --secret --path rucioBackupCredentials.accessKeyId (and secretAccessKey)",
    },
    checksClientSecret: {
        description: "Secret of the IAM client of the post-deploy checks (site.checks.clientId); npm run smoke reads it, pulumi up never does.",
        neededWhen: "site.checks is set",
        reads: ["checks"],
        // pulumi up never reads it; npm run smoke takes it from here or, first, from SRCNET_CHECKS_CLIENT_SECRET.
        needed: (s) => s.checks !== undefined,
        secret: true,
        setWith: "pulumi config set --secret checksClientSecret",
    },
} satisfies Record<string, SecretKeySpec>;

export type SecretKeyName = keyof typeof secretKeys;

export const secretKeyNames = Object.keys(secretKeys) as SecretKeyName[];

/** Config keys of this project that are not secret keys. */
export const siteKey = "site";

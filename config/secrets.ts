// The stack's secret keys: values that cannot be generated (@pulumi/random covers the rest).
// Each key says when a site needs it; the loader refuses missing ones and plaintext ones.
import type { SiteConfig } from "./schema";

export interface SecretKeySpec {
    readonly description: string;
    /** Why this site needs the key, or undefined when it does not. */
    readonly requiredBecause: (site: SiteConfig) => string | undefined;
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
        requiredBecause: (s) => (s.openstack.applicationCredentialId ? "site.openstack.applicationCredentialId is set" : undefined),
        secret: true,
        setWith: "pulumi config set --secret openstackApplicationCredentialSecret",
    },
    iamAdminClientSecret: {
        description: "Secret of the IAM admin client (site.iam.adminClientId).",
        requiredBecause: (s) => (s.iam.registration === "admin" ? 'site.iam.registration is "admin"' : undefined),
        secret: true,
        setWith: "pulumi config set --secret iamAdminClientSecret",
    },
    iamClientSecrets: {
        description: "Secrets of pre-registered IAM clients: {jupyterhub, tokenExchange, rucio, storm}.",
        requiredBecause: (s) => (s.iam.registration === "static" ? 'site.iam.registration is "static"' : undefined),
        structured: true,
        secret: true,
        setWith: "pulumi config set --secret --path iamClientSecrets.jupyterhub (and tokenExchange, rucio)",
    },
    kubeconfig: {
        description: "Kubeconfig of an existing cluster.",
        requiredBecause: (s) => (s.cluster.backend === "existing" ? 'site.cluster.backend is "existing"' : undefined),
        secret: true,
        setWith: "pulumi config set --secret kubeconfig < kubeconfig.yaml",
    },
    capiManagementKubeconfig: {
        description: "Kubeconfig of the Cluster API management cluster.",
        requiredBecause: (s) => (s.cluster.backend === "capi" ? 'site.cluster.backend is "capi"' : undefined),
        secret: true,
        setWith: "pulumi config set --secret capiManagementKubeconfig < management-kubeconfig.yaml",
    },
    stormHostKey: {
        description: "Private key (PEM) of a provided StoRM host certificate.",
        requiredBecause: (s) => (s.certificates.storm === "provided" ? 'site.certificates.storm is "provided"' : undefined),
        secret: true,
        setWith: "pulumi config set --secret stormHostKey < hostkey.pem",
    },
    stormHostCertificate: {
        description: "Provided StoRM host certificate with its chain (PEM); public, so not a secret.",
        requiredBecause: (s) => (s.certificates.storm === "provided" ? 'site.certificates.storm is "provided"' : undefined),
        secret: false,
        setWith: "pulumi config set stormHostCertificate < hostcert.pem",
    },
} satisfies Record<string, SecretKeySpec>;

export type SecretKeyName = keyof typeof secretKeys;

export const secretKeyNames = Object.keys(secretKeys) as SecretKeyName[];

/** Config keys of this project that are not secret keys. */
export const siteKey = "site";

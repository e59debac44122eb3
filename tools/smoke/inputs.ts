// What the checks start from besides the shared site access (tools/site-access: the site model of
// the stack file, the stack outputs): the checks client's secret, from the environment or the
// Pulumi CLI. No secret value is ever part of a message.
import { secretKeyNames } from "../../config/secrets";
import { configSecret, pulumiRunner, type PulumiRunner } from "../site-access/pulumi-cli";
import { readSiteConfig, SiteConfigError, SiteInputError, type SiteConfig } from "../site-access/site-config";

/** The checks client's secret, when given this way it comes before the stack's. */
export const clientSecretEnv = "SRCNET_CHECKS_CLIENT_SECRET";
export const clientSecretKey = "checksClientSecret" satisfies (typeof secretKeyNames)[number];

export interface LoadedStack extends SiteConfig {
    /** Whether the stack file holds the checks client's secret. */
    readonly holdsClientSecret: boolean;
}

/**
 * The site of a stack file. `secretGiven`: the checks client's secret comes from elsewhere (the
 * environment), so the stack need not hold it.
 */
export function loadStack(stackFile: string, secretGiven: boolean): LoadedStack {
    try {
        const config = readSiteConfig(stackFile, { alsoSet: secretGiven ? [clientSecretKey] : [] });
        return { ...config, holdsClientSecret: config.keys.some((k) => k.key === clientSecretKey) };
    } catch (err) {
        if (err instanceof SiteConfigError && err.problems.some((p) => p.where.endsWith(`:${clientSecretKey}`))) {
            throw new SiteInputError(`${err.message}\n  (or give the checks client's secret in the environment variable ${clientSecretEnv})`);
        }
        throw err;
    }
}

/**
 * The checks client's secret: the environment variable first, else the stack's key through
 * `pulumi config get` (which prints a secret's value), else none.
 */
export function loadClientSecret(env: NodeJS.ProcessEnv, stack: { name?: string; holdsClientSecret: boolean }, run: PulumiRunner = pulumiRunner()): string | undefined {
    const fromEnv = env[clientSecretEnv];
    if (fromEnv) return fromEnv;
    if (!stack.name || !stack.holdsClientSecret) return undefined;
    return configSecret(run, stack.name, clientSecretKey, clientSecretEnv);
}

// What the transfers tool needs of a deployed site besides its config and outputs (read as every
// operator tool reads them: tools/site-access): the credentials the RSE registration logs in to
// Rucio with, and the RSEs of the matrix. A secret is read from an environment variable or
// through the pulumi CLI; it is never printed, and no message carries it.
import type { SiteModel } from "../../config/derive";
import type { RucioAuth, RucioServerSpec } from "../../components/rucio/rse-registration";
import { rootLogin } from "../../components/rucio/render/init-job";
import { externalRucioLogin, rucioCaCertificates } from "../../components/site/rucio-args";
import type { SiteOutputs } from "../site-access/outputs";
import { configSecret, runPulumi, type PulumiRunner } from "../site-access/pulumi-cli";
import { SiteInputError } from "../site-access/site-config";

/** A mistake in how the tool was called: exit code 2, as a SiteInputError (the config, outputs or a credential) is. */
export class UsageError extends Error {}

/** A secret as `pulumi stack export --show-secrets` writes it: {<sig>: ..., plaintext: "<JSON>"}, or a plain value. */
function exportedSecret(value: unknown): string | undefined {
    if (typeof value === "string") return value;
    const v = value as any;
    if (typeof v?.plaintext === "string") {
        try {
            const inner = JSON.parse(v.plaintext);
            return typeof inner === "string" ? inner : undefined;
        } catch {
            return undefined;
        }
    }
    return undefined;
}

/**
 * Root's password of the site's own Rucio from the stack's state: the result of the
 * RandomPassword `<site>-rucio-root` that RucioOnCluster makes (components/rucio/deploy.ts).
 */
export function rootPasswordFromExport(exported: unknown, siteName: string): string | undefined {
    const resources = (exported as any)?.deployment?.resources;
    if (!Array.isArray(resources)) return undefined;
    const r = resources.find((x: any) => x?.type === "random:index/randomPassword:RandomPassword" && typeof x?.urn === "string" && x.urn.endsWith(`::${siteName}-rucio-root`));
    return r ? exportedSecret(r.outputs?.result) : undefined;
}

/** The environment variables the tool reads secrets from. */
export const secretEnv = {
    password: "SRCNET_RUCIO_PASSWORD",
    clientSecret: "SRCNET_RUCIO_CLIENT_SECRET",
    storageToken: "SRCNET_STORAGE_TOKEN",
} as const;

export interface AuthSources {
    readonly stack: string;
    readonly env: NodeJS.ProcessEnv;
    readonly run: PulumiRunner;
    /** For messages: the namespace of the site's own Rucio. */
    readonly outputs: Pick<SiteOutputs, "rucio">;
}

/**
 * How the tool logs in: as the RSE registration does (components/site/rucio-args.ts) — root's
 * userpass in the site's own Rucio, the configured userpass or IAM client in a central one.
 */
export function siteAuth(model: SiteModel, src: AuthSources): RucioAuth {
    const r = model.config.rucio;
    if (r.mode === "deploy") {
        let password = src.env[secretEnv.password];
        if (!password) {
            const text = runPulumi(src.run, ["stack", "export", "--show-secrets", "--stack", src.stack], `root's password of the site's Rucio (or set ${secretEnv.password})`);
            let exported: unknown;
            try {
                exported = JSON.parse(text);
            } catch {
                exported = undefined;
            }
            password = rootPasswordFromExport(exported, model.name);
            if (!password) {
                const ns = src.outputs.rucio.namespace ?? "<the rucio namespace>";
                throw new SiteInputError(
                    `stack ${src.stack}'s state holds no password of Rucio's root; set ${secretEnv.password} (kubectl get secret rucio-root -n ${ns} -o jsonpath='{.data.password}' | base64 -d)`,
                );
            }
        }
        return rootLogin(password);
    }
    const secret =
        r.auth.method === "userpass"
            ? src.env[secretEnv.password] || configSecret(src.run, src.stack, "rucioPassword", secretEnv.password)
            : src.env[secretEnv.clientSecret] || configSecret(src.run, src.stack, "rucioClientSecret", secretEnv.clientSecret);
    return externalRucioLogin(r, secret);
}

/** Where the tool talks to Rucio: the URLs the stack output names, with the CAs the registration trusts. */
export function siteServer(model: SiteModel, outputs: SiteOutputs): RucioServerSpec {
    const cas = rucioCaCertificates(model);
    return { serverUrl: outputs.rucio.serverUrl, authUrl: outputs.rucio.authUrl, ...(cas ? { caCertificates: cas } : {}) };
}

/** The RSEs of the matrix: the site's, as registered, then its peers in config order. */
export function matrixRses(model: SiteModel, outputs: SiteOutputs): string[] {
    return [...new Set([outputs.rse.name, ...model.config.rucio.peers.map((p) => p.rse)])];
}

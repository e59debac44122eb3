// What the transfers tool needs of a deployed site: its config (the stack file, validated and
// derived as the program does it), its outputs (the RSE's registered name, Rucio's URLs) and the
// credentials the RSE registration logs in to Rucio with. A secret is read from an environment
// variable or through the pulumi CLI; it is never printed, and no message carries it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { deriveSite, type SiteModel } from "../../config/derive";
import { formatProblem } from "../../config/messages";
import { projectName, validateStackConfig } from "../../config/validate";
import { siteKey } from "../../config/secrets";
import type { RucioAuth, RucioServerSpec } from "../../components/rucio/rse-registration";
import { defaultRootUsername } from "../../components/rucio/render/init-job";
import { rucioCaCertificates } from "../../components/site/rucio-args";
import { readStackConfig, StackFileError } from "../engine/stack-file";

/** A mistake in how the tool was called or in the site's config or state: exit code 2. */
export class UsageError extends Error {}

/** The site model of a stack file, validated as `pulumi up` validates it. */
export function loadSiteModel(stackFile: string): SiteModel {
    let stack;
    try {
        stack = readStackConfig(stackFile);
    } catch (err) {
        if (err instanceof StackFileError) throw new UsageError(err.message);
        throw err;
    }
    const prefix = `${projectName}:`;
    const raw = stack.config[`${prefix}${siteKey}`];
    let site: unknown;
    try {
        site = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
        site = raw;
    }
    const keys = Object.keys(stack.config)
        .filter((k) => k.startsWith(prefix))
        .map((k) => ({ key: k.slice(prefix.length), secret: stack.secretKeys.includes(k) }));
    const validation = validateStackConfig({ site, keys });
    if (!validation.ok) {
        throw new UsageError(`the stack file ${stackFile} is not a valid site config:\n${validation.problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
    }
    return deriveSite(validation.site);
}

/** What the tool reads of the stack's outputs (SrcSite's stackOutputs). */
export interface SiteOutputs {
    /** The name the RSE is registered under (a test site's carries a suffix). */
    readonly rseName: string;
    readonly serverUrl: string;
    readonly authUrl: string;
    /** The namespace of the site's own Rucio, for messages. */
    readonly namespace?: string;
}

/** The outputs the tool needs, from `pulumi stack output --json`; a UsageError naming what is missing. */
export function outputsOf(json: unknown, where: string): SiteOutputs {
    const o = json as any;
    const missing = [
        typeof o?.rse?.name === "string" ? undefined : "rse.name",
        typeof o?.rucio?.serverUrl === "string" ? undefined : "rucio.serverUrl",
        typeof o?.rucio?.authUrl === "string" ? undefined : "rucio.authUrl",
    ].filter((m) => m !== undefined);
    if (missing.length > 0) throw new UsageError(`the outputs in ${where} lack ${missing.join(", ")}: has the stack been deployed (pulumi up)?`);
    return { rseName: o.rse.name, serverUrl: o.rucio.serverUrl, authUrl: o.rucio.authUrl, ...(typeof o.rucio.namespace === "string" ? { namespace: o.rucio.namespace } : {}) };
}

export interface RunResult {
    readonly status: number | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly error?: Error;
}

/** Runs the pulumi CLI; injected, so that tests give their own. */
export type PulumiRunner = (args: readonly string[]) => RunResult;

export function pulumiRunner(cwd: string): PulumiRunner {
    return (args) => {
        const r = spawnSync("pulumi", args, { cwd, encoding: "utf8", maxBuffer: 512 * 1024 * 1024, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
        return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ...(r.error ? { error: r.error } : {}) };
    };
}

/** pulumi's answer, or a UsageError with its last line of stderr (never its stdout, which may hold a secret). */
function runPulumi(run: PulumiRunner, args: readonly string[], what: string): string {
    const r = run(args);
    if (r.error) {
        const code = (r.error as NodeJS.ErrnoException).code;
        throw new UsageError(`cannot run pulumi to ${what}: ${code === "ENOENT" ? "it is not installed (or not on PATH)" : r.error.message}`);
    }
    if (r.status !== 0) {
        const last = r.stderr.trim().split("\n").pop() ?? "";
        throw new UsageError(`pulumi ${args.slice(0, 2).join(" ")} failed (exit ${r.status}) reading ${what}${last ? `: ${last}` : ""}`);
    }
    return r.stdout;
}

/** The stack's outputs: from a file (tests, or a saved `pulumi stack output --json`), else from pulumi. */
export function readOutputs(stack: string, run: PulumiRunner, file?: string): SiteOutputs {
    if (file) {
        let text: string;
        try {
            text = readFileSync(file, "utf8");
        } catch (err) {
            throw new UsageError(`cannot read the outputs file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        try {
            return outputsOf(JSON.parse(text), file);
        } catch (err) {
            if (err instanceof UsageError) throw err;
            throw new UsageError(`the outputs file ${file} is not JSON`);
        }
    }
    const text = runPulumi(run, ["stack", "output", "--json", "--show-secrets", "--stack", stack], `the outputs of stack ${stack}`);
    try {
        return outputsOf(JSON.parse(text), `stack ${stack}`);
    } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`pulumi stack output --json for stack ${stack} did not answer JSON`);
    }
}

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

/** A secret config key, through `pulumi config get` (which prints a secret's value). */
function configSecret(run: PulumiRunner, stack: string, key: string, envName: string): string {
    const value = runPulumi(run, ["config", "get", key, "--stack", stack], `the secret ${key} (or set ${envName})`).replace(/\r?\n$/, "");
    if (!value) throw new UsageError(`stack ${stack} has no value for ${key}; set ${envName} instead`);
    return value;
}

export interface AuthSources {
    readonly stack: string;
    readonly env: NodeJS.ProcessEnv;
    readonly run: PulumiRunner;
    readonly outputs: SiteOutputs;
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
                const ns = src.outputs.namespace ?? "<the rucio namespace>";
                throw new UsageError(
                    `stack ${src.stack}'s state holds no password of Rucio's root; set ${secretEnv.password} (kubectl get secret rucio-root -n ${ns} -o jsonpath='{.data.password}' | base64 -d)`,
                );
            }
        }
        return { method: "userpass", account: "root", username: defaultRootUsername, password };
    }
    const a = r.auth;
    if (a.method === "userpass") {
        const password = src.env[secretEnv.password] || configSecret(src.run, src.stack, "rucioPassword", secretEnv.password);
        return { method: "userpass", account: a.account, username: a.username, password };
    }
    const clientSecret = src.env[secretEnv.clientSecret] || configSecret(src.run, src.stack, "rucioClientSecret", secretEnv.clientSecret);
    return { method: "oidc", issuer: a.issuer, clientId: a.clientId, clientSecret, scope: a.scope, audience: a.audience, account: a.account };
}

/** Where the tool talks to Rucio: the URLs the stack output names, with the CAs the registration trusts. */
export function siteServer(model: SiteModel, outputs: SiteOutputs): RucioServerSpec {
    const cas = rucioCaCertificates(model);
    return { serverUrl: outputs.serverUrl, authUrl: outputs.authUrl, ...(cas ? { caCertificates: cas } : {}) };
}

/** The RSEs of the matrix: the site's, as registered, then its peers in config order. */
export function matrixRses(model: SiteModel, outputs: SiteOutputs): string[] {
    return [...new Set([outputs.rseName, ...model.config.rucio.peers.map((p) => p.rse)])];
}

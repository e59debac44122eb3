// The one test harness: stack files as the synth reads them, site configs to vary, and the
// recording engine to run the real program under mocks. Many sites run in one process.
import { join, resolve } from "node:path";
import { siteProgram } from "../components/site/program";
import { formatProblem } from "../config/messages";
import { validateStackConfig, type ConfigKey } from "../config/validate";
import { recordProgram, type RecordedResource, type Recording } from "../tools/engine/record";
import type { InvokeResult } from "../tools/engine/mocks";
import type { CloudHttpOverride } from "../components/site/cloud-http";
import { readStackConfig, type StackConfig } from "../tools/engine/stack-file";
import { creationDependencies } from "../tools/synth/critical-path";

/** The repository root (tests run from bin/test). */
export const repoRoot = resolve(__dirname, "..", "..");

export const stackFile = (stack: string) => join(repoRoot, `Pulumi.${stack}.yaml`);

export function readStack(stack: string): StackConfig {
    return readStackConfig(stackFile(stack));
}

/** A fresh, mutable copy of a committed stack's site object. */
export function siteOf(stack = "dev"): any {
    return JSON.parse(readStack(stack).config["srcnet-site:site"]);
}

/** Secret keys of a committed stack, each set (as a secret) to a value that names it. */
export function secretsOf(stack = "dev"): Record<string, string> {
    const keys = readStack(stack).secretKeys.map((k) => k.replace(/^srcnet-site:/, ""));
    return Object.fromEntries(keys.map((k) => [k, `test-secret-value-of-${k}`]));
}

export interface SiteRun {
    readonly secrets?: Record<string, unknown>;
    /** Project keys set in plaintext. */
    readonly plain?: Record<string, unknown>;
    readonly stack?: string;
    /** Invoke results replacing the recording engine's (a lookup that fails). */
    readonly invokes?: Readonly<Record<string, InvokeResult>>;
    /** Answers to the program's own HTTPS requests before the engine's (Keystone's view of the login). */
    readonly http?: CloudHttpOverride;
    /** Record keyed digests of the secret inputs, as `npm run diff` does. */
    readonly secretDigestKey?: string;
}

const asConfig = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

/** Runs the real program for a site object under the recording engine. */
export function runSite(site: unknown, run: SiteRun = {}): Promise<Recording> {
    const stack = run.stack ?? "test";
    const config: Record<string, string> = { "pulumi:disable-default-providers": '["openstack","kubernetes","random"]', "srcnet-site:site": asConfig(site) };
    const secretKeys: string[] = [];
    for (const [k, v] of Object.entries(run.secrets ?? {})) {
        config[`srcnet-site:${k}`] = asConfig(v);
        secretKeys.push(`srcnet-site:${k}`);
    }
    for (const [k, v] of Object.entries(run.plain ?? {})) config[`srcnet-site:${k}`] = asConfig(v);
    return recordProgram(siteProgram, { project: "srcnet-site", stack, config, secretKeys, invokes: run.invokes, http: run.http, secretDigestKey: run.secretDigestKey });
}

/** Runs a project stack, changed by `change`, with its secrets; a program that fails fails the test. */
export async function runStack(stack: "dev" | "uksrc", change: (site: any) => void = () => undefined, run: Omit<SiteRun, "stack"> = {}): Promise<Recording> {
    const site = siteOf(stack);
    change(site);
    const r = await runSite(site, { secrets: secretsOf(stack), ...run, stack });
    if (r.error !== undefined) throw new Error(`the ${stack} program failed: ${String(r.error)}`);
    return r;
}

/** Validation problems of a site object as printed lines; empty when it is valid. */
export function problemsOf(site: unknown, keys: readonly ConfigKey[] = [{ key: "site", secret: false }]): string[] {
    const result = validateStackConfig({ site, keys });
    return result.ok ? [] : result.problems.map(formatProblem);
}

/** Key list for validateStackConfig: `site` plus the given secret and plaintext keys. */
export function keysWith(secret: readonly string[] = [], plain: readonly string[] = []): ConfigKey[] {
    return [{ key: "site", secret: false }, ...secret.map((key) => ({ key, secret: true })), ...plain.map((key) => ({ key, secret: false }))];
}

/** Every resource `urn` waits for before its creation (so is destroyed after), through components and providers. */
export function upstream(r: Recording, urn: string): Set<string> {
    const deps = creationDependencies(r.resources);
    const seen = new Set<string>();
    const visit = (u: string) => (deps.get(u) ?? []).forEach((d) => !seen.has(d) && (seen.add(d), visit(d)));
    visit(urn);
    return seen;
}

export const customResources = (r: Recording) => r.resources.filter((x) => x.custom);
export const ofType = (r: Recording, type: string) => r.resources.filter((x) => x.type === type);
export const named = (r: Recording, name: string): RecordedResource => {
    const found = r.resources.find((x) => x.name === name);
    if (!found) throw new Error(`no resource named ${name}; have: ${r.resources.map((x) => x.name).join(", ")}`);
    return found;
};
export const inputsOf = (r: RecordedResource) => r.inputs as Record<string, any>;

/** What a promise rejects with; a failure when it resolves instead. */
export async function rejection(p: Promise<unknown>): Promise<Error> {
    try {
        await p;
    } catch (err) {
        return err as Error;
    }
    throw new Error("expected a failure, but it resolved");
}

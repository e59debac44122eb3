// The secrets of a test site that a workflow creates: they come from one repository secret, a
// JSON object keyed by the stack's secret keys (config/secrets.ts), and are set with
// `pulumi config set`, each value on standard input (never on a command line or in a log).
// The plan is pure; running it takes a runner so that the tests can record it.
import { spawnSync } from "node:child_process";
import { siteSchema, type SiteConfig } from "../../config/schema";
import { readParts } from "../../config/partial";
import { secretKeys, secretKeyNames, type SecretKeySpec } from "../../config/secrets";

type SecretKey = keyof typeof secretKeys;

/** One `pulumi config set`: its arguments, and the value it reads on standard input. */
export interface ConfigSet {
    readonly args: readonly string[];
    readonly stdin: string;
    /** The key (with `.path` for a structured one) for the log: never the value. */
    readonly key: string;
}

/** A secrets object that cannot be used: every problem at once, each naming keys, never a value. */
export class SecretsError extends Error {}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The secret keys this site needs, judged as the loader judges them (config/validate.ts). */
export function neededSecretKeys(site: unknown): SecretKey[] {
    return (secretKeyNames as readonly SecretKey[]).filter((name) => {
        const spec: SecretKeySpec = secretKeys[name];
        const partial = readParts(siteSchema, site, [spec.reads]) as SiteConfig | undefined;
        return partial !== undefined && spec.needed(partial);
    });
}

/**
 * The `pulumi config set` calls that give STACK the secrets of JSON (the repository secret's
 * text). Refuses text that is not a JSON object, keys that are not secret keys of the project,
 * and a site that needs a key the object lacks.
 */
export function secretsPlan(stack: string, json: string, site: unknown): ConfigSet[] {
    let given: unknown;
    try {
        given = JSON.parse(json);
    } catch {
        // The parser's message may quote the text: it is not repeated.
        throw new SecretsError("the test-site secrets are not valid JSON (a JSON object keyed by secret key names, such as iamAdminClientSecret)");
    }
    if (!isObject(given)) throw new SecretsError("the test-site secrets must be a JSON object keyed by secret key names, such as iamAdminClientSecret");
    const problems: string[] = [];
    const unknown = Object.keys(given).filter((key) => !(secretKeyNames as readonly string[]).includes(key));
    if (unknown.length > 0) problems.push(`unknown secret keys: ${unknown.join(", ")} (known: ${secretKeyNames.join(", ")})`);
    const missing = neededSecretKeys(site).filter((key) => given[key] === undefined || given[key] === null);
    if (missing.length > 0) problems.push(`the site needs ${missing.join(", ")}, which the test-site secrets lack`);

    const sets: ConfigSet[] = [];
    for (const [key, value] of Object.entries(given)) {
        if (unknown.includes(key) || value === null) continue;
        const spec: SecretKeySpec = secretKeys[key as SecretKey];
        const flag = spec.secret ? ["--secret"] : [];
        if (spec.structured) {
            if (!isObject(value)) {
                problems.push(`${key} must be an object of strings (it is set with --path ${key}.<name>)`);
                continue;
            }
            for (const [leaf, leafValue] of Object.entries(value)) {
                if (typeof leafValue !== "string" || leafValue === "") {
                    problems.push(`${key}.${leaf} must be a non-empty string`);
                    continue;
                }
                sets.push({ key: `${key}.${leaf}`, args: ["config", "set", "--stack", stack, ...flag, "--path", `${key}.${leaf}`], stdin: leafValue });
            }
        } else if (typeof value !== "string" || value === "") {
            problems.push(`${key} must be a non-empty string`);
        } else {
            sets.push({ key, args: ["config", "set", "--stack", stack, ...flag, key], stdin: value });
        }
    }
    if (problems.length > 0) throw new SecretsError(problems.join("\n"));
    return sets;
}

/**
 * The workflow commands that make GitHub mask each value in the job's log. GitHub masks the
 * repository secret as a whole, not the values inside its JSON; a mask covers one line, so a
 * multi-line value (a kubeconfig, a key) is masked line by line.
 */
export function maskCommands(plan: readonly ConfigSet[]): string[] {
    const lines = plan.flatMap((set) => set.stdin.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0));
    return [...new Set(lines)].map((l) => `::add-mask::${l}`);
}

/** Runs one `pulumi ARGS` with STDIN; returns its exit code. */
export type PulumiRunner = (args: readonly string[], stdin: string) => number;

export const spawnPulumi: PulumiRunner = (args, stdin) => {
    // No shell: the arguments are passed as they are; the value only on standard input.
    const result = spawnSync("pulumi", args, { input: stdin, stdio: ["pipe", "inherit", "inherit"] });
    if (result.error) throw result.error;
    return result.status ?? 1;
};

/** Runs the plan; stops at the first failure. Returns the keys set. */
export function applySecrets(plan: readonly ConfigSet[], run: PulumiRunner, log: (line: string) => void = console.log): string[] {
    const done: string[] = [];
    for (const set of plan) {
        const code = run(set.args, set.stdin);
        if (code !== 0) throw new SecretsError(`pulumi config set ${set.key} failed (exit ${code})`);
        log(`set ${set.key}`);
        done.push(set.key);
    }
    return done;
}

// Validation of a stack's config: the site object against the schema, the cross-field rules,
// and the separate secret keys. Pure: it sees key names and whether each is secret, never a
// secret value, so no problem message can contain one.
import { siteSchema, type SiteConfig } from "./schema";
import { crossRules, type CrossRule } from "./rules";
import { secretKeys, secretKeyNames, siteKey, type SecretKeySpec } from "./secrets";
import { issueMessage, sitePath, unknownKeyMessage, type IssuePath, type Problem } from "./messages";

export const projectName = "srcnet-site";

/** A project config key (without the `srcnet-site:` namespace) and whether it is stored as a secret. */
export interface ConfigKey {
    readonly key: string;
    readonly secret: boolean;
}

export interface StackConfigInput {
    /** The parsed value of `srcnet-site:site`, or undefined when it is not set. */
    readonly site: unknown;
    /** Every key set in the project namespace, `site` included. */
    readonly keys: readonly ConfigKey[];
}

export type Validation =
    | { readonly ok: true; readonly site: SiteConfig }
    | { readonly ok: false; readonly problems: readonly Problem[] };

const configKey = (key: string) => `${projectName}:${key}`;

const isPrefix = (prefix: IssuePath, path: IssuePath) => prefix.length <= path.length && prefix.every((k, i) => k === path[i]);

/** Whether a rule can trust what it reads: nothing at or above a read path failed, nor inside it unless the rule copes. */
function readable(failed: readonly IssuePath[], rule: Pick<CrossRule, "reads" | "checksEachEntry">): boolean {
    return !failed.some((f) => rule.reads.some((r) => isPrefix(f, r) || (!rule.checksEachEntry && isPrefix(r, f))));
}

/** Parses the site object; returns zod's best-effort value as well, for rules on the valid parts. */
function parseSite(raw: unknown): { value: unknown; problems: Problem[]; failedPaths: IssuePath[] } {
    const allowedKeys = new Map<string, readonly string[]>();
    let value: unknown = raw;
    const capturing = siteSchema.superRefine((v) => void (value = v), { when: () => true });
    const result = capturing.safeParse(raw, {
        error: (iss) => {
            if (iss.code === "unrecognized_keys") {
                const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape ?? {};
                allowedKeys.set(JSON.stringify(iss.path ?? []), Object.keys(shape));
            }
            return issueMessage(iss);
        },
    });
    if (result.success) {
        return { value: result.data, problems: [], failedPaths: [] };
    }
    const problems: Problem[] = [];
    const failedPaths: IssuePath[] = [];
    for (const issue of result.error.issues) {
        if (issue.code === "unrecognized_keys") {
            const allowed = allowedKeys.get(JSON.stringify(issue.path)) ?? [];
            for (const key of issue.keys) {
                problems.push({ where: sitePath([...issue.path, key]), message: unknownKeyMessage(key, allowed) });
            }
            // An unknown key does not make the known ones unreliable.
            continue;
        }
        problems.push({ where: sitePath(issue.path), message: issue.message });
        failedPaths.push(issue.path);
    }
    return { value, problems, failedPaths };
}

function checkKeys(keys: readonly ConfigKey[]): Problem[] {
    const known = [siteKey, ...secretKeyNames];
    return keys
        .filter((k) => !known.includes(k.key))
        .map((k) => ({ where: configKey(k.key), message: unknownKeyMessage(k.key, known).replace("allowed keys here", "known keys") }));
}

function checkSecrets(site: SiteConfig, keys: readonly ConfigKey[]): Problem[] {
    const problems: Problem[] = [];
    for (const name of secretKeyNames) {
        const spec: SecretKeySpec = secretKeys[name];
        const given = keys.find((k) => k.key === name);
        if (spec.needed(site) && given === undefined) {
            problems.push({ where: configKey(name), message: `is required because ${spec.neededWhen}; set it with: ${spec.setWith}` });
        }
        if (given !== undefined && spec.secret && !given.secret) {
            problems.push({ where: configKey(name), message: `is stored in plaintext; remove it and set it again with: ${spec.setWith}` });
        }
    }
    return problems;
}

/** Validates a stack's config and reports every problem at once. */
export function validateStackConfig(input: StackConfigInput): Validation {
    const problems: Problem[] = [...checkKeys(input.keys)];
    if (input.site === undefined) {
        problems.push({ where: configKey(siteKey), message: "is required: the site's structured config (see config/site.schema.json)" });
        return { ok: false, problems };
    }
    const parsed = parseSite(input.site);
    problems.push(...parsed.problems);
    const site = parsed.value as SiteConfig;
    for (const rule of crossRules) {
        if (readable(parsed.failedPaths, rule)) {
            rule.check(site, (path, message) => problems.push({ where: sitePath(path), message }));
        }
    }
    // Whether a secret is required depends on choices spread over the site object.
    if (readable(parsed.failedPaths, { reads: [["openstack"], ["iam"], ["cluster"], ["certificates"]] })) {
        problems.push(...checkSecrets(site, input.keys));
    }
    return problems.length === 0 ? { ok: true, site } : { ok: false, problems };
}

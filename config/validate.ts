// Validation of a stack's config: the site object against the schema, the cross-field rules,
// and the separate secret keys. Pure: it sees key names and whether each is secret, never a
// secret value, so no problem message can contain one.
import { siteSchema, type SiteConfig } from "./schema";
import { crossRules } from "./rules";
import { readParts } from "./partial";
import { secretKeys, secretKeyNames, siteKey, type SecretKeySpec } from "./secrets";
import { issueMessage, sitePath, unknownKeyMessage, type Problem } from "./messages";

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

/** Problems the schema finds in the site object, an unknown key as one problem per key. */
function schemaProblems(raw: unknown): Problem[] {
    const allowedKeys = new Map<string, readonly string[]>();
    const result = siteSchema.safeParse(raw, {
        error: (iss) => {
            if (iss.code === "unrecognized_keys") {
                const shape = (iss.inst as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape ?? {};
                allowedKeys.set(JSON.stringify(iss.path ?? []), Object.keys(shape));
            }
            return issueMessage(iss);
        },
    });
    if (result.success) return [];
    return result.error.issues.flatMap((issue): Problem[] =>
        issue.code === "unrecognized_keys"
            ? issue.keys.map((key) => ({
                  where: sitePath([...issue.path, key]),
                  message: unknownKeyMessage(key, allowedKeys.get(JSON.stringify(issue.path)) ?? []),
              }))
            : [{ where: sitePath(issue.path), message: issue.message }],
    );
}

function checkKeys(keys: readonly ConfigKey[]): Problem[] {
    const known = [siteKey, ...secretKeyNames];
    return keys
        .filter((k) => !known.includes(k.key))
        .map((k) => ({ where: configKey(k.key), message: unknownKeyMessage(k.key, known, "known keys") }));
}

function checkSecrets(raw: unknown, keys: readonly ConfigKey[]): Problem[] {
    const problems: Problem[] = [];
    for (const name of secretKeyNames) {
        const spec: SecretKeySpec = secretKeys[name];
        const given = keys.find((k) => k.key === name);
        const site = readParts(siteSchema, raw, [spec.reads]) as SiteConfig | undefined;
        if (site !== undefined && spec.needed(site) && given === undefined) {
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
    problems.push(...schemaProblems(input.site));
    for (const rule of crossRules) {
        const site = readParts(siteSchema, input.site, rule.reads) as SiteConfig | undefined;
        if (site !== undefined) rule.check(site, (path, message) => problems.push({ where: sitePath(path), message }));
    }
    problems.push(...checkSecrets(input.site, input.keys));
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, site: siteSchema.parse(input.site) };
}

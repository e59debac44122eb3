// What the operator tools (npm run smoke, transfers, leftovers) start from: the site model of a
// stack file, read as the CLI would hand it to the program (`secure:` values stay placeholders),
// validated and derived as `pulumi up` does it. The one place a tool turns a stack file into a site.
import { deriveSite, type SiteModel } from "../../config/derive";
import { formatProblem, type Problem } from "../../config/messages";
import { siteSchema } from "../../config/schema";
import { siteKey } from "../../config/secrets";
import { projectName, validateStackConfig, type ConfigKey } from "../../config/validate";
import { readStackConfig, StackFileError } from "../engine/stack-file";

/** Something a tool cannot start without (a stack file, its outputs, a secret): one message for the user. */
export class SiteInputError extends Error {}

/** A stack file whose config is not a valid site: every problem, one a line. */
export class SiteConfigError extends SiteInputError {
    constructor(
        readonly stackFile: string,
        readonly problems: readonly Problem[],
    ) {
        super(`the config of ${stackFile} is not a valid site:\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`);
    }
}

export interface SiteConfigOptions {
    /** Keys (without the project's namespace) given another way, the environment say: taken as set, and secret. */
    readonly alsoSet?: readonly string[];
    /** Only the site object counts: problems of the other keys (a missing secret) are let be, for a tool that reads no secret. */
    readonly siteOnly?: boolean;
}

export interface SiteConfig {
    readonly model: SiteModel;
    /** The stack's name, from the file's name (Pulumi.<stack>.yaml). */
    readonly stack: string;
    /** The keys the stack file sets, without the project's namespace. */
    readonly keys: readonly ConfigKey[];
}

const prefix = `${projectName}:`;

export function readSiteConfig(stackFile: string, options: SiteConfigOptions = {}): SiteConfig {
    let stack;
    try {
        stack = readStackConfig(stackFile);
    } catch (err) {
        if (err instanceof StackFileError) throw new SiteInputError(err.message);
        throw err;
    }
    const keys: ConfigKey[] = Object.keys(stack.config)
        .filter((k) => k.startsWith(prefix))
        .map((k) => ({ key: k.slice(prefix.length), secret: stack.secretKeys.includes(k) }));
    const given = (options.alsoSet ?? []).filter((k) => !keys.some((c) => c.key === k)).map((key) => ({ key, secret: true }));
    const raw = stack.config[`${prefix}${siteKey}`];
    let site: unknown;
    try {
        site = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
        site = raw;
    }
    const validation = validateStackConfig({ site, keys: [...keys, ...given] });
    const of = (config: Parameters<typeof deriveSite>[0]) => ({ model: deriveSite(config), stack: stack.stack, keys });
    if (validation.ok) return of(validation.site);
    // A problem of another key is reported at that key (srcnet-site:<key>), every one of the site under site.
    const problems = options.siteOnly ? validation.problems.filter((p) => !p.where.startsWith(prefix) || p.where === `${prefix}${siteKey}`) : validation.problems;
    if (problems.length > 0) throw new SiteConfigError(stackFile, problems);
    return of(siteSchema.parse(site));
}

// Reads the stack's config through Pulumi, validates it and derives the site model.
// Runs before any resource is registered: an invalid config stops the program with every problem.
import * as pulumi from "@pulumi/pulumi";
import * as runtimeConfig from "@pulumi/pulumi/runtime/config";
import { deriveSite, type SiteModel } from "./derive";
import { formatProblem, type Problem } from "./messages";
import { secretKeys, secretKeyNames, siteKey, type SecretKeyName } from "./secrets";
import { projectName, validateStackConfig, type ConfigKey } from "./validate";

/** The secret keys a site has, as Pulumi secrets. Structured ones hold a map of strings. */
export type SiteSecrets = {
    readonly [K in SecretKeyName]?: (typeof secretKeys)[K] extends { structured: true }
        ? pulumi.Output<Record<string, string>>
        : pulumi.Output<string>;
};

export interface LoadedSite {
    readonly model: SiteModel;
    readonly secrets: SiteSecrets;
}

export class SiteConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly Problem[]) {
        super(
            `The site config has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was created:\n` +
                problems.map((p) => `  ${formatProblem(p)}`).join("\n"),
        );
    }
}

// Whether a key was stored with --secret is known to the runtime but not part of its typed API.
const isConfigSecret = (runtimeConfig as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

function readSiteValue(raw: string | undefined): unknown {
    if (raw === undefined) return undefined;
    try {
        return JSON.parse(raw);
    } catch {
        return raw; // a plain string: the schema reports that an object is expected
    }
}

export function loadSite(): LoadedSite {
    const all = pulumi.runtime.allConfig();
    const prefix = `${projectName}:`;
    const keys: ConfigKey[] = Object.keys(all)
        .filter((k) => k.startsWith(prefix))
        .map((k) => ({ key: k.slice(prefix.length), secret: isConfigSecret(k) }));
    const validation = validateStackConfig({ site: readSiteValue(all[`${prefix}${siteKey}`]), keys });
    if (!validation.ok) {
        throw new SiteConfigError(validation.problems);
    }
    const config = new pulumi.Config(projectName);
    const secrets: Record<string, pulumi.Output<unknown>> = {};
    for (const name of secretKeyNames) {
        if (!keys.some((k) => k.key === name)) continue;
        const spec = secretKeys[name];
        secrets[name] = "structured" in spec && spec.structured ? config.requireSecretObject(name) : config.requireSecret(name);
    }
    return { model: deriveSite(validation.site), secrets: secrets as SiteSecrets };
}

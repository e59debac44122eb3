// A test site's stack file, made from a template stack (dev): the same site under another name,
// so that several developers' test sites live side by side in one cloud project. Pure: the file
// text in, the new file text and what the developer must still do out.
//
// A `secure:` value is encrypted for its own stack (the secrets provider keys it per stack), so it
// cannot be copied: the new file has none, and the secrets the new site needs are listed with the
// command that sets each.
import { secretKeys, secretKeyNames } from "../../config/secrets";
import type { SiteConfig } from "../../config/schema";
import { siteName as siteNameField } from "../../config/fields";
import { validateStackConfig } from "../../config/validate";
import { formatProblem } from "../../config/messages";
import { parseYaml, yamlText } from "../../components/yaml-text";
import { holdsSecure } from "../engine/stack-file";

const siteKey = "srcnet-site:site";

export interface TestSiteFile {
    /** The new stack file's text. */
    readonly text: string;
    /** `pulumi config set --secret …` lines for the secrets the new site needs. */
    readonly secretsToSet: readonly string[];
}

/** What makes a template unusable, or a name wrong: one line each, all at once. */
export class TestSiteError extends Error {}

/** The template's domain with its first label (the template's name) replaced by the new name. */
function renamedDomain(domain: string, from: string, to: string): string {
    const [first, ...rest] = domain.split(".");
    return first === from && rest.length >= 2 ? [to, ...rest].join(".") : `${to}.${domain}`;
}

/** A name derived from the template's, with the template's site name replaced: DEV_STORM -> ALICE_STORM. */
function renamed(value: string, from: string, to: string): string {
    const upper = from.toUpperCase().replace(/-/g, "_");
    return value.startsWith(upper) ? `${to.toUpperCase().replace(/-/g, "_")}${value.slice(upper.length)}` : value;
}

export function testSiteFile(templateText: string, name: string): TestSiteFile {
    const problems: string[] = [];
    const nameCheck = siteNameField.safeParse(name);
    if (!nameCheck.success) problems.push(`--name ${JSON.stringify(name)} ${nameCheck.error.issues[0].message}`);
    const doc = parseYaml(templateText) as { config?: Record<string, unknown> } | null;
    const site = doc?.config?.[siteKey] as Record<string, any> | undefined;
    if (!site || typeof site !== "object") throw new TestSiteError(`the template has no ${siteKey}`);
    if (site.name === name) problems.push(`--name ${name} is the template's own name; give the new site its own`);
    if (site.environment !== "test") problems.push(`the template's site.environment is ${JSON.stringify(site.environment)}: test sites are made only from a test site, never from a production one`);
    if (problems.length > 0) throw new TestSiteError(problems.join("\n"));

    const from = String(site.name);
    const next: Record<string, any> = structuredClone(site);
    next.name = name;
    next.domain = renamedDomain(String(site.domain), from, name);
    next.storage = { ...next.storage, rse: renamed(String(site.storage.rse), from, name) };
    // Explicit hostnames were the template's; the new site's come from its domain.
    delete next.hostnames;
    // The IAM, the cloud and the cluster settings stay: test sites share them. The OpenStack
    // resources are named after the site, so they do not meet the template's.

    // The other keys of the template, without its secrets (they are encrypted for the template's stack).
    const config: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(doc!.config!)) {
        if (key === siteKey) continue;
        if (holdsSecure(value)) continue;
        config[key] = value;
    }
    config[siteKey] = next;

    const validated = validateStackConfig({ site: next, keys: [{ key: "site", secret: false }, ...secretKeyNames.map((key) => ({ key, secret: true }))] });
    if (!validated.ok) throw new TestSiteError(`the new site would not be valid:\n${validated.problems.map(formatProblem).join("\n")}`);
    const needed = secretKeyNames.filter((key) => secretKeys[key].needed(validated.site as SiteConfig));
    const text = [
        "# yaml-language-server: $schema=./config/site.schema.json",
        `# ${name}: a test site made from the ${from} stack (npm run test-site). Set its secrets before`,
        "# pulumi up; they are not copied, being encrypted for the template's stack.",
        yamlText({ config }),
    ].join("\n");
    return { text, secretsToSet: needed.map((key) => `pulumi config set --stack ${name} ${secretKeys[key].setWith.replace(/^pulumi config set /, "")}`) };
}

// The config reference of docs/configuration.md, rendered from the same JSON Schema that editors use.
import { secretKeys, secretKeyNames } from "../../config/secrets";
import { siteJsonSchema } from "./stack-schema";

type JsonSchema = {
    type?: string;
    description?: string;
    default?: unknown;
    const?: unknown;
    enum?: unknown[];
    properties?: Record<string, JsonSchema>;
    required?: string[];
    items?: JsonSchema;
    additionalProperties?: JsonSchema | boolean;
    oneOf?: JsonSchema[];
    anyOf?: JsonSchema[];
    pattern?: string;
    format?: string;
};

interface Row {
    readonly key: string;
    readonly type: string;
    readonly presence: string;
    readonly description: string;
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");

function typeOf(s: JsonSchema): string {
    if (s.const !== undefined) return JSON.stringify(s.const);
    if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
    const variants = s.anyOf ?? s.oneOf;
    if (variants) return variants.map(typeOf).join(" | ");
    if (s.type === "array") return `list of ${s.items ? typeOf(s.items) : "any"}`;
    if (s.type === "object" && !s.properties && typeof s.additionalProperties === "object") return `map of ${typeOf(s.additionalProperties)}`;
    return s.type ?? "any";
}

/** The discriminating key of a oneOf of objects: the property that is a const in every variant. */
function discriminator(variants: JsonSchema[]): string | undefined {
    const first = variants[0]?.properties ?? {};
    return Object.keys(first).find((k) => variants.every((v) => v.properties?.[k]?.const !== undefined));
}

function walk(schema: JsonSchema, path: string, when: string, rows: Row[]): void {
    const variants = schema.oneOf;
    const key = variants && discriminator(variants);
    if (variants && key) {
        const valueOf = (v: JsonSchema) => JSON.stringify(v.properties![key].const);
        rows.push({
            key: `${path}.${key}`,
            type: variants.map(valueOf).join(" | "),
            presence: "required",
            description: `${when}${variants.map((v) => v.description ?? valueOf(v)).join(" ")}`,
        });
        // Keys every variant has alike are listed once; the rest under the variant they belong to.
        const same = (k: string) => variants.every((v) => JSON.stringify(v.properties?.[k]) === JSON.stringify(variants[0].properties?.[k]));
        const shared = Object.keys(variants[0].properties ?? {}).filter((k) => k !== key && same(k));
        const pick = (v: JsonSchema, keep: (k: string) => boolean): JsonSchema => ({
            ...v,
            properties: Object.fromEntries(Object.entries(v.properties ?? {}).filter(([k]) => keep(k))),
        });
        walkProperties(pick(variants[0], (k) => shared.includes(k)), path, when, rows);
        for (const variant of variants) {
            walkProperties(pick(variant, (k) => k !== key && !shared.includes(k)), path, `${when}**${key} ${valueOf(variant)}:** `, rows);
        }
        return;
    }
    if (schema.type === "object" && schema.properties) {
        walkProperties(schema, path, when, rows);
    } else if (schema.type === "array" && schema.items?.properties) {
        walkProperties(schema.items, `${path}[]`, when, rows);
    }
}

function walkProperties(schema: JsonSchema, path: string, when: string, rows: Row[]): void {
    for (const [key, child] of Object.entries(schema.properties ?? {})) {
        const childPath = path ? `${path}.${key}` : key;
        const required = schema.required?.includes(key) ?? false;
        const presence =
            child.default !== undefined ? `default \`${JSON.stringify(child.default)}\`` : required ? "required" : "optional";
        const nested = (child.type === "object" && child.properties) || child.oneOf || child.items?.properties;
        rows.push({ key: childPath, type: nested && !child.items ? "object" : typeOf(child), presence, description: `${when}${child.description ?? ""}` });
        walk(child, childPath, when, rows);
    }
}

export function siteReferenceRows(): Row[] {
    const rows: Row[] = [];
    walk(siteJsonSchema() as JsonSchema, "", "", rows);
    return rows;
}

export function configReference(): string {
    const lines = [
        "Every key of `srcnet-site:site`:",
        "",
        "| Key | Type | Presence | Description |",
        "|---|---|---|---|",
        ...siteReferenceRows().map((r) => `| \`${r.key}\` | ${cell(r.type)} | ${cell(r.presence)} | ${cell(r.description)} |`),
        "",
        "Secret keys, each its own config key beside `site` (never inside it):",
        "",
        "| Key | Needed when | Description | Set with |",
        "|---|---|---|---|",
        ...secretKeyNames.map((name) => {
            const spec = secretKeys[name];
            return `| \`srcnet-site:${name}\` | ${cell(spec.neededWhen)} | ${cell(spec.description)} | \`${cell(spec.setWith)}\` |`;
        }),
    ];
    return lines.join("\n");
}

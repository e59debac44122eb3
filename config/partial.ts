// Reads one part of a raw site config through the part of the schema that describes it, so a
// rule can use that part whenever it is valid on its own, whatever is wrong elsewhere.
import { z } from "zod";

/** A path into the site; a final "*" reads each entry of a list on its own. */
export type ReadPath = readonly (string | number)[];

export type PartRead = { readonly ok: true; readonly value: unknown } | { readonly ok: false };

const unavailable: PartRead = { ok: false };

function unwrap(schema: z.ZodType): z.ZodType {
    let s: z.ZodType = schema;
    while (s instanceof z.ZodDefault || s instanceof z.ZodPrefault || s instanceof z.ZodOptional) {
        s = s.def.innerType as z.ZodType;
    }
    return s;
}

const field = (raw: unknown, key: string | number): unknown =>
    raw !== null && typeof raw === "object" ? (raw as Record<string | number, unknown>)[key] : undefined;

/** The schema of `key` inside `schema`, choosing a discriminated union's variant by the raw value. */
function child(schema: z.ZodType, raw: unknown, key: string | number): z.ZodType | undefined {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) {
        return inner.shape[key] as z.ZodType | undefined;
    }
    if (inner instanceof z.ZodDiscriminatedUnion) {
        const discriminator = inner.def.discriminator;
        const value = field(raw, discriminator);
        const variant = (inner.options as z.ZodObject[]).find((o) => (o.shape[discriminator] as z.ZodLiteral).values.has(value as never));
        return variant?.shape[key] as z.ZodType | undefined;
    }
    return undefined;
}

export function readPart(root: z.ZodType, raw: unknown, path: ReadPath): PartRead {
    let schema = root;
    let here = raw;
    let depth = 0;
    while (depth < path.length && path[depth] !== "*") {
        const next = child(schema, here, path[depth]);
        if (!next) break;
        // A parent of the wrong type holds nothing to read: its defaults would be made up.
        if (here !== undefined && (here === null || typeof here !== "object" || Array.isArray(here))) return unavailable;
        schema = next;
        here = field(here, path[depth]);
        depth++;
    }
    if (path[depth] === "*") {
        const list = unwrap(schema);
        if (!(list instanceof z.ZodArray)) throw new Error(`"*" in ${path.join(".")} is not at a list`);
        if (here === undefined) return readPart(schema, undefined, []);
        if (!Array.isArray(here)) return unavailable;
        // Invalid entries become holes, so that indexes still match the config.
        const element = list.element as z.ZodType;
        return { ok: true, value: here.map((entry) => element.safeParse(entry).data) };
    }
    const parsed = schema.safeParse(here);
    if (!parsed.success) return unavailable;
    let value: unknown = parsed.data;
    for (const key of path.slice(depth)) value = field(value, key);
    return { ok: true, value };
}

/** The valid values at `paths`, assembled into one object shaped like the site; undefined if any is invalid. */
export function readParts(root: z.ZodType, raw: unknown, paths: readonly ReadPath[]): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    for (const path of paths) {
        const read = readPart(root, raw, path);
        if (!read.ok) return undefined;
        const keys = path[path.length - 1] === "*" ? path.slice(0, -1) : path;
        let node = out;
        keys.slice(0, -1).forEach((k) => (node = (node[k] ??= {}) as Record<string, unknown>));
        node[keys[keys.length - 1]] = read.value;
    }
    return out;
}

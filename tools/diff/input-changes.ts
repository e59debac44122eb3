// The inputs that differ between two recordings of one resource, leaf by leaf. A secret is compared
// by its keyed digest (the plan holds only its mask) and reported without a value.
import { isJsonObject as isObject, secretMask, type Json } from "../engine/serialized";

export interface InputChange {
    /** Where, in the program's input names: "blockDevices[0].uuid". */
    readonly path: string;
    /** Absent for a secret, and on the side where the input is not set. */
    readonly before?: Json;
    readonly after?: Json;
    readonly secret: boolean;
}

export interface Side {
    readonly inputs: Json;
    readonly secretDigests?: Readonly<Record<string, string>>;
}

const same = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a) === JSON.stringify(b);

/** A value wholly masked as secret: the mask itself, or a map or list of masks. */
function allMasked(v: Json | undefined): boolean {
    if (v === secretMask) return true;
    if (Array.isArray(v)) return v.length > 0 && v.every(allMasked);
    if (isObject(v)) return Object.keys(v).length > 0 && Object.values(v).every(allMasked);
    return false;
}

const childPath = (path: string, key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/** Whether an input path lies at or under another ("" is above every path). */
export const atOrUnder = (path: string, prefix: string) => prefix === "" || path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);

/**
 * The changed leaves. Lists of equal length are compared item by item; a list that grew or shrank
 * is one change. Without `comparableSecrets` (a base recorded before digests existed), secrets of
 * the same shape count as unchanged.
 */
export function inputChanges(before: Side, after: Side, comparableSecrets: boolean): InputChange[] {
    const changes: InputChange[] = [];
    const differingDigests = comparableSecrets
        ? [...new Set([...Object.keys(before.secretDigests ?? {}), ...Object.keys(after.secretDigests ?? {})])].filter((p) => before.secretDigests?.[p] !== after.secretDigests?.[p])
        : [];
    const secretAt = (path: string) => before.secretDigests?.[path] !== undefined || after.secretDigests?.[path] !== undefined;
    const walk = (a: Json | undefined, b: Json | undefined, path: string) => {
        if (path !== "" && (secretAt(path) || (allMasked(a) && allMasked(b)))) {
            const digestChanged = comparableSecrets && before.secretDigests?.[path] !== after.secretDigests?.[path];
            if (digestChanged || !same(a, b)) changes.push({ path, secret: true });
            return;
        }
        if (same(a, b) && !differingDigests.some((d) => atOrUnder(d, path))) return;
        if (isObject(a) && isObject(b)) {
            for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) walk(a[key], b[key], childPath(path, key));
            return;
        }
        if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
            a.forEach((item, i) => walk(item, b[i], childPath(path, i)));
            return;
        }
        const secret = allMasked(a) || allMasked(b);
        changes.push({ path, secret, ...(secret || a === undefined ? {} : { before: a }), ...(secret || b === undefined ? {} : { after: b }) });
    };
    walk(before.inputs, after.inputs, "");
    return changes;
}

// Turns zod issues into operator-facing problems: `site.<path>: <what is wrong and what is allowed>`.
import type { z } from "zod";

export interface Problem {
    /** `site.<path>` for the site object, `srcnet-site:<key>` for other config keys. */
    readonly where: string;
    readonly message: string;
}

export type IssuePath = readonly PropertyKey[];

export function formatProblem(p: Problem): string {
    return `${p.where}: ${p.message}`;
}

/** `site.storage.storageAreas[1].name` */
export function sitePath(path: IssuePath): string {
    return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`), "site");
}

function describeValue(input: unknown): string {
    if (input === null) return "null";
    if (Array.isArray(input)) return "a list";
    if (typeof input === "object") return "an object";
    if (typeof input === "string") return `the string ${JSON.stringify(input)}`;
    return `${typeof input} ${String(input)}`;
}

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function expectedName(expected: string): string {
    return expected === "array" ? "a list" : article(expected);
}

/** Levenshtein distance, for "did you mean" on misspelt keys. */
function distance(a: string, b: string): number {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
        let diagonal = row[0];
        row[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const next = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            diagonal = row[j];
            row[j] = next;
        }
    }
    return row[b.length];
}

export function suggest(key: string, allowed: readonly string[]): string | undefined {
    const best = allowed
        .map((candidate) => ({ candidate, d: distance(key, candidate) }))
        .sort((x, y) => x.d - y.d)[0];
    return best && best.d <= Math.max(2, Math.floor(key.length / 3)) ? best.candidate : undefined;
}

export function unknownKeyMessage(key: string, allowed: readonly string[], listed = "allowed keys here"): string {
    const hint = suggest(key, allowed);
    return `unknown key${hint ? ` (did you mean "${hint}"?)` : ""}; ${listed}: ${allowed.join(", ")}`;
}

type RawIssue = z.core.$ZodRawIssue;

/**
 * The parse-level error map. Messages never echo a value longer than a short scalar, and the
 * site object holds no secrets (secrets are separate keys), so nothing secret can leak here.
 */
export function issueMessage(iss: RawIssue): string | undefined {
    switch (iss.code) {
        case "invalid_type":
            if (iss.input === undefined) {
                return `is required (${expectedName(iss.expected)})`;
            }
            return `must be ${expectedName(iss.expected)}, not ${describeValue(iss.input)}`;
        case "invalid_value":
            return `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}, not ${describeValue(iss.input)}`;
        case "invalid_union":
            if ("discriminator" in iss && iss.discriminator) {
                const options = (iss.options as unknown[] | undefined) ?? [];
                const value = (iss.input as Record<string, unknown> | undefined)?.[iss.discriminator as string];
                const got = value === undefined ? "it is missing" : `not ${describeValue(value)}`;
                return `must be one of ${options.map((v) => JSON.stringify(v)).join(", ")}; ${got}`;
            }
            return undefined;
        case "too_small":
            if (iss.origin === "array") return `needs at least ${iss.minimum} entr${iss.minimum === 1 ? "y" : "ies"}`;
            if (iss.origin === "string") return iss.minimum === 1 ? "must not be empty" : `must be at least ${iss.minimum} characters`;
            return `must be at least ${iss.minimum}`;
        case "too_big":
            if (iss.origin === "string") return `must be at most ${iss.maximum} characters`;
            return `must be at most ${iss.maximum}`;
        default:
            return undefined;
    }
}

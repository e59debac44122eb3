// Reads Pulumi.yaml and a stack file into config as the CLI would hand it to the program.
// `secure:` values need the stack's secrets provider to decrypt, which is not available
// offline: each becomes a marked placeholder, still flagged secret, and is listed.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseYaml } from "../../components/yaml-text";
import { projectRoot } from "../../components/project-files";

export interface StackConfig {
    readonly project: string;
    readonly stack: string;
    /** Fully qualified key -> value as a string (objects and lists as JSON). */
    readonly config: Record<string, string>;
    readonly secretKeys: readonly string[];
    /** `secure:` values replaced by placeholders, as `key` or `key.path`. */
    readonly placeholders: readonly string[];
}

/**
 * The placeholder of a `secure:` value. It names the ciphertext by a digest, which is as public as
 * the ciphertext in the stack file: a rotated secret then reads as changed to `npm run diff`.
 */
export const placeholderFor = (where: string, ciphertext: string) =>
    `[offline placeholder for ${where}, ciphertext sha256:${createHash("sha256").update(ciphertext).digest("hex").slice(0, 16)}]`;

function isSecure(value: unknown): value is { secure: string } {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

/** Replaces `secure:` leaves; reports each one through `found`. */
function substituteSecure(value: unknown, where: string, found: (where: string) => void): unknown {
    if (isSecure(value)) {
        found(where);
        return placeholderFor(where, value.secure);
    }
    if (Array.isArray(value)) return value.map((v, i) => substituteSecure(v, `${where}[${i}]`, found));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteSecure(v, `${where}.${k}`, found)]));
    }
    return value;
}

/** Whether a config value holds a `secure:` value anywhere in it (a secret set with --path is nested). */
export function holdsSecure(value: unknown): boolean {
    let found = false;
    substituteSecure(value, "", () => (found = true));
    return found;
}

const asConfigString = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

function qualify(key: string, project: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** Project-level defaults: a plain value, `{value: X}`, or a schema entry with a `default`. */
function projectDefault(entry: unknown): unknown {
    if (typeof entry === "object" && entry !== null && !Array.isArray(entry)) {
        const e = entry as Record<string, unknown>;
        return "value" in e ? e.value : e.default;
    }
    return entry;
}

/** A stack or project file that cannot be read: its message is one line for the user. */
export class StackFileError extends Error {}

function readYaml(path: string, what: string): Record<string, unknown> {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new StackFileError(`cannot read the ${what} ${path}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message}`);
    }
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (err) {
        throw new StackFileError(`the ${what} ${path} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
    if (doc !== null && doc !== undefined && (typeof doc !== "object" || Array.isArray(doc))) {
        throw new StackFileError(`the ${what} ${path} must be a YAML mapping (with a config: key)`);
    }
    return (doc ?? {}) as Record<string, unknown>;
}

/** A stack file's name: `Pulumi.<stack>.yaml` (or `.yml`), the stack in group 1. */
export const stackFilePattern = /^Pulumi\.(.+)\.ya?ml$/;

/** The stack name of a `Pulumi.<stack>.yaml` path, or the file's base name otherwise. */
export function stackNameOf(path: string): string {
    const file = basename(path);
    const match = stackFilePattern.exec(file);
    return match ? match[1] : file.replace(/\.ya?ml$/, "");
}

/** Reads a stack file of this project; the project file is this project's own, wherever the stack file is. */
export function readStackConfig(stackFile: string, projectFile = join(projectRoot(), "Pulumi.yaml")): StackConfig {
    const projectDoc = readYaml(projectFile, "project file");
    const project = String(projectDoc.name);
    const stackDoc = readYaml(stackFile, "stack file");
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const placeholders: string[] = [];

    for (const [key, entry] of Object.entries((projectDoc.config ?? {}) as Record<string, unknown>)) {
        const value = projectDefault(entry);
        if (value !== undefined) config[qualify(key, project)] = asConfigString(value);
    }
    for (const [key, raw] of Object.entries((stackDoc.config ?? {}) as Record<string, unknown>)) {
        const qualified = qualify(key, project);
        const value = substituteSecure(raw, qualified, (where) => {
            placeholders.push(where);
            secretKeys.add(qualified);
        });
        config[qualified] = asConfigString(value);
    }
    return { project, stack: stackNameOf(stackFile), config, secretKeys: [...secretKeys].sort(), placeholders };
}

// The storage node's configuration as one bundle, stored in chunks in its instance metadata.
// Nova updates metadata in place, so a change to a storage area or an issuer reaches the node
// (through srcnet-config-sync.py) without rebuilding it. Values are limited to 255 characters.
import { createHash } from "node:crypto";

export interface BundleFile {
    readonly path: string;
    readonly content: string;
    /** Octal, as a string: "0644". */
    readonly mode: string;
    /** "user:group" */
    readonly owner: string;
    /** The action to run when this file changes. */
    readonly then?: string;
}

export interface BundleDirectory {
    readonly path: string;
    readonly mode: string;
    readonly owner: string;
}

export interface PruneRule {
    /** Files here ending in `suffix` that the bundle does not list are removed. */
    readonly directory: string;
    readonly suffix: string;
    readonly then?: string;
}

export interface ConfigBundle {
    readonly version: 1;
    readonly directories: readonly BundleDirectory[];
    readonly files: readonly BundleFile[];
    readonly prune: readonly PruneRule[];
    /** Action name -> command (argv). */
    readonly actions: Readonly<Record<string, readonly string[]>>;
}

export const chunkPrefix = "srcnet-config-";
export const digestKey = "srcnet-config-sha256";
const chunkSize = 255;
/** Nova's default quota is 128 metadata items per server; leave room for others. */
const maxChunks = 100;

/** JSON with every non-ASCII character escaped, so that a chunk of characters is a chunk of bytes. */
function asciiJson(value: unknown): string {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export function bundleMetadata(bundle: ConfigBundle): Record<string, string> {
    const text = asciiJson(bundle);
    const count = Math.ceil(text.length / chunkSize);
    if (count > maxChunks) {
        throw new Error(`the storage configuration is ${text.length} characters, more than instance metadata can hold (${maxChunks * chunkSize})`);
    }
    const metadata: Record<string, string> = { [digestKey]: createHash("sha256").update(text).digest("hex") };
    for (let i = 0; i < count; i++) {
        metadata[`${chunkPrefix}${String(i).padStart(3, "0")}`] = text.slice(i * chunkSize, (i + 1) * chunkSize);
    }
    return metadata;
}

/** The inverse of bundleMetadata: the bundle in a metadata map, or undefined when it holds none. */
export function readBundleMetadata(metadata: Readonly<Record<string, unknown>>): ConfigBundle | undefined {
    const chunks = Object.keys(metadata)
        .filter((k) => k.startsWith(chunkPrefix) && /^\d+$/.test(k.slice(chunkPrefix.length)))
        .sort((a, b) => Number(a.slice(chunkPrefix.length)) - Number(b.slice(chunkPrefix.length)));
    if (chunks.length === 0) return undefined;
    return JSON.parse(chunks.map((k) => String(metadata[k])).join("")) as ConfigBundle;
}

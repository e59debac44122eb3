// Reads the wire form of resource properties (what the engine receives) into plain JSON for
// plan.json: secret values become "[secret]" (a secret map keeps its keys, which name files and
// fields rather than hold secrets, so a reviewer and a schema check see its shape), resource
// references their URN, keys sorted so that the same site always produces the same bytes
// (reviewers diff these files).
import { createHmac } from "node:crypto";
import {
    specialArchiveSig,
    specialAssetSig,
    specialSecretSig,
    specialSigKey,
    unknownValue,
} from "@pulumi/pulumi/runtime/rpc";

export const secretMask = "[secret]";
export const unknownMask = "[unknown]";

// Not exported by the SDK's typings; values from the wire protocol.
const specialResourceSig = "5cf8f73096256a8f31e491e813e4eb8e";
const specialOutputValueSig = "d0e6a833031e9bbcd3f4e8bde6ca49a4";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The shape of a secret value with every leaf masked. */
function masked(value: Json): Json {
    if (Array.isArray(value)) return value.map(masked);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
    return secretMask;
}

/** A JSON object: not null, not a list. */
export const isJsonObject = (v: Json | undefined): v is { [key: string]: Json } => v !== null && v !== undefined && typeof v === "object" && !Array.isArray(v);

/** A wire value as JSON, keys sorted; `secret` turns what a secret holds into what is written. */
function readWire(value: unknown, secret: (value: Json) => Json): Json {
    const read = (v: unknown) => readWire(v, secret);
    if (value === unknownValue) return unknownMask;
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) return value.map(read);
    if (typeof value !== "object") return value as Json;
    const obj = value as Record<string, unknown>;
    switch (obj[specialSigKey]) {
        case specialSecretSig:
            return secret(read(obj.value));
        case specialOutputValueSig:
            if (!("value" in obj)) return obj.secret ? secret(unknownMask) : unknownMask;
            return obj.secret ? secret(read(obj.value)) : read(obj.value);
        case specialResourceSig:
            return String(obj.urn);
        case specialAssetSig:
        case specialArchiveSig:
            return { asset: String(obj.path ?? obj.uri ?? "[inline]") };
    }
    return Object.fromEntries(Object.keys(obj).sort().map((key) => [key, read(obj[key])]));
}

export function readSerialized(value: unknown): Json {
    return readWire(value, masked);
}

/** True when any part of a read value was masked as secret. */
export function containsSecret(value: Json): boolean {
    if (value === secretMask) return true;
    if (Array.isArray(value)) return value.some(containsSecret);
    if (value !== null && typeof value === "object") return Object.values(value).some(containsSecret);
    return false;
}

const isSecretNode = (obj: Record<string, unknown>) =>
    obj[specialSigKey] === specialSecretSig || (obj[specialSigKey] === specialOutputValueSig && obj.secret === true);

/**
 * A keyed digest of every secret in a wire value, by its path in the inputs ("a.b[0]"): what lets
 * `npm run diff` tell a changed secret from an unchanged one without either value leaving the
 * process. The key is random per diff run and never written, so a digest cannot be tried against
 * guesses by anyone who reads it afterwards.
 */
export function secretDigests(value: unknown, key: string): Record<string, string> {
    const out: Record<string, string> = {};
    const walk = (v: unknown, path: string) => {
        if (v === null || typeof v !== "object") return;
        if (Array.isArray(v)) return v.forEach((item, i) => walk(item, `${path}[${i}]`));
        const obj = v as Record<string, unknown>;
        if (isSecretNode(obj)) {
            out[path] = createHmac("sha256", key).update(JSON.stringify(readWire(obj.value, (plain) => plain))).digest("hex");
            return;
        }
        if (obj[specialSigKey] === specialOutputValueSig) return walk(obj.value, path);
        for (const k of Object.keys(obj).sort()) walk(obj[k], path ? `${path}.${k}` : k);
    };
    walk(value, "");
    return out;
}

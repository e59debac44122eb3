// Reads the wire form of resource properties (what the engine receives) into plain JSON for
// plan.json: secret values become "[secret]" (a secret map keeps its keys, which name files and
// fields rather than hold secrets, so a reviewer and a schema check see its shape), resource
// references their URN, keys sorted so that the same site always produces the same bytes
// (reviewers diff these files).
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

export function readSerialized(value: unknown): Json {
    if (value === unknownValue) return unknownMask;
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) return value.map(readSerialized);
    if (typeof value !== "object") return value as Json;
    const obj = value as Record<string, unknown>;
    switch (obj[specialSigKey]) {
        case specialSecretSig:
            return masked(readSerialized(obj.value));
        case specialOutputValueSig:
            if (!("value" in obj)) return obj.secret ? secretMask : unknownMask;
            return obj.secret ? masked(readSerialized(obj.value)) : readSerialized(obj.value);
        case specialResourceSig:
            return String(obj.urn);
        case specialAssetSig:
        case specialArchiveSig:
            return { asset: String(obj.path ?? obj.uri ?? "[inline]") };
    }
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(obj).sort()) {
        out[key] = readSerialized(obj[key]);
    }
    return out;
}

/** True when any part of a read value was masked as secret. */
export function containsSecret(value: Json): boolean {
    if (value === secretMask) return true;
    if (Array.isArray(value)) return value.some(containsSecret);
    if (value !== null && typeof value === "object") return Object.values(value).some(containsSecret);
    return false;
}

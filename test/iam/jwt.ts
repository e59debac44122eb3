// Signed (RS256) and plain JWTs, with node:crypto only: the stand-in signs its access tokens
// with the key it publishes in its JWKS, and tests verify them against that JWKS.
import { createPublicKey, createSign, createVerify, generateKeyPairSync, type JsonWebKey, type KeyObject } from "node:crypto";

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

export interface SigningKey {
    readonly kid: string;
    readonly privateKey: KeyObject;
    /** The private JWK, as oidc-provider takes it for its JWKS (it publishes only the public part). */
    readonly jwk: JsonWebKey;
}

export function newSigningKey(kid: string): SigningKey {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    return { kid, privateKey, jwk: { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" } };
}

/** IAM's header carries the algorithm and the key ID only (LS/core/oauth/profile/IamTokenEnhancer.java:55-64). */
export function signJwt(claims: Record<string, unknown>, key: SigningKey): string {
    const input = `${b64url({ alg: "RS256", kid: key.kid })}.${b64url(claims)}`;
    return `${input}.${createSign("RSA-SHA256").update(input).sign(key.privateKey).toString("base64url")}`;
}

/** An unsigned JWT, as MITREid makes IAM's refresh tokens (DefaultOAuth2ProviderTokenService.createRefreshToken). */
export function plainJwt(claims: Record<string, unknown>): string {
    return `${b64url({ alg: "none" })}.${b64url(claims)}.`;
}

export function decodeJwt(token: string): { header: any; claims: any } | undefined {
    const [header, claims] = token.split(".");
    try {
        return { header: JSON.parse(Buffer.from(header, "base64url").toString()), claims: JSON.parse(Buffer.from(claims, "base64url").toString()) };
    } catch {
        return undefined;
    }
}

/** The claims of an RS256 JWT whose signature one of `keys` verifies, or undefined. */
export function verifyJwt(token: string, keys: readonly JsonWebKey[]): any | undefined {
    const parts = token.split(".");
    const decoded = decodeJwt(token);
    if (parts.length !== 3 || !decoded || decoded.header.alg !== "RS256") return undefined;
    const jwk = keys.find((k) => k.kid === decoded.header.kid);
    if (!jwk) return undefined;
    const ok = createVerify("RSA-SHA256").update(`${parts[0]}.${parts[1]}`).verify(createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(parts[2], "base64url"));
    return ok ? decoded.claims : undefined;
}

// What a test does as an IAM client: ask the token endpoint for tokens, and check a token's
// signature against the keys the issuer publishes.
import type { JsonWebKey } from "node:crypto";
import { verifyJwt } from "./jwt";

export const tokenTypes = { accessToken: "urn:ietf:params:oauth:token-type:access_token" } as const;

/** POST /token with the client's credentials in Basic, raw, as IAM reads them. */
export async function tokenRequest(issuer: string, clientId: string, clientSecret: string, form: Record<string, string>): Promise<{ status: number; body: any }> {
    const res = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form).toString(),
    });
    return { status: res.status, body: await res.json() };
}

async function publishedKeys(issuer: string): Promise<JsonWebKey[]> {
    const discovery: any = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
    const jwks: any = await (await fetch(discovery.jwks_uri)).json();
    return jwks.keys;
}

/** The token's claims, once its signature is verified with the issuer's published keys. */
export async function verifiedClaims(issuer: string, token: string): Promise<any> {
    const claims = verifyJwt(token, await publishedKeys(issuer));
    if (!claims) throw new Error("the token's signature does not verify with the issuer's published keys");
    return claims;
}

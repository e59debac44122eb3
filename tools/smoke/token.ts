// The checks' token: a client_credentials grant at the site IAM's token endpoint, the way the RSE
// registration logs in to a central Rucio (components/rucio/rucio-api.ts loginOidc): HTTP Basic as
// IAM reads it, scope and audience as form parameters. The client's secret and the token are never
// part of a message.
import { defaultRetry, sendWithRetry, type HttpAnswer, type RetryPolicy, type Service } from "../../components/http/retrying-request";
import { basicAuthorization } from "../../components/identity/iam-api";
import { redact } from "../../components/rucio/rucio-api";
import type { TokenPlan } from "./plan";

export interface IssuedToken {
    readonly token: string;
    /** The scope IAM granted, when it says. */
    readonly scope?: string;
    readonly expiresIn?: number;
}

/** IAM's OAuth error, as much of it as a message may show. */
function oauthError(answer: HttpAnswer, secrets: readonly string[]): string {
    try {
        const body = JSON.parse(answer.text);
        return redact([body?.error, body?.error_description].filter(Boolean).join(": "), secrets).slice(0, 300);
    } catch {
        return "";
    }
}

function iamService(secrets: readonly string[]): Service {
    return {
        name: "IAM",
        refused: (method, path, answer) => new Error(`IAM refused ${method} ${path}: HTTP ${answer.status}${oauthError(answer, secrets) ? ` ${oauthError(answer, secrets)}` : ""}`),
        detail: (answer) => oauthError(answer, secrets),
        ambiguous: (message) => new Error(message),
    };
}

export async function clientCredentialsToken(plan: TokenPlan, clientSecret: string, policy: RetryPolicy = { ...defaultRetry, deadlineMs: 30_000 }): Promise<IssuedToken> {
    const form: Record<string, string> = { grant_type: "client_credentials", scope: plan.scope };
    if (plan.audience) form.audience = plan.audience;
    const answer = await sendWithRetry(
        {
            method: "POST",
            url: plan.tokenUrl,
            headers: { authorization: basicAuthorization(plan.clientId, clientSecret), "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
            body: new URLSearchParams(form).toString(),
            accept: [400, 401, 403],
            // A token request changes nothing: asking again is safe.
            repeatable: true,
            ca: plan.ca,
        },
        policy,
        iamService([clientSecret]),
    );
    let body: any;
    try {
        body = JSON.parse(answer.text);
    } catch {
        body = undefined;
    }
    if (answer.status !== 200 || typeof body?.access_token !== "string") {
        const why = oauthError(answer, [clientSecret]);
        throw new Error(
            `IAM's token endpoint ${plan.tokenUrl} refused a client_credentials token to client ${plan.clientId}: HTTP ${answer.status}${why ? ` ${why}` : ""}; check the client's secret (checksClientSecret) and that it may use client_credentials with the scope ${JSON.stringify(plan.scope)}`,
        );
    }
    return { token: body.access_token, scope: typeof body.scope === "string" ? body.scope : undefined, expiresIn: typeof body.expires_in === "number" ? body.expires_in : undefined };
}

/** sub and iss of a JWT, read without checking it: who Rucio takes the token for (not secret). */
export function tokenIdentity(token: string): { sub: string; iss: string } | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    try {
        const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
        return typeof claims.sub === "string" && typeof claims.iss === "string" ? { sub: claims.sub, iss: claims.iss } : undefined;
    } catch {
        return undefined;
    }
}

// What Keystone says about the credential the site logs in with. Keystone refuses to create an
// application credential for a caller that is a restricted application credential
// (keystone/api/users.py, _check_unrestricted_application_credential), and since the fix for
// CVE-2026-43000 refuses trusts to every application credential (keystone/api/trusts.py). A
// token's own validation answer says which it is: `methods` and `application_credential.restricted`
// (keystone/common/render_token.py).
import { cloudGet } from "./cloud-http";

export type LoginKind = { readonly kind: "application-credential"; readonly restricted: boolean } | { readonly kind: "other"; readonly methods: readonly string[] };

/** Reads a Keystone token body (GET /v3/auth/tokens) into what matters here. */
export function loginKindOf(body: unknown): LoginKind {
    const token = (body as { token?: { methods?: unknown; application_credential?: { restricted?: unknown } } } | undefined)?.token;
    const methods = Array.isArray(token?.methods) ? token!.methods.map(String) : [];
    if (methods.includes("application_credential")) {
        // Keystone writes restricted for every application-credential token; a missing field is read as restricted.
        return { kind: "application-credential", restricted: token?.application_credential?.restricted !== false };
    }
    return { kind: "other", methods };
}

/** The tokens endpoint under Keystone's public v3 endpoint from the service catalog. */
export function tokensUrl(identityEndpoint: string): string {
    const base = identityEndpoint.replace(/\/+$/, "");
    return `${/\/v3$/.test(base) ? base : `${base}/v3`}/auth/tokens`;
}

/** Asks Keystone about the site's own token: a token may validate itself (policy identity:validate_token). */
export async function loginKind(identityEndpoint: string, tokenId: string, ca?: string): Promise<LoginKind> {
    const answer = await cloudGet({ url: tokensUrl(identityEndpoint), headers: { "x-auth-token": tokenId, "x-subject-token": tokenId }, ca });
    if (answer.status !== 200) throw new Error(`Keystone answered HTTP ${answer.status} to validating the site's own token`);
    return loginKindOf(answer.body);
}

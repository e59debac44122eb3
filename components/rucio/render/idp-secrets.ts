// idpsecrets.json, the file through which the Rucio server and daemons know their IAM client, in
// the shape Rucio's oidc.py reads it (the same at 40.4.1 and 1.31.7):
// { "<issuer name>": { issuer, client_id, client_secret, redirect_uris, SCIM: { client_id, client_secret } } }.
// Pure; the component applies it over the client's secret outputs and keeps the text in a Secret.

/** Where Rucio sends a browser back after an IAM login (the CLI's --oidc-auto and the web flows pick one by these paths). */
export const rucioOidcCallbackPaths = ["auth/oidc_token", "auth/oidc_code"] as const;

/** The redirect URIs of Rucio's IAM client: its auth server's OIDC callbacks. */
export function rucioOidcRedirectUris(authUrl: string): string[] {
    const base = authUrl.replace(/\/+$/, "");
    return rucioOidcCallbackPaths.map((path) => `${base}/${path}`);
}

export interface IdpSecretsArgs {
    /** The entry's key: [oidc] admin_issuer names it. */
    readonly issuerName: string;
    /** The issuer exactly as it appears in the tokens' iss: Rucio looks its client up by this string. */
    readonly issuer: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly redirectUris: readonly string[];
}

export function idpSecrets(args: IdpSecretsArgs): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(args.issuerName)) throw new Error(`idpsecrets.json: issuer name "${args.issuerName}" must be letters, digits, '_', '.' or '-'`);
    if (!/^https:\/\/[^\s]+$/.test(args.issuer)) throw new Error(`idpsecrets.json: issuer of ${args.issuerName} must be an https URL`);
    requireValue(args.clientId, "client_id", args.issuerName);
    requireValue(args.clientSecret, "client_secret", args.issuerName);
    // Without a redirect URI containing the requested path Rucio cannot start a login (oidc.py:332-339).
    for (const path of rucioOidcCallbackPaths) {
        if (!args.redirectUris.some((uri) => uri.includes(path))) throw new Error(`idpsecrets.json: ${args.issuerName} needs a redirect URI ending in /${path}`);
    }
    // Every key of the entry goes to pyoidc's RegistrationResponse (rucio@40.4.1:lib/rucio/core/oidc.py:181);
    // "issuer" keys the client by the tokens' iss (:176,187, looked up at :963-964); client_id and
    // client_secret of the admin_issuer's entry get Rucio's own tokens (:243-245); "SCIM" is read
    // for every entry and its absence drops every issuer (:190, raised at :196-197), though
    // nothing reads the clients made from it (OIDC_ADMIN_CLIENTS is only assigned, :221): it names
    // Rucio's own client, so that no other client's secret reaches Rucio's pods.
    const entry = {
        issuer: args.issuer,
        client_id: args.clientId,
        client_secret: args.clientSecret,
        redirect_uris: [...args.redirectUris],
        SCIM: { client_id: args.clientId, client_secret: args.clientSecret },
    };
    return `${JSON.stringify({ [args.issuerName]: entry }, null, 2)}\n`;
}

// The value itself never appears in a message.
function requireValue(value: string, what: string, issuerName: string): void {
    if (typeof value !== "string" || value.trim() === "") throw new Error(`idpsecrets.json: ${what} of ${issuerName} is empty`);
}

// HTTP Basic client credentials read as IAM reads them. IAM's token endpoint uses Spring
// Security's BasicAuthenticationConverter (spring-security 5.6.10, web/.../authentication/www/
// BasicAuthenticationConverter.java:78-101): Base64, UTF-8, split at the first ':', and no
// form-url-decoding; the raw ID and secret are then compared as stored
// (LS/core/client/IAMClientUserDetailsService.java:52-55; LS/config/security/IamTokenEndointSecurityConfig.java:71-84).
// oidc-provider url-decodes both halves (lib/shared/token_auth.js:14-23), so the header is
// rewritten into the encoding that makes oidc-provider see IAM's raw values.
import type { IncomingMessage } from "node:http";

export function readBasicAsIam(req: IncomingMessage): void {
    const header = req.headers.authorization?.trim();
    if (!header || !/^basic /i.test(header)) return;
    const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
    const at = decoded.indexOf(":");
    // No ':' is refused by IAM too ("Invalid basic authentication token"); oidc-provider refuses it as it stands.
    if (at < 0) return;
    const [id, secret] = [decoded.slice(0, at), decoded.slice(at + 1)];
    req.headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
}

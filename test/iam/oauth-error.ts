// IAM's token endpoint errors: Spring Security OAuth's exceptions, each with its HTTP status
// (spring-security-oauth 2.5.2, org/springframework/security/oauth2/common/exceptions/*, and
// client/resource/OAuth2AccessDeniedException.java:53-59 for access_denied, 403).

export class OAuthError extends Error {
    constructor(
        readonly status: number,
        readonly error: string,
        readonly description: string,
    ) {
        super(`${error}: ${description}`);
    }
}

export const invalidRequest = (d: string) => new OAuthError(400, "invalid_request", d);
export const invalidGrant = (d: string) => new OAuthError(400, "invalid_grant", d);
export const invalidScope = (d: string) => new OAuthError(400, "invalid_scope", d);
export const invalidTarget = (d: string) => new OAuthError(400, "invalid_target", d);
export const invalidClient = (d: string) => new OAuthError(401, "invalid_client", d);
export const invalidToken = (d: string) => new OAuthError(401, "invalid_token", d);
/** An AuthenticationException (a disabled user) at the token endpoint. */
export const unauthorized = (d: string) => new OAuthError(401, "unauthorized", d);
export const accessDenied = (d: string) => new OAuthError(403, "access_denied", d);
/** Any other exception, as Spring's DefaultWebResponseExceptionTranslator answers it. */
export const serverError = (d: string) => new OAuthError(500, "server_error", d);

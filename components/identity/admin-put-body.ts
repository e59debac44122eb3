// What the site sends when it changes a client through IAM's admin API. IAM's PUT rebuilds the
// client from the request alone (IAM v1.12.0 DefaultClientManagementService.updateClient and
// ClientConverter.entityFromClientManagementRequest): a field not sent is reset, a missing
// client_secret is saved as none. So a change starts from the client as IAM holds it, replaces
// only the fields the site owns, and sends everything else back as it was.
import type { ClientMetadata } from "./iam-api";

/**
 * Fields IAM manages itself. The PUT takes the ID, creation time, registration kind and status
 * from the stored client, and never reads the rest; they are not sent back.
 */
export const serverManagedFields: readonly string[] = [
    "registration_access_token",
    "registration_client_uri",
    "client_secret_expires_at",
    "client_id_issued_at",
    "created_at",
    "last_used",
    "dynamically_registered",
    "active",
    "status_changed_on",
    "status_changed_by",
];

/** The fields the site owns; `client_secret` is always sent, or IAM would save none. */
function siteOwned(metadata: ClientMetadata, clientSecret: string): Record<string, unknown> {
    return {
        client_name: metadata.client_name,
        redirect_uris: [...metadata.redirect_uris],
        grant_types: [...metadata.grant_types],
        scope: metadata.scope,
        token_endpoint_auth_method: metadata.token_endpoint_auth_method,
        response_types: [...metadata.response_types],
        client_secret: clientSecret,
    };
}

/** The PUT body: the client as IAM answered a GET, with the site's fields replaced. */
export function adminPutBody(current: Record<string, unknown>, clientId: string, clientSecret: string, metadata: ClientMetadata): Record<string, unknown> {
    const kept = Object.fromEntries(Object.entries(current).filter(([field]) => !serverManagedFields.includes(field)));
    return { ...kept, client_id: clientId, ...siteOwned(metadata, clientSecret) };
}

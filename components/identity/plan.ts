// The IAM clients a site needs, as data: each with only the grants and scopes it uses, and
// redirect URIs derived from the site's hostnames. Pure, so "which client may do what" is tested
// on its own.
import { servicesRun, siteIssuerName, type SiteModel } from "../../config/derive";
import { ports } from "../../config/ports";
import { hubLoginScopes, hubOauthCallback, hubUrl } from "../jupyterhub/plan";
import { rucioOidcRedirectUris } from "../rucio/render/idp-secrets";
import { webuiLoginScopes, webuiRedirectUri } from "../rucio/render/webui-values";

export type ClientRole = "jupyterhub" | "tokenExchange" | "rucio" | "rucioWebui" | "rucioSync" | "storm";

export const grants = {
    authorizationCode: "authorization_code",
    refreshToken: "refresh_token",
    clientCredentials: "client_credentials",
    tokenExchange: "urn:ietf:params:oauth:grant-type:token-exchange",
} as const;

export interface ClientSpec {
    readonly role: ClientRole;
    readonly name: string;
    readonly grantTypes: readonly string[];
    readonly scopes: readonly string[];
    readonly redirectUris: readonly string[];
    /** Token exchange, client credentials and storage scopes (restricted ones) need IAM admin rights to register. */
    readonly needsAdmin: boolean;
}

/** WLCG storage scopes for the whole of the RSE's storage area (StoRM reads paths relative to it). */
const storage = {
    read: "storage.read:/",
    create: "storage.create:/",
    modify: "storage.modify:/",
} as const;

const identityScopes = ["openid", "profile", "email"];

/**
 * The scopes a notebook's token exchange asks for: Rucio's expected scopes, the user's groups,
 * the RSE's storage, and offline_access for a refresh token. IAM grants an exchanged scope only
 * if both the exchanging client and the client the user's token was issued to hold it.
 */
export const notebookExchangeScopes: readonly string[] = ["openid", "profile", "offline_access", "wlcg.groups", storage.read, storage.create, storage.modify];

/**
 * Registering this scope makes IAM issue the client's tokens under the WLCG JWT profile, the one
 * that puts the `scope` claim StoRM authorizes by into every token (IAM picks the profile from the
 * client's registered scopes, when exactly one of wlcg, iam, aarc, kc is among them).
 */
const wlcgProfile = "wlcg";

/** IAM's scope for reading users and groups through /scim. */
const scimRead = "scim:read";

const union = (...lists: ReadonlyArray<readonly string[]>) => [...new Set(lists.flat())];

export function planClients(model: SiteModel): ClientSpec[] {
    const c = model.config;
    const runs = servicesRun(c);
    const name = (role: string) => `${model.name}-${role}`;
    const clients: ClientSpec[] = [];
    if (runs.jupyter) {
        clients.push({
            role: "jupyterhub",
            name: name("jupyterhub"),
            grantTypes: [grants.authorizationCode, grants.refreshToken],
            // Every scope a notebook exchange asks for: IAM refuses to exchange a user's token for a
            // scope its own client does not hold. Logging in does not ask for the storage scopes.
            scopes: union(identityScopes, ["offline_access"], hubLoginScopes, notebookExchangeScopes),
            redirectUris: [hubOauthCallback(hubUrl(model.hostnames.jupyter))],
            needsAdmin: true,
        });
        // A client of its own, so that IAM lets the exchanged token carry offline_access and a
        // refresh token (it refuses that when actor and subject are the same client): notebook
        // tokens are refreshed instead of expiring after an hour.
        clients.push({
            role: "tokenExchange",
            name: name("token-exchange"),
            grantTypes: [grants.tokenExchange, grants.refreshToken],
            scopes: union(identityScopes, [wlcgProfile], notebookExchangeScopes),
            redirectUris: [],
            needsAdmin: true,
        });
    }
    if (runs.rucio) {
        clients.push({
            role: "rucio",
            name: name("rucio"),
            grantTypes: [grants.authorizationCode, grants.refreshToken, grants.clientCredentials, grants.tokenExchange],
            // fts and the storage scopes: Rucio asks FTS to copy and delete on its users' behalf.
            scopes: union(identityScopes, [wlcgProfile, "offline_access", "wlcg.groups", "fts", storage.read, storage.create, storage.modify]),
            redirectUris: rucioOidcRedirectUris(model.rucio.authUrl),
            needsAdmin: true,
        });
        clients.push({
            role: "rucioWebui",
            name: name("rucio-webui"),
            grantTypes: [grants.authorizationCode, grants.refreshToken],
            scopes: [...webuiLoginScopes],
            redirectUris: [webuiRedirectUri(model.hostnames.rucioWebui)],
            needsAdmin: false,
        });
        // The account sync reads the site's users from IAM's SCIM API.
        clients.push({
            role: "rucioSync",
            name: name("rucio-sync"),
            grantTypes: [grants.clientCredentials],
            scopes: [scimRead],
            redirectUris: [],
            needsAdmin: true,
        });
    }
    if (c.iam.stormLogin) {
        clients.push({
            role: "storm",
            name: name("storm"),
            grantTypes: [grants.authorizationCode],
            scopes: [...identityScopes, "wlcg.groups"],
            // Spring Security's callback, named after the issuer's entry in StoRM's application.yml.
            redirectUris: [`https://${model.hostnames.storm}:${ports.webdav}/login/oauth2/code/${siteIssuerName}`],
            needsAdmin: false,
        });
    }
    return clients;
}

/** The client as IAM's JSON has it. Only a client that redirects a browser answers with a code. */
export function clientMetadata(spec: ClientSpec): { client_name: string; redirect_uris: string[]; grant_types: string[]; scope: string; token_endpoint_auth_method: string; response_types: string[] } {
    const browser = spec.grantTypes.includes(grants.authorizationCode);
    return {
        client_name: spec.name,
        redirect_uris: [...spec.redirectUris],
        grant_types: [...spec.grantTypes],
        scope: spec.scopes.join(" "),
        token_endpoint_auth_method: "client_secret_basic",
        response_types: browser ? ["code"] : [],
    };
}

// How a stand-in IAM is configured, with INDIGO IAM v1.12.0's defaults. Paths are in
// indigo-iam/iam@v1.12.0; LS = iam-login-service/src/main/java/it/infn/mw/iam.

export type JwtProfileName = "iam" | "wlcg" | "aarc" | "kc";

export interface FakeIamOptions {
    /** IAM_JWT_DEFAULT_PROFILE, default iam (iam-login-service/src/main/resources/application.yml:110-111). */
    readonly defaultProfile?: JwtProfileName;
    /** IAM_ACCESS_TOKEN_INCLUDE_SCOPE, default false (application.yml:137; LS/config/IamProperties.java:468). */
    readonly includeScope?: boolean;
    /** IAM_ACCESS_TOKEN_INCLUDE_NBF, default false (application.yml:138). */
    readonly includeNbf?: boolean;
    /**
     * client-registration.client-defaults.default-registration-access-token-validity-seconds:
     * -1 (the default) never rotates a registration access token
     * (LS/config/client_registration/ClientRegistrationProperties.java:40).
     */
    readonly ratValiditySeconds?: number;
    /** The scopes an IAM administrator defined as system scopes. */
    readonly systemScopes?: readonly string[];
    /** Whether IAM runs with the `wlcg-scopes` Spring profile, which defines the storage and group scope matchers. */
    readonly wlcgScopeMatchers?: boolean;
    /** IAM_ORGANISATION_NAME, default indigo-dc (application.yml:123-124): userinfo's organisation_name. */
    readonly organisationName?: string;
}

/** Seeded by IAM's migrations (db/migration/prod/V3___basic_configuration.sql:1-9, mysql/V92__add_iam_api_scopes.sql). */
export const seededSystemScopes = ["openid", "profile", "email", "address", "phone", "offline_access", "scim:read", "scim:write", "iam:admin.read", "iam:admin.write"];

/** What the README's "Preparing IAM" has an administrator add for a site. */
export const siteSystemScopes = ["wlcg.groups", "storage.read:/", "storage.create:/", "storage.modify:/", "fts"];

/** client-registration.client-defaults (application.yml:230-234). */
export const clientDefaults = { accessTokenSeconds: 3600, refreshTokenSeconds: 2592000, idTokenSeconds: 600, deviceCodeSeconds: 600 } as const;

export interface IamSettings {
    readonly defaultProfile: JwtProfileName;
    readonly includeScope: boolean;
    readonly includeNbf: boolean;
    readonly ratValiditySeconds: number;
    readonly systemScopes: readonly string[];
    readonly wlcgScopeMatchers: boolean;
    readonly organisationName: string;
}

export function settingsOf(options: FakeIamOptions = {}): IamSettings {
    return {
        defaultProfile: options.defaultProfile ?? "iam",
        includeScope: options.includeScope ?? false,
        includeNbf: options.includeNbf ?? false,
        ratValiditySeconds: options.ratValiditySeconds ?? -1,
        systemScopes: options.systemScopes ?? [...seededSystemScopes, ...siteSystemScopes],
        wlcgScopeMatchers: options.wlcgScopeMatchers ?? true,
        organisationName: options.organisationName ?? "indigo-dc",
    };
}

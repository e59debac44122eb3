// StoRM-WebDAV's browser login with the site's IAM (iam.stormLogin): a Spring Security OAuth2
// client registration. Everything but the client's secret goes in application.yml (instance
// metadata, readable by every member of the cloud project); the secret reaches StoRM as an
// environment variable from a root-only file in user-data, which only admins read through Nova.
import { siteIssuerName, type TrustedIssuer } from "../../../config/derive";
import { environmentFile } from "./env-file";

/** What StoRM needs to know of its IAM client; the secret travels separately (stormSecretsFile). */
export interface StormLoginClient {
    readonly clientId: string;
    /** The scopes the client is registered with; a login asks for all of them. */
    readonly scopes: readonly string[];
}

/**
 * The registration (and provider) id. Spring's callback is `/login/oauth2/code/<id>`
 * (Spring Security 6.4.5 ClientRegistrations.java:297 and OAuth2LoginAuthenticationFilter.java:103),
 * which the identity part registers with the site's issuer name.
 */
export const loginRegistrationId = siteIssuerName;

// Spring Boot lower-cases map keys bound from environment variables (Spring Boot 3.4.5, the one
// StoRM 1.9.0's pom.xml:20 names, external-config.adoc:970-973; the same text in 3.5.3), and an
// underscore there separates property names: only lower-case letters and digits survive as the id.
if (!/^[a-z0-9]+$/.test(loginRegistrationId)) throw new Error(`the login registration id ${loginRegistrationId} cannot be bound from an environment variable`);

/**
 * spring.security.oauth2.client.registration.<id>.client-secret as Spring Boot reads it from the
 * environment: dots to underscores, dashes removed, upper case (external-config.adoc:950-956).
 * The environment outranks application.yml (external-config.adoc:9-19).
 */
export const clientSecretVariable = `SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_${loginRegistrationId.toUpperCase()}_CLIENTSECRET`;

/**
 * The `spring` tree of application.yml for the login. StoRM builds each registration from its
 * provider's issuer-uri by OIDC discovery and maps provider, client-id, client-secret, scope and
 * client-name (ClientRegistrationCacheLoader.java:50-83 at 1.9.0); upstream's own example has the
 * same keys (etc/storm-webdav/config/README.md:62-92).
 */
export function springLoginSettings(siteIssuer: TrustedIssuer, client: StormLoginClient): Record<string, unknown> {
    return {
        security: {
            oauth2: {
                client: {
                    provider: { [loginRegistrationId]: { "issuer-uri": siteIssuer.issuer } },
                    registration: {
                        [loginRegistrationId]: {
                            provider: loginRegistrationId,
                            "client-name": "IAM",
                            "client-id": client.clientId,
                            scope: [...client.scopes],
                        },
                    },
                },
            },
        },
    };
}

/** The site's own issuer among the trusted ones: the IAM the login client is registered at. */
export function siteIssuerOf(issuers: readonly TrustedIssuer[]): TrustedIssuer {
    const site = issuers.find((i) => i.name === siteIssuerName);
    if (site === undefined) throw new Error(`no trusted issuer is named ${siteIssuerName}`);
    return site;
}

/** The root-only file of StoRM's secret settings (an EnvironmentFile); without a login it sets nothing. */
export function stormSecretsFile(clientSecret: string | undefined): string {
    if (clientSecret === undefined) return "# No StoRM login is configured: no secret settings.\n";
    if (clientSecret === "") throw new Error("the StoRM login client's secret is empty");
    return environmentFile([[clientSecretVariable, clientSecret]], { secret: true });
}

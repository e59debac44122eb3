// StoRM-WebDAV's own configuration: application.yml (trusted issuers, the browser login), one
// .properties file per storage area, and the environment the service starts with.
import { yamlText } from "../../yaml-text";
import type { DerivedStorageArea, TrustedIssuer } from "../../../config/derive";
import { ports } from "../../../config/ports";
import { environmentFile } from "./env-file";
import { stormPaths } from "./paths";
import { siteIssuerOf, springLoginSettings, type StormLoginClient } from "./storm-login";

/**
 * `oauth.issuers`: StoRM accepts tokens from these issuers only, compared byte for byte with `iss`.
 * With a login client, also the browser login through the site's IAM (storm-login.ts).
 */
export function applicationYml(issuers: readonly TrustedIssuer[], login?: StormLoginClient): string {
    const settings = {
        oauth: {
            issuers: issuers.map(({ name, issuer }) => ({ name, issuer })),
            // OAuthProperties.java:76 (default false): true creates StoRM's ClientRegistrationRepository
            // (AppConfig.java:316-318) and turns on oauth2Login (SecurityConfig.java:238-244). Written
            // when false too: unset, neither of StoRM's repositories is created (AppConfig.java:447-451).
            "enable-oidc": login !== undefined,
        },
        ...(login === undefined ? {} : { spring: springLoginSettings(siteIssuerOf(issuers), login) }),
    };
    // StoRM reads YAML 1.1, where a bare `no` or `on` is a boolean: written for 1.1, such names are quoted.
    return yamlText(settings);
}

/**
 * One storage area. Every authorization property is written out, because StoRM's built-in
 * defaults differ from its documentation (orgsGrantWritePermission is true in code).
 */
export function storageAreaProperties(area: DerivedStorageArea, issuers: readonly TrustedIssuer[]): string {
    const properties: [string, string | boolean][] = [
        ["name", area.name],
        ["rootPath", area.rootPath],
        ["accessPoints", area.accessPoint],
        ["orgs", issuers.map((i) => i.issuer).join(",")],
        ["wlcgScopeAuthzEnabled", area.wlcgScopeAuthz],
        ["orgsGrantReadPermission", area.orgsGrantRead],
        ["orgsGrantWritePermission", area.orgsGrantWrite],
        ["anonymousReadEnabled", area.anonymousRead],
        // Read for clients that present an X.509 certificate only: it is read in VOMSPolicyService.java:51
        // alone, for certificate (VOMS) authentication; tokens and OIDC logins get their rights from
        // orgs, orgsGrant* and scopes (GrantedAuthoritiesMapperSupport.java:36-57), all at 1.9.0.
        ["authenticatedReadEnabled", area.authenticatedRead],
        ["voMapEnabled", false],
        ["fineGrainedAuthzEnabled", false],
    ];
    return `${properties.map(([key, value]) => `${key}=${value}`).join("\n")}\n`;
}

/** A quarter of the VM's memory, between 1 and 2 GB: StoRM's guide recommends 2 GB for a busy server. */
export function heapMbFor(ramMb: number): number {
    return Math.min(2048, Math.max(1024, Math.floor(ramMb / 4 / 256) * 256));
}

export interface StormEnvironmentFacts {
    readonly fqdn: string;
    readonly heapMb: number;
    readonly deployment: "rpm" | "container";
}

/**
 * The service environment (an EnvironmentFile: one KEY=value a line, no quoting, read the same
 * way by systemd and podman). For the container it also replaces the image's `dev` profile.
 */
export function stormEnvironment(facts: StormEnvironmentFacts): string {
    const jvm = [`-Xms${facts.heapMb}m`, `-Xmx${facts.heapMb}m`, "-Djava.security.egd=file:/dev/./urandom"];
    if (facts.deployment === "container") {
        // The image runs from /, so application.yml is not found by the RPM's working directory.
        jvm.push(`-Dspring.config.additional-location=optional:file:${stormPaths.configDir}/`);
    }
    const env: [string, string | number][] = [
        ["STORM_WEBDAV_HOSTNAME_0", facts.fqdn],
        ["STORM_WEBDAV_HTTPS_PORT", ports.webdav],
        ["STORM_WEBDAV_HTTP_PORT", ports.stormHealth],
        // Tokens and third-party copy need TLS without a client certificate.
        ["STORM_WEBDAV_REQUIRE_CLIENT_CERT", "false"],
        ["STORM_WEBDAV_CERTIFICATE_PATH", stormPaths.hostCertificate],
        ["STORM_WEBDAV_PRIVATE_KEY_PATH", stormPaths.hostKey],
        ["STORM_WEBDAV_TRUST_ANCHORS_DIR", stormPaths.trustAnchors],
        ["STORM_WEBDAV_SA_CONFIG_DIR", stormPaths.storageAreas],
        // Named here, from the same constant the bundle creates it from (application.yml:180 at 1.9.0).
        ["STORM_WEBDAV_VOMS_TRUST_STORE_DIR", stormPaths.vomsDir],
        ["STORM_WEBDAV_JVM_OPTS", jvm.join(" ")],
    ];
    // Not STORM_WEBDAV_JAR nor STORM_WEBDAV_LOG_CONFIGURATION: the RPM's unit starts the jar its own
    // drop-in names (storm-webdav.service:13-16, storm-webdav.service.d/storm-webdav.conf:55,61).
    return environmentFile(env);
}

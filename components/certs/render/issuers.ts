// Certificates for the site's ingress hosts: cert-manager with a Let's Encrypt ClusterIssuer per
// ACME server, solving HTTP-01 through the site's ingress class; an ingress asks for a
// certificate by annotation.
import type { AcmeServer } from "../../../config/derive";
import { acmeDirectories } from "../../../config/derive";
import { projectFile } from "../../project-files";

export const issuerName = (server: AcmeServer) => `letsencrypt-${server}`;

export function clusterIssuerSpec(server: AcmeServer, email: string, ingressClass: string): Record<string, unknown> {
    return {
        acme: {
            server: acmeDirectories[server],
            email,
            privateKeySecretRef: { name: `${issuerName(server)}-account` },
            // ingressClassName, not the legacy class annotation (cert-manager's ACMEChallengeSolverHTTP01Ingress).
            solvers: [{ http01: { ingress: { ingressClassName: ingressClass } } }],
        },
    };
}

export function certManagerValues(): Record<string, unknown> {
    // The chart installs and upgrades the CRDs; they stay if the chart is removed (certificates survive).
    // Challenge ingresses keep their default pathType Exact, which Traefik serves as a Path rule.
    return { crds: { enabled: true, keep: true } };
}

/** What an ingress of the site carries to get a certificate for its host from the site's issuer. */
export function ingressTls(hostname: string, server: AcmeServer): { annotations: Record<string, string>; tls: { hosts: string[]; secretName: string }[] } {
    return {
        annotations: { "cert-manager.io/cluster-issuer": issuerName(server) },
        tls: [{ hosts: [hostname], secretName: `${hostname.replace(/\./g, "-")}-tls` }],
    };
}

/**
 * The roots a client must trust to verify a site endpoint's certificate: none beyond the public
 * ones for production; Let's Encrypt's staging roots ("(STAGING) Pretend Pear X1" and "(STAGING)
 * Bogus Broccoli X2", https://letsencrypt.org/certs/staging/, SHA-256 fingerprints E7:05:70:A9…
 * and 9B:2A:33:9F…) for test sites. They ship with the program, so nothing fetched at deploy time
 * decides what the program trusts.
 */
export function acmeRoots(server: AcmeServer): string[] {
    if (server === "production") return [];
    return projectFile("components/certs/files/letsencrypt-staging-roots.pem")
        .split(/(?<=-----END CERTIFICATE-----)\s*/)
        .filter((pem) => pem.includes("BEGIN CERTIFICATE"));
}

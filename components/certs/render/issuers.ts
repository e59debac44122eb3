// Certificates for the site's ingress hosts: cert-manager with a Let's Encrypt ClusterIssuer per
// ACME server, solving HTTP-01 through the site's ingress class; an ingress asks for a
// certificate by annotation.
import type { AcmeServer } from "../../../config/derive";
import { acmeDirectories } from "../../../config/derive";

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

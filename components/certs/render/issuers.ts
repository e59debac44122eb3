// Certificates for the site's ingress hosts: cert-manager with a Let's Encrypt ClusterIssuer per
// ACME server, solving HTTP-01 through the nginx ingress; an ingress asks for a certificate by
// annotation.
import type { AcmeServer } from "../../../config/derive";
import { acmeDirectories } from "../../../config/derive";
import { ingressClass } from "../../cluster/render/platform";

export const issuerName = (server: AcmeServer) => `letsencrypt-${server}`;

export function clusterIssuerSpec(server: AcmeServer, email: string): Record<string, unknown> {
    return {
        acme: {
            server: acmeDirectories[server],
            email,
            privateKeySecretRef: { name: `${issuerName(server)}-account` },
            solvers: [{ http01: { ingress: { ingressClassName: ingressClass } } }],
        },
    };
}

export function certManagerValues(): Record<string, unknown> {
    return {
        // The chart installs and upgrades the CRDs; they stay if the chart is removed (certificates survive).
        crds: { enabled: true, keep: true },
        // Exact-path challenge ingresses are refused by ingress-nginx's path validation.
        featureGates: "ACMEHTTP01IngressPathTypeExact=false",
    };
}

/** What an ingress of the site carries to get a certificate for its host from the site's issuer. */
export function ingressTls(hostname: string, server: AcmeServer): { annotations: Record<string, string>; tls: { hosts: string[]; secretName: string }[] } {
    return {
        annotations: { "cert-manager.io/cluster-issuer": issuerName(server) },
        tls: [{ hosts: [hostname], secretName: `${hostname.replace(/\./g, "-")}-tls` }],
    };
}

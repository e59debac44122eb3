// The certs part: cert-manager and a ClusterIssuer for Let's Encrypt staging and production on
// the site's cluster. Test sites use staging; production sites production (config/derive.ts).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { AcmeServer } from "../../config/derive";
import { charts } from "../../config/versions";
import { pinnedRelease } from "../helm-release";
import { certManagerValues, clusterIssuerSpec, issuerName } from "./render/issuers";

export { acmeRoots, ingressTls, issuerName } from "./render/issuers";

export interface SiteCertificatesArgs {
    readonly namePrefix: string;
    readonly provider: k8s.Provider;
    readonly deletedWith?: pulumi.Resource;
    /** Install cert-manager and the issuers (not on a shared cluster that has them). */
    readonly install: boolean;
    readonly acmeEmail: string;
    /** The ingress class that answers ACME's HTTP-01 challenges. */
    readonly ingressClass: string;
    /** The issuer the site's ingresses use. */
    readonly server: AcmeServer;
}

const servers: readonly AcmeServer[] = ["staging", "production"];

export class SiteCertificates extends pulumi.ComponentResource {
    /** The ClusterIssuer the site's ingresses name. */
    readonly issuer: string;

    constructor(name: string, args: SiteCertificatesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:certs:SiteCertificates", name, {}, opts);
        const child: pulumi.CustomResourceOptions = { parent: this, provider: args.provider, deletedWith: args.deletedWith };
        const n = (suffix: string) => `${args.namePrefix}-${suffix}`;
        this.issuer = issuerName(args.server);

        if (args.install) {
            const namespace = new k8s.core.v1.Namespace(n("cert-manager"), { metadata: { name: "cert-manager" } }, child);
            const release = new k8s.helm.v3.Release(
                n("cert-manager"),
                pinnedRelease("cert-manager", charts.certManager, namespace.metadata.name, certManagerValues()),
                child,
            );
            // Both issuers exist, so a site can move from staging to production by config alone.
            for (const server of servers) {
                new k8s.apiextensions.CustomResource(
                    n(issuerName(server)),
                    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: issuerName(server) }, spec: clusterIssuerSpec(server, args.acmeEmail, args.ingressClass) },
                    { ...child, dependsOn: [release] },
                );
            }
        }
        this.registerOutputs({ issuer: this.issuer });
    }
}

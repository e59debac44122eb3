// JupyterHub on the site's cluster: the zero-to-jupyterhub release, the Secret with the hub's IAM
// client secrets, and the keys the hub needs, generated here. Every value comes from render/;
// this registers them.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import type { AcmeServer, RucioModel } from "../../config/derive";
import type { SiteConfig } from "../../config/schema";
import { charts } from "../../config/versions";
import { pinnedRelease } from "../helm-release";
import type { SiteClient } from "../identity";
import { notebookExchangeScopes } from "../identity/plan";
import { rucioAudience } from "../rucio/render/server-config";
import { hubUrl, tokenFile, type NotebookDataPlan } from "./plan";
import { hubAuthConfig, hubFiles, hubSecretEnv, notebookCommand, notebookTokenEnv, notebookTokenFiles } from "./render/hub-auth";
import { hubValues, type HubValuesArgs } from "./render/hub-values";
import { notebookRucioFiles } from "./render/rucio-notebook";

export interface SiteJupyterHubArgs {
    readonly namePrefix: string;
    readonly provider: k8s.Provider;
    /** Test sites: what goes with the cluster (not the release: its hub database is a cloud volume). */
    readonly deletedWith?: pulumi.Resource;
    /** The namespace the platform made, where the RSE's claims are. */
    readonly namespace: pulumi.Input<string>;
    readonly siteName: string;
    readonly hostname: string;
    readonly ingressClass: string;
    /** The site's own ingress controller's pods, when it installs one (hub-values.ts). */
    readonly ingressPods?: HubValuesArgs["ingressPods"];
    readonly acmeServer: AcmeServer;
    readonly storageClass?: string;
    readonly issuer: string;
    readonly jupyterhub: SiteConfig["jupyterhub"];
    readonly data: NotebookDataPlan;
    readonly rucio: RucioModel;
    /** PEM of the CAs that sign Rucio's certificate when they are not public roots. */
    readonly rucioCaCertificates?: string;
    /** The RSE's name as registered in Rucio (a test site's carries a random suffix). */
    readonly rseName: pulumi.Input<string>;
    readonly clients: { readonly login: SiteClient; readonly exchange: SiteClient };
    readonly random: random.Provider;
    /** What must exist first: the RSE's claims, the certificate issuer. */
    readonly after?: pulumi.Input<pulumi.Resource>[];
}

/** The release's name; the chart names its objects after it. */
export const hubRelease = "jupyterhub";

/** The pre-puller's hook waits until every node has pulled the notebook image, which can take long. */
const releaseTimeoutSeconds = 1800;

/** Our Secret's keys for the hub's IAM client secrets. */
const clientSecretKeys = { login: "login-client-secret", exchange: "exchange-client-secret" } as const;

export class SiteJupyterHub extends pulumi.ComponentResource {
    readonly url: string;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: SiteJupyterHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:jupyterhub:SiteJupyterHub", name, {}, opts);
        const n = (suffix: string) => `${args.namePrefix}-${suffix}`;
        const inCluster: pulumi.CustomResourceOptions = { parent: this, provider: args.provider, deletedWith: args.deletedWith };
        const generated = { parent: this, provider: args.random };
        this.url = hubUrl(args.hostname);

        // 32 random bytes, hex, as JupyterHub's cookie secret and CryptKeeper key take them.
        const cookieSecret = new random.RandomBytes(n("jupyterhub-cookie-secret"), { length: 32 }, generated).hex;
        const cryptKey = new random.RandomBytes(n("jupyterhub-crypt-key"), { length: 32 }, generated).hex;
        const proxyToken = new random.RandomPassword(n("jupyterhub-proxy-token"), { length: 64, special: false }, generated).result;

        const secretName = "srcnet-hub-iam";
        const clientSecrets = new k8s.core.v1.Secret(
            n("jupyterhub-iam"),
            {
                metadata: { name: secretName, namespace: args.namespace },
                type: "Opaque",
                stringData: { [clientSecretKeys.login]: args.clients.login.clientSecret, [clientSecretKeys.exchange]: args.clients.exchange.clientSecret },
            },
            inCluster,
        );

        const values = pulumi.all([args.clients.login.clientId, args.clients.exchange.clientId, args.rseName]).apply(([loginClientId, exchangeClientId, rseName]) => {
            const rucioFiles = notebookRucioFiles({ rseName, rucio: args.rucio, data: args.data, tokenFile, siteName: args.siteName, caCertificates: args.rucioCaCertificates });
            return hubValues({
                hostname: args.hostname,
                ingressClass: args.ingressClass,
                ingressPods: args.ingressPods,
                acmeServer: args.acmeServer,
                storageClass: args.storageClass,
                jupyterhub: args.jupyterhub,
                authConfig: hubAuthConfig({
                    issuer: args.issuer,
                    hubUrl: this.url,
                    loginClientId,
                    exchangeClientId,
                    exchangeScopes: notebookExchangeScopes,
                    audience: rucioAudience,
                    allowedGroups: args.jupyterhub.allowedGroups,
                    admins: args.jupyterhub.admins,
                }),
                hubFiles: hubFiles(),
                hubEnvSecret: { name: secretName, keys: { [hubSecretEnv.loginClientSecret]: clientSecretKeys.login, [hubSecretEnv.exchangeClientSecret]: clientSecretKeys.exchange } },
                notebook: {
                    command: notebookCommand(),
                    files: { ...notebookTokenFiles(), ...rucioFiles.files },
                    env: { ...notebookTokenEnv(), ...rucioFiles.env },
                },
                data: args.data,
                generated: { cookieSecret, proxyToken, cryptKey },
            });
        });
        // Uninstalled while the cluster runs, so that the cloud removes its database's volume.
        this.release = new k8s.helm.v3.Release(n(hubRelease), pinnedRelease(hubRelease, charts.jupyterhub, args.namespace, values, { timeout: releaseTimeoutSeconds }), {
            parent: this,
            provider: args.provider,
            dependsOn: [...(args.after ?? []), clientSecrets],
        });
        this.registerOutputs({ url: this.url });
    }
}

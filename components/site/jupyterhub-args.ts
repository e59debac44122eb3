// What the JupyterHub part is given, from the site model and the other parts.
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import type * as random from "@pulumi/random";
import type { SiteModel } from "../../config/derive";
import type { SiteCluster } from "../cluster";
import type { ClientRole, SiteClient } from "../identity";
import type { SiteJupyterHubArgs } from "../jupyterhub";
import { planNotebookData } from "../jupyterhub/plan";
import { traefikNamespace, traefikPods } from "../cluster/render/platform";
import { rucioCaCertificates } from "./rucio-args";

export interface SiteJupyterHubParts {
    readonly random: random.Provider;
    readonly clients: Readonly<Partial<Record<ClientRole, SiteClient>>>;
    readonly inCluster: { readonly provider: k8s.Provider; readonly deletedWith?: pulumi.Resource };
    readonly cluster: SiteCluster;
    readonly namespace: pulumi.Output<string>;
    readonly rseName: pulumi.Output<string>;
    readonly after: pulumi.Resource[];
}

function client(clients: SiteJupyterHubParts["clients"], role: ClientRole): SiteClient {
    const c = clients[role];
    // The identity plan makes both whenever JupyterHub runs.
    if (!c) throw new Error(`the site runs JupyterHub, but the identity part has no ${role} client`);
    return c;
}

export function siteJupyterHubArgs(model: SiteModel, parts: SiteJupyterHubParts): SiteJupyterHubArgs {
    return {
        namePrefix: model.name,
        ...parts.inCluster,
        namespace: parts.namespace,
        siteName: model.name,
        hostname: model.hostnames.jupyter,
        ingressClass: parts.cluster.ingressClass,
        ingressPods: parts.cluster.installPlatform ? { namespace: traefikNamespace(parts.cluster.namespacePrefix), labels: traefikPods.labels, port: traefikPods.httpsPort } : undefined,
        acmeServer: model.acme.server,
        storageClass: parts.cluster.storageClass,
        issuer: model.config.iam.issuer,
        jupyterhub: model.config.jupyterhub,
        data: planNotebookData(model),
        rucio: model.rucio,
        rucioCaCertificates: rucioCaCertificates(model)?.join("\n"),
        rseName: parts.rseName,
        clients: { login: client(parts.clients, "jupyterhub"), exchange: client(parts.clients, "tokenExchange") },
        random: parts.random,
        after: parts.after,
    };
}

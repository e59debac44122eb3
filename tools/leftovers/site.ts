// What the leftovers tool needs to know about a site, from its stack file: its tag, the names the
// program gives what cannot carry a tag (the Magnum cluster and template, the Cluster API
// credential, the DNS records), and the names the cluster's own controllers give what they
// create in the cloud for it (load balancers, volumes, nodes), which carry no tag of the site.
import type { SiteModel } from "../../config/derive";
import { capiCredentialName, clusterName } from "../../components/cluster/names";
import { traefikNamespace } from "../../components/cluster/render/platform";
import { readSiteConfig } from "../site-access/site-config";

export interface LeftoverCluster {
    readonly backend: "magnum" | "capi" | "existing";
    /**
     * Names the cluster goes by in the cloud, as the cloud controller and Cinder CSI use it
     * (their --cluster-name / clusterID): exact names, and patterns for names with a part the
     * cloud chooses (Magnum's Cluster API driver adds a random suffix), as RegExp sources
     * without anchors.
     */
    readonly cloudNames: readonly string[];
    /** The Magnum cluster (magnum), the Cluster API cluster (capi). */
    readonly name?: string;
    /** Magnum templates the program creates, named after their settings (magnum, unless config names an existing template). */
    readonly templateName?: RegExp;
    /** The Cluster API cluster's namespace in the management cluster (capi). */
    readonly capiNamespace?: string;
    /** The application credential made for the Cluster API controllers (capi). */
    readonly applicationCredential?: string;
    /** Prefix of the names of the cluster's nodes (servers the cluster makes). */
    readonly nodePrefix?: string;
    /** The namespace of the site's ingress controller, when the site installs one on a cluster it shares. */
    readonly sharedIngressNamespace?: string;
}

export interface LeftoverSite {
    readonly stack: string;
    readonly name: string;
    /** The tag every taggable resource of the site carries: `site:<name>`. */
    readonly tag: string;
    readonly tags: readonly string[];
    readonly openstack: SiteModel["config"]["openstack"];
    /** Designate: the zone the records are in, whether the site created it, and the records' names. */
    readonly dns?: { readonly zone: string; readonly createZone: boolean; readonly hostnames: readonly string[] };
    readonly cluster: LeftoverCluster;
}

/** `RegExp` source of a literal string. */
export const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The cluster's name in the cloud: the Magnum or Cluster API cluster is the program's
 * clusterName (components/cluster/names.ts). Magnum's Cluster API driver runs it as a Helm release `<sanitized name, first 30>-<12
 * random characters>` (stackhpc/magnum-capi-helm@a8b82c2:magnum_capi_helm/driver.py:1219-1232), and
 * the chart names the cluster's cloud controller and CSI after the release
 * (azimuth-cloud/capi-helm-charts@0.27.0:charts/cluster-addons/templates/openstack/ccm.yaml:15,
 * csi-cinder.yaml:36, _helpers.tpl:4-6). Magnum's Heat driver uses the cluster's UUID instead
 * (openstack/magnum@stable/2025.1 907b8427:magnum/drivers/common/templates/kubernetes/fragments/kube-apiserver-to-kubelet-role.sh:309),
 * which is known only while the Magnum cluster is there (the tool adds it then).
 */
export function clusterOf(model: SiteModel): LeftoverCluster {
    const c = model.config.cluster;
    const name = clusterName(model.name);
    if (c.backend === "existing") {
        const prefix = c.namespacePrefix ? `${c.namespacePrefix}-` : "";
        return { backend: "existing", cloudNames: [], sharedIngressNamespace: c.installPlatform ? traefikNamespace(prefix) : undefined };
    }
    const magnumRelease = `${literal(name.slice(0, 30))}-[a-z0-9]{12}`;
    if (c.backend === "magnum") {
        return {
            backend: "magnum",
            name,
            cloudNames: [literal(name), magnumRelease],
            templateName: c.template ? undefined : new RegExp(`^${literal(name)}-[0-9a-f]{8}$`),
            nodePrefix: `${name}-`,
        };
    }
    return { backend: "capi", name, cloudNames: [literal(name)], capiNamespace: c.namespace, applicationCredential: capiCredentialName(model.name), nodePrefix: `${name}-` };
}

export function leftoverSite(model: SiteModel, stack: string): LeftoverSite {
    const tag = model.tags.find((t) => t.startsWith("site:"));
    if (tag !== `site:${model.name}`) throw new Error(`the site's tags ${model.tags.join(", ")} carry no site:${model.name}`);
    const dns = model.config.dns;
    return {
        stack,
        name: model.name,
        tag,
        tags: model.tags,
        openstack: model.config.openstack,
        dns: dns.provider === "designate" && model.dnsZone ? { zone: model.dnsZone, createZone: dns.createZone, hostnames: model.services.map((s) => s.hostname) } : undefined,
        cluster: clusterOf(model),
    };
}

/**
 * Reads the stack file as every operator tool does (tools/site-access; secrets stay placeholders,
 * the tool needs none) and derives the site. Problems of the secret keys do not matter here; those
 * of the site do (a SiteConfigError).
 */
export function readLeftoverSite(stackFile: string): LeftoverSite {
    const { model, stack } = readSiteConfig(stackFile, { siteOnly: true });
    return leftoverSite(model, stack);
}

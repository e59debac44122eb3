// Looks up, before any resource is registered, every cloud object the config names (external
// network, images, flavors, key pair, cluster template, DNS zone, availability zone), all at once,
// and asks Keystone whether the site's login may create what the cluster backend needs. A name
// the cloud does not know is a config problem, reported with its path like any other, and
// nothing is created.
import * as openstack from "@pulumi/openstack";
import { volumeZoneOf, type SiteModel } from "../../config/derive";
import type { Problem } from "../../config/messages";
import { SiteConfigError } from "../../config/load";
import { loginKind } from "./keystone";
import { loginProblem, nodeImageProblems } from "./cluster-checks";
import { cloudCa, publicRoots, type CloudCa } from "./cloud-ca";

/** What the lookups found, for the parts to use by ID. */
export interface CloudFacts {
    readonly externalNetworkId: string;
    readonly storageImageId: string;
    readonly storageFlavorRamMb: number;
    /** An existing Magnum cluster template, when the config names one. */
    readonly clusterTemplateId?: string;
    /** An existing Designate zone, when the site does not create its own. */
    readonly dnsZoneId?: string;
    /** Keystone's public endpoint and the region, for the credentials handed to Cluster API. */
    readonly identity?: { readonly authUrl: string; readonly region: string };
    /** The CA certificates (PEM) that sign the cloud's endpoints (cloud-ca.ts). */
    readonly caCertificates: string;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The reason an invoke failed, without the provider's multi-line noise. */
function reason(err: unknown): string {
    const text = err instanceof Error ? err.message : String(err);
    return text.split("\n").map((l) => l.trim()).filter(Boolean).slice(-1)[0] ?? "lookup failed";
}

export async function preflight(model: SiteModel, provider: openstack.Provider): Promise<CloudFacts> {
    const config = model.config;
    const opts = { provider };
    // Lookups run together; their problems are listed in the order of the lookups, not of the answers.
    const failures: (Problem | undefined)[] = [];
    /** Runs one lookup; a failure becomes a problem at `where`. */
    const look = async <T>(where: string, what: string, lookup: () => Promise<T>): Promise<T | undefined> => {
        const slot = failures.push(undefined) - 1;
        try {
            return await lookup();
        } catch (err) {
            failures[slot] = { where, message: `${what} was not found in the cloud (${reason(err)})` };
            return undefined;
        }
    };

    const image = config.storage.image;
    const cluster = config.cluster;
    const dns = config.dns;
    const buildsCluster = cluster.backend !== "existing";
    // Where the volume zone comes from, for messages: its own key, or the nodes' zone it defaults to.
    const volumeZonePath = cluster.backend === "capi" && cluster.volumeAvailabilityZone === undefined ? "site.cluster.availabilityZone" : "site.cluster.volumeAvailabilityZone";
    const volumeZone = volumeZoneOf(cluster);
    const nodeZone = cluster.backend === "capi" ? cluster.availabilityZone : undefined;
    const [network, storageImage, flavor, , template, zone, scope, nodeImage, volumeZones, computeZones] = await Promise.all([
        look("site.openstack.externalNetwork", `external network "${config.openstack.externalNetwork}"`, () =>
            openstack.networking.getNetwork({ name: config.openstack.externalNetwork, external: true }, opts),
        ),
        uuidPattern.test(image) ? Promise.resolve({ id: image }) : look("site.storage.image", `image "${image}"`, () => openstack.images.getImage({ name: image }, opts)),
        look("site.storage.flavor", `flavor "${config.storage.flavor}"`, () => openstack.compute.getFlavor({ name: config.storage.flavor }, opts)),
        config.openstack.keyPair
            ? look("site.openstack.keyPair", `key pair "${config.openstack.keyPair}"`, () => openstack.compute.getKeypair({ name: config.openstack.keyPair! }, opts))
            : undefined,
        cluster.backend === "magnum" && cluster.template
            ? look("site.cluster.template", `cluster template "${cluster.template}"`, () => openstack.containerinfra.getClusterTemplate({ name: cluster.template! }, opts))
            : undefined,
        dns.provider === "designate" && !dns.createZone
            ? look("site.dns.zone", `DNS zone "${model.dnsZone}." (set dns.createZone to create it)`, () => openstack.dns.getDnsZone({ name: `${model.dnsZone}.` }, opts))
            : undefined,
        buildsCluster
            ? look("site.openstack", "the identity service of the configured cloud", () => openstack.identity.getAuthScope({ name: "srcnet-site", setTokenId: true }, opts))
            : undefined,
        cluster.backend !== "existing" && cluster.image && !uuidPattern.test(cluster.image)
            ? look("site.cluster.image", `image "${cluster.image}"`, () => openstack.images.getImage({ name: cluster.image! }, opts))
            : undefined,
        volumeZone ? look(volumeZonePath, "the volume availability zones", () => openstack.blockstorage.getAvailabilityZonesV3({}, opts)) : undefined,
        nodeZone ? look("site.cluster.availabilityZone", "the compute availability zones", () => openstack.compute.getAvailabilityZones({}, opts)) : undefined,
    ]);
    // The cluster's flavors, each looked up once and reported at every place that names it.
    if (cluster.backend !== "existing") {
        const places = [{ where: "site.cluster.controlPlane.flavor", flavor: cluster.controlPlane.flavor }, ...cluster.nodeGroups.map((g, i) => ({ where: `site.cluster.nodeGroups[${i}].flavor`, flavor: g.flavor }))];
        const found = new Map<string, Promise<boolean>>();
        const exists = (name: string) => openstack.compute.getFlavor({ name }, opts).then(() => true);
        await Promise.all(places.map((p) => look(p.where, `flavor "${p.flavor}"`, () => found.get(p.flavor) ?? (found.set(p.flavor, exists(p.flavor)), found.get(p.flavor)!))));
    }
    const problems = failures.filter((p): p is Problem => p !== undefined);
    const keystone = scope?.serviceCatalogs.find((s) => s.type === "identity")?.endpoints.find((e) => e.interface === "public");
    if (scope && !keystone) {
        problems.push({ where: "site.openstack", message: "the cloud's service catalog has no public identity endpoint, which the cluster's credentials need" });
    }
    if (cluster.backend !== "existing" && nodeImage && cluster.kubernetesVersion) {
        problems.push(...nodeImageProblems(cluster.backend, nodeImage, cluster.kubernetesVersion, cluster.image!).map((message) => ({ where: "site.cluster.image", message })));
    }
    for (const [zone, zones, service, where] of [[volumeZone, volumeZones, "Cinder", volumeZonePath], [nodeZone, computeZones, "Nova", "site.cluster.availabilityZone"]] as const) {
        if (zone && zones && !zones.names.includes(zone)) {
            problems.push({ where, message: `"${zone}" is not one of ${service}'s availability zones (${zones.names.join(", ") || "none listed"})` });
        }
    }
    let ca: CloudCa = publicRoots();
    try {
        ca = cloudCa(config.openstack);
    } catch (err) {
        problems.push({ where: config.openstack.cloud ? "site.openstack.cloud" : "site.openstack", message: reason(err) });
    }
    if (buildsCluster && scope && keystone) {
        const where = config.openstack.applicationCredentialId ? "site.openstack.applicationCredentialId" : config.openstack.cloud ? "site.openstack.cloud" : "site.openstack";
        try {
            const message = loginProblem(cluster.backend, await loginKind(keystone.url, scope.tokenId, ca.pem));
            if (message) problems.push({ where, message });
        } catch (err) {
            problems.push({ where, message: `Keystone could not say whether the site's login may create the cluster's credentials (${reason(err)}; its certificate is checked against ${ca.source})` });
        }
    }
    if (problems.length > 0 || !network || !storageImage || !flavor) {
        throw new SiteConfigError(problems);
    }
    return {
        externalNetworkId: network.id,
        storageImageId: storageImage.id,
        storageFlavorRamMb: flavor.ram ?? 0,
        clusterTemplateId: template?.id,
        dnsZoneId: zone?.id,
        identity: scope && keystone ? { authUrl: keystone.url, region: keystone.region || scope.region } : undefined,
        caCertificates: ca.pem,
    };
}

// The storage part: the StoRM-WebDAV node with its data volume, port and floating IP. Thin: the
// renderers decide what the node runs; this registers the resources and wires their outputs in.
import * as pulumi from "@pulumi/pulumi";
import * as openstack from "@pulumi/openstack";
import { ports } from "../../config/ports";
import { bundleMetadata } from "./render/config-bundle";
import { storageNodeBundle, type StorageNodeConfig } from "./render/bundle";
import { userData } from "./render/user-data";
import { healthPath } from "./render/paths";

export { storageSiteRules } from "./rules";

export type CertificateInput =
    | { readonly source: "letsencrypt" }
    | { readonly source: "provided"; readonly certificate: pulumi.Input<string>; readonly key: pulumi.Input<string> };

/** StoRM's IAM client for the browser login (iam.stormLogin), from the identity part. */
export interface StormLoginInput {
    readonly clientId: pulumi.Input<string>;
    /** Goes into the user-data only (never the metadata), which then is a secret as a whole. */
    readonly clientSecret: pulumi.Input<string>;
    readonly scopes: readonly string[];
}

export interface StorageNodeArgs extends Pick<StorageNodeConfig, "fqdn" | "deployment" | "areas" | "issuers" | "nfsClients" | "acme"> {
    /** Prefix of every OpenStack name (the site name). */
    readonly namePrefix: string;
    readonly tags: readonly string[];
    /** Protect the data volume and keep it when the stack is destroyed (production sites). */
    readonly protectData: boolean;
    readonly imageId: string;
    readonly flavor: string;
    readonly keyPair?: string;
    readonly volume: { readonly sizeGb: number; readonly type?: string };
    /** Java heap of StoRM-WebDAV. */
    readonly heapMb: number;
    readonly certificate: CertificateInput;
    readonly stormLogin?: StormLoginInput;
    readonly webdavUrl: string;
    readonly network: {
        readonly networkId: pulumi.Input<string>;
        readonly subnetId: pulumi.Input<string>;
        readonly externalNetwork: string;
        readonly securityGroupIds: readonly pulumi.Input<string>[];
        /** The floating IP can be bound only once the subnet reaches the external network. */
        readonly ready: pulumi.Resource;
    };
    readonly provider: openstack.Provider;
}

export interface StorageAreaOutput {
    readonly name: string;
    readonly url: string;
    readonly rucio: { readonly prefix: string; readonly oidcBasePath: string };
    readonly nfs: { readonly server: pulumi.Output<string>; readonly path: string };
}

export class StorageNode extends pulumi.ComponentResource {
    readonly fqdn: string;
    readonly floatingIp: pulumi.Output<string>;
    /** Address on the site subnet: the NFS server of the notebooks. */
    readonly fixedIp: pulumi.Output<string>;
    readonly webdavUrl: string;
    readonly healthUrl: pulumi.Output<string>;
    readonly areas: readonly StorageAreaOutput[];

    constructor(name: string, args: StorageNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("srcnet:storage:StorageNode", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const n = (suffix: string) => `${args.namePrefix}-${suffix}`;
        const tags = [...args.tags];

        const volume = new openstack.blockstorage.Volume(
            n("storm-data"),
            {
                name: n("storm-data"),
                description: "StoRM-WebDAV data: every storage area",
                size: args.volume.sizeGb,
                volumeType: args.volume.type,
                // Cinder volumes take metadata, not tags: each of the site's tags is a key (the leftovers tool lists by them).
                metadata: Object.fromEntries(tags.map((tag) => [tag, "true"])),
                // A larger sizeGb extends the volume while the node holds it, and the node then grows
                // its filesystem. The provider extends an attached volume only when this is set, else
                // it fails (terraform-provider-openstack@v1.54.1:resource_openstack_blockstorage_volume_v3.go:316-331).
                enableOnlineResize: true,
            },
            { ...child, protect: args.protectData, retainOnDelete: args.protectData },
        );
        const port = new openstack.networking.Port(
            n("storm"),
            { name: n("storm"), networkId: args.network.networkId, fixedIps: [{ subnetId: args.network.subnetId }], securityGroupIds: [...args.network.securityGroupIds], adminStateUp: true, tags },
            child,
        );
        const floatingIp = new openstack.networking.FloatingIp(n("storm"), { pool: args.network.externalNetwork, description: `StoRM-WebDAV ${args.fqdn}`, tags }, child);
        new openstack.networking.FloatingIpAssociate(n("storm"), { floatingIp: floatingIp.address, portId: port.id }, { ...child, dependsOn: [args.network.ready] });

        const certificate = args.certificate;
        const login = args.stormLogin;
        const renderedUserData = pulumi
            .all([volume.id, certificate.source === "provided" ? pulumi.all([certificate.certificate, certificate.key]) : undefined, login?.clientSecret])
            .apply(([volumeId, provided, loginSecret]) =>
                userData({
                    hostname: args.fqdn.split(".")[0],
                    fqdn: args.fqdn,
                    deployment: args.deployment,
                    volumeId,
                    certificate: provided ? { source: "provided", certificate: provided[0], key: provided[1] } : { source: "letsencrypt" },
                    stormLoginSecret: loginSecret,
                }),
            );
        // Nova shows user-data to admins only; a private key or a client secret in it stays a secret here too.
        const holdsSecret = certificate.source === "provided" || login !== undefined;
        const metadata = pulumi.all([floatingIp.address, login?.clientId]).apply(([address, loginClientId]) =>
            bundleMetadata(
                storageNodeBundle({
                    fqdn: args.fqdn,
                    deployment: args.deployment,
                    areas: args.areas,
                    issuers: args.issuers,
                    nfsClients: args.nfsClients,
                    acme: args.acme,
                    floatingIp: address,
                    heapMb: args.heapMb,
                    volumeSizeGb: args.volume.sizeGb,
                    login: login && loginClientId !== undefined ? { clientId: loginClientId, scopes: login.scopes } : undefined,
                }),
            ),
        );

        new openstack.compute.Instance(
            n("storm"),
            {
                name: n("storm"),
                flavorName: args.flavor,
                keyPair: args.keyPair,
                blockDevices: [
                    { uuid: args.imageId, sourceType: "image", destinationType: "local", bootIndex: 0, deleteOnTermination: true },
                    // Never deleted with the VM: a rebuilt VM gets the same volume and its data.
                    { uuid: volume.id, sourceType: "volume", destinationType: "volume", bootIndex: -1, deleteOnTermination: false },
                ],
                networks: [{ port: port.id }],
                userData: holdsSecret ? pulumi.secret(renderedUserData) : renderedUserData,
                metadata,
                tags,
                // A clean shutdown unmounts the data volume before it is detached.
                stopBeforeDestroy: true,
            },
            // The port and the volume attach to one VM at a time: the old one goes first.
            { ...child, deleteBeforeReplace: true },
        );

        this.fqdn = args.fqdn;
        this.floatingIp = floatingIp.address;
        this.fixedIp = port.allFixedIps.apply((ips) => ips[0]);
        this.webdavUrl = args.webdavUrl;
        this.healthUrl = pulumi.interpolate`http://${this.fixedIp}:${ports.stormHealth}${healthPath}`;
        this.areas = args.areas.map((a) => ({ name: a.name, url: a.url, rucio: a.rucio, nfs: { server: this.fixedIp, path: a.rootPath } }));
        this.registerOutputs({ fqdn: this.fqdn, floatingIp: this.floatingIp, fixedIp: this.fixedIp, webdavUrl: this.webdavUrl, areas: this.areas });
    }
}

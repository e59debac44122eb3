import { expect } from "chai";
import { parse } from "yaml";
import { readBundleMetadata } from "../components/storage/render/config-bundle";
import type { Recording } from "../tools/engine/record";
import { customResources, inputsOf, keysWith, named, ofType, problemsOf, runSite, secretsOf, siteOf } from "./harness";

const T = {
    volume: "openstack:blockstorage/volume:Volume",
    instance: "openstack:compute/instance:Instance",
    port: "openstack:networking/port:Port",
    fip: "openstack:networking/floatingIp:FloatingIp",
    fipAssociate: "openstack:networking/floatingIpAssociate:FloatingIpAssociate",
    rule: "openstack:networking/secGroupRule:SecGroupRule",
};

const instanceOf = (r: Recording) => ofType(r, T.instance)[0];
const bundleOf = (r: Recording) => readBundleMetadata(inputsOf(instanceOf(r)).metadata)!;
const fileIn = (r: Recording, path: string) => bundleOf(r).files.find((f) => f.path === path)?.content;

async function devWith(change: (site: any) => void = () => undefined, secrets: Record<string, unknown> = secretsOf("dev")): Promise<Recording> {
    const site = siteOf("dev");
    change(site);
    const run = await runSite(site, { secrets, stack: "dev" });
    expect(run.error, String(run.error)).to.equal(undefined);
    return run;
}

describe("storage part under the recording engine (dev site)", () => {
    let dev: Recording;
    before(async () => (dev = await devWith()));

    it("creates the data volume, port, floating IP and its association, and the VM", () => {
        const storageOnes = (type: string) => ofType(dev, type).filter((r) => r.parent?.endsWith("::dev-storage"));
        for (const type of Object.values(T).filter((t) => t !== T.rule)) expect(storageOnes(type), type).to.have.length(1);
        expect(inputsOf(named(dev, "dev-storm-data"))).to.deep.include({ name: "dev-storm-data", size: 100 });
        expect(inputsOf(instanceOf(dev))).to.deep.include({ name: "dev-storm", flavorName: "m1.medium", keyPair: "srcnet-dev", stopBeforeDestroy: true });
    });

    it("attaches the data volume at creation and never deletes it with the VM", () => {
        const i = inputsOf(instanceOf(dev));
        expect(i.blockDevices).to.deep.equal([
            { uuid: "image-Rocky-9-GenericCloud-Base-id", sourceType: "image", destinationType: "local", bootIndex: 0, deleteOnTermination: true },
            { uuid: "dev-storm-data-id", sourceType: "volume", destinationType: "volume", bootIndex: -1, deleteOnTermination: false },
        ]);
        expect(i.networks).to.deep.equal([{ port: "dev-storm-id" }]);
        // The port and the volume hold to one VM at a time: a replacement deletes the old VM first.
        expect(instanceOf(dev).deleteBeforeReplace).to.equal(true);
    });

    it("lets a test site's volume be destroyed", () => {
        expect(named(dev, "dev-storm-data")).to.include({ protect: false, retainOnDelete: false });
    });

    it("puts the port on the subnet with the admin, storage and site groups", () => {
        const port = ofType(dev, T.port)[0];
        expect(inputsOf(port)).to.deep.include({ networkId: "dev-net-id", fixedIps: [{ subnetId: "dev-subnet-id" }], securityGroupIds: ["dev-admin-id", "dev-storage-id", "dev-site-id"] });
    });

    it("takes a floating IP from the external network and binds it once the router reaches the subnet", () => {
        const fip = ofType(dev, T.fip).find((r) => r.name === "dev-storm")!;
        expect(inputsOf(fip).pool).to.equal("External");
        const bind = ofType(dev, T.fipAssociate)[0];
        expect(inputsOf(bind).portId).to.equal("dev-storm-id");
        expect(bind.dependsOn).to.include(named(dev, "dev-router-subnet").urn);
    });

    it("admits health checks from the site and NFS from the cluster network on the storage group only", () => {
        const internal = ofType(dev, T.rule)
            .map(inputsOf)
            .filter((r) => r.remoteIpPrefix === "10.42.0.0/24")
            .map((r) => `${r.securityGroupId} ${r.portRangeMin}`);
        expect(internal.sort()).to.deep.equal(["dev-storage-id 2049", "dev-storage-id 8085"]);
    });

    it("gives every storage resource the site's OpenStack provider", () => {
        const provider = customResources(dev).find((r) => r.type === "pulumi:providers:openstack")!;
        for (const type of Object.values(T)) for (const r of ofType(dev, type)) expect(r.provider, r.urn).to.equal(provider.urn);
    });

    it("sends user-data in the clear when it holds no secret, and the storage configuration in metadata", () => {
        const userData: string = inputsOf(instanceOf(dev)).userData;
        expect(userData.split("\n")[0]).to.equal("#cloud-config");
        expect(parse(userData).fs_setup[0].device).to.equal("/dev/disk/by-id/virtio-dev-storm-data-id");
        expect(fileIn(dev, "/etc/storm/webdav/sa.d/dev.properties")).to.include("orgs=https://iam.dev.srcnet.example.org/,https://ska-iam.example.org/\n");
        expect(fileIn(dev, "/etc/exports.d/srcnet-storage.exports")).to.include("/storage/dev 10.42.0.0/24(ro,root_squash,sync,no_subtree_check,sec=sys)");
    });

    it("sizes the heap from the flavor's memory (8 GB in the recording engine)", () => {
        expect(fileIn(dev, "/etc/storm/webdav/srcnet.env")).to.include("STORM_WEBDAV_JVM_OPTS=-Xms2048m -Xmx2048m ");
    });

    it("exports where the node, its storage areas and their Rucio and NFS paths are", () => {
        const storage = (dev.outputs as any).storage;
        expect(storage).to.deep.include({ fqdn: "storm.dev.srcnet.example.org", webdavUrl: "davs://storm.dev.srcnet.example.org:8443" });
        expect(storage.floatingIp).to.match(/^203\.0\.113\.\d+$/);
        expect(storage.fixedIp).to.match(/^10\.42\.0\.\d+$/);
        expect(storage.healthUrl).to.equal(`http://${storage.fixedIp}:8085/.storm-webdav/actuator/health`);
        expect(storage.areas).to.deep.equal([
            { name: "dev", url: "davs://storm.dev.srcnet.example.org:8443/dev", rucio: { prefix: "/dev/", oidcBasePath: "/dev" }, nfs: { server: storage.fixedIp, path: "/storage/dev" } },
            {
                name: "scratch",
                url: "davs://storm.dev.srcnet.example.org:8443/scratch",
                rucio: { prefix: "/scratch/", oidcBasePath: "/scratch" },
                nfs: { server: storage.fixedIp, path: "/storage/scratch" },
            },
        ]);
        // A test site registers its RSE under storage.rse with a suffix generated with the stack.
        const rse = (dev.outputs as any).rse;
        expect(rse.name).to.match(/^DEV_STORM_[A-Z0-9]{6}$/);
        expect(rse).to.deep.equal({ name: rse.name, protocol: { scheme: "davs", hostname: "storm.dev.srcnet.example.org", port: 8443, prefix: "/dev/" }, oidcBasePath: "/dev" });
    });
});

describe("storage part: data safety and in-place changes", () => {
    it("protects and retains what holds a production site's data, and only that: the data volume, the RSE and the namespace of the users' homes", async () => {
        const run = await runSite(siteOf("uksrc"), { secrets: secretsOf("uksrc"), stack: "uksrc" });
        expect(run.error, String(run.error)).to.equal(undefined);
        const protectedOnes = run.resources.filter((r) => r.protect || r.retainOnDelete).map((r) => r.name);
        expect(protectedOnes).to.deep.equal(["uksrc-jupyterhub", "uksrc-rse", "uksrc-storm-data"]);
        for (const name of protectedOnes) expect(named(run, name)).to.include({ protect: true, retainOnDelete: true });
        expect(inputsOf(named(run, "uksrc-storm-data"))).to.deep.include({ size: 50000, volumeType: "ceph-hdd" });
    });

    it("changes only the metadata, not the user-data, when a storage area, an issuer or the volume size changes", async () => {
        const before = await devWith();
        const after = await devWith((s) => {
            s.storage.storageAreas.push({ name: "extra", quotaGb: 5 });
            s.iam.trustedIssuers = [];
            s.storage.volume.sizeGb = 200;
        });
        expect(inputsOf(instanceOf(after)).userData).to.equal(inputsOf(instanceOf(before)).userData);
        expect(inputsOf(instanceOf(after)).metadata).not.to.deep.equal(inputsOf(instanceOf(before)).metadata);
        expect(fileIn(after, "/etc/storm/webdav/sa.d/extra.properties")).to.include("rootPath=/storage/extra\n");
        expect(fileIn(after, "/etc/storm/webdav/config/application.yml")).to.equal("oauth:\n  issuers:\n    - name: iam\n      issuer: https://iam.dev.srcnet.example.org/\n  enable-oidc: false\n");
        // Cinder extends the volume in place; the node grows its filesystem when this file changes.
        expect(inputsOf(named(after, "dev-storm-data")).size).to.equal(200);
        expect(fileIn(after, "/etc/srcnet/data-volume-size")).to.equal("200\n");
        expect(bundleOf(after).files.find((f) => f.path === "/etc/srcnet/data-volume-size")!.then).to.equal("grow-filesystem");
    });

    it("delivers a provided certificate in secret user-data and never records the key", async () => {
        const key = "-----BEGIN PRIVATE KEY-----\nvery-secret-key-material\n-----END PRIVATE KEY-----\n";
        const run = await devWith((s) => (s.certificates.storm = "provided"), {
            ...secretsOf("dev"),
            stormHostKey: key,
            stormHostCertificate: "-----BEGIN CERTIFICATE-----\npublic\n-----END CERTIFICATE-----\n",
        });
        expect(inputsOf(instanceOf(run)).userData).to.equal("[secret]");
        expect(JSON.stringify(run)).not.to.include("very-secret-key-material");
        // The changeable configuration is not secret and stays readable.
        expect(fileIn(run, "/etc/srcnet/storage.env")).to.include("STORM_FQDN='storm.dev.srcnet.example.org'");
    });

    it("configures StoRM's browser login with the identity part's client, its secret in the secret user-data only", async () => {
        const storm = { clientId: "static-storm-id" };
        const staticIam = {
            registration: "static",
            issuer: "https://iam.dev.srcnet.example.org/",
            stormLogin: true,
            clients: { jupyterhub: { clientId: "hub-id" }, tokenExchange: { clientId: "exchange-id" }, rucio: { clientId: "rucio-id" }, rucioWebui: { clientId: "webui-id" }, rucioSync: { clientId: "sync-id" }, storm },
        };
        const secret = "static-storm-login-secret-7Hq";
        const run = await devWith((s) => (s.iam = staticIam), { iamClientSecrets: { jupyterhub: "h", tokenExchange: "e", rucio: "r", rucioWebui: "w", rucioSync: "s", storm: secret } });
        const app = parse(fileIn(run, "/etc/storm/webdav/config/application.yml")!);
        expect(app.oauth["enable-oidc"]).to.equal(true);
        const client = app.spring.security.oauth2.client;
        expect(client.registration.iam["client-id"]).to.equal((run.outputs as any).identity.clientIds.storm);
        expect(client.registration.iam["client-id"]).to.equal("static-storm-id");
        expect(client.provider[client.registration.iam.provider]).to.deep.equal({ "issuer-uri": "https://iam.dev.srcnet.example.org/" });
        expect(inputsOf(instanceOf(run)).userData).to.equal("[secret]");
        expect(JSON.stringify(run)).not.to.include(secret);
    });

    it("takes the login client the site registers at IAM's admin API (the dev stack's mode)", async () => {
        const run = await devWith((s) => (s.iam.stormLogin = true));
        const app = parse(fileIn(run, "/etc/storm/webdav/config/application.yml")!);
        expect(app.spring.security.oauth2.client.registration.iam["client-id"]).to.equal("dev-storm");
        expect(inputsOf(instanceOf(run)).userData).to.equal("[secret]");
    });

    it("takes an explicit heap size and an image ID as given", async () => {
        const run = await devWith((s) => {
            s.storage.heapMb = 3072;
            s.storage.image = "3f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8";
        });
        expect(fileIn(run, "/etc/storm/webdav/srcnet.env")).to.include("-Xms3072m -Xmx3072m");
        expect(inputsOf(instanceOf(run)).blockDevices[0].uuid).to.equal("3f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8");
    });

    it("runs the container image when asked, with the same configuration", async () => {
        const run = await devWith((s) => (s.storage.deployment = "container"));
        const userData = parse(inputsOf(instanceOf(run)).userData);
        expect(userData.packages).to.include("podman");
        expect(userData.write_files.map((f: any) => f.path)).to.include("/etc/containers/systemd/storm-webdav.container");
        expect(fileIn(run, "/etc/storm/webdav/srcnet.env")).to.include("-Dspring.config.additional-location=optional:file:/etc/storm/webdav/config/");
    });

    it("exports to an existing cluster's node network, or to nothing when it is unknown", async () => {
        const existing = { backend: "existing", nodeCidr: "172.16.0.0/16", ingressAddress: "192.0.2.80" };
        const secrets = { ...secretsOf("dev"), kubeconfig: "kubeconfig" };
        const withNodes = await devWith((s) => (s.cluster = existing), secrets);
        expect(fileIn(withNodes, "/etc/exports.d/srcnet-storage.exports")).to.include("/storage/dev 172.16.0.0/16(ro,");
        const nfsRules = (r: Recording) => ofType(r, T.rule).map(inputsOf).filter((i) => i.portRangeMin === 2049).map((i) => i.remoteIpPrefix);
        expect(nfsRules(withNodes)).to.deep.equal(["172.16.0.0/16"]);
        const unknown = await devWith((s) => (s.cluster = { backend: "existing", ingressAddress: "192.0.2.80" }), secrets);
        expect(nfsRules(unknown)).to.deep.equal([]);
        expect(fileIn(unknown, "/etc/exports.d/srcnet-storage.exports")).to.include("nothing is exported");
    });
});

describe("storage config rules", () => {
    it("refuses an issuer with a comma, which would split StoRM's orgs list", () => {
        const site = siteOf("dev");
        site.iam.trustedIssuers[0].issuer = "https://iam.example.org/a,b";
        expect(problemsOf(site, keysWith(Object.keys(secretsOf("dev"))))).to.deep.equal([
            "site.iam.trustedIssuers[0].issuer: must not contain a comma (StoRM lists issuers comma-separated)",
        ]);
    });

    it("refuses a heap outside 512 MB to 64 GB", () => {
        const site = siteOf("dev");
        site.storage.heapMb = 256;
        expect(problemsOf(site, keysWith(Object.keys(secretsOf("dev"))))).to.deep.equal(["site.storage.heapMb: must be at least 512"]);
    });
});

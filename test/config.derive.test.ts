import { expect } from "chai";
import { accessPointOf, dataMountPath, deriveSite, hostnamesOf, resourceName, siteIssuerName, type SiteModel } from "../config/derive";
import { ports } from "../config/ports";
import { siteSchema, type SiteConfig } from "../config/schema";
import { secretKeyNames } from "../config/secrets";
import { versions } from "../config/versions";
import { validateStackConfig } from "../config/validate";
import { keysWith, siteOf } from "./harness";

const stagingDirectory = "https://acme-staging-v02.api.letsencrypt.org/directory";
const productionDirectory = "https://acme-v02.api.letsencrypt.org/directory";

/** Validates a site object the way the program does (defaults applied); fails the test on any problem. */
function configOf(site: unknown): SiteConfig {
    // Every secret key is given as a secret, so only the site object itself can have problems.
    const result = validateStackConfig({ site, keys: keysWith(secretKeyNames) });
    if (!result.ok) throw new Error(`invalid site: ${result.problems.map((p) => `${p.where}: ${p.message}`).join("; ")}`);
    return result.site;
}

/** The model of a committed stack's site, after `change` is applied to a fresh copy. */
function modelOf(stack: string, change: (site: any) => void = () => undefined): SiteModel {
    const site = siteOf(stack);
    change(site);
    return deriveSite(configOf(site));
}

describe("config/derive: parsing first", () => {
    it("validation and siteSchema.parse give the same config, defaults applied", () => {
        const fromValidation = configOf(siteOf("dev"));
        const fromSchema = siteSchema.parse(siteOf("dev"));
        expect(fromValidation).to.deep.equal(fromSchema);
        expect(fromSchema.hostnames).to.deep.equal({});
        expect(fromSchema.storage.deployment).to.equal("rpm");
        expect(fromSchema.storage.storageAreas[0]).to.deep.equal({
            name: "dev",
            quotaGb: 80,
            wlcgScopeAuthz: true,
            orgsGrantRead: false,
            orgsGrantWrite: false,
            anonymousRead: false,
            authenticatedRead: false,
        });
        expect(fromSchema.jupyterhub).to.deep.include({ enabled: true, admins: ["dev-admin"], allowedGroups: [], userStorageGb: 10, cullIdleMinutes: 60, image: versions.notebookImage, prePull: true });
        expect(fromSchema.jupyterhub.profiles.filter((p) => p.default)).to.have.length(1);
        expect(fromSchema.rucio).to.deep.include({ mode: "deploy", peers: [], databaseVolumeGb: 20 });
    });

    it("defaults the private network when the site leaves it out", () => {
        const site = siteOf("dev");
        delete site.openstack.network;
        expect(configOf(site).openstack.network).to.deep.equal({ cidr: "10.42.0.0/24", dnsNameservers: [] });
    });
});

describe("config/derive: hostnames", () => {
    it("defaults to storm., jupyter., rucio. and rucio-ui.<domain>", () => {
        expect(modelOf("dev").hostnames).to.deep.equal({
            storm: "storm.dev.srcnet.example.org",
            jupyter: "jupyter.dev.srcnet.example.org",
            rucio: "rucio.dev.srcnet.example.org",
            rucioWebui: "rucio-ui.dev.srcnet.example.org",
        });
        expect(modelOf("uksrc").hostnames).to.deep.equal({
            storm: "storm.uksrc.example.ac.uk",
            jupyter: "jupyter.uksrc.example.ac.uk",
            rucio: "rucio.uksrc.example.ac.uk",
            rucioWebui: "rucio-ui.uksrc.example.ac.uk",
        });
    });

    it("keeps overrides and defaults the rest", () => {
        const model = modelOf("dev", (s) => (s.hostnames = { storm: "webdav.dev.srcnet.example.org", rucio: "data.dev.srcnet.example.org" }));
        expect(model.hostnames).to.deep.equal({
            storm: "webdav.dev.srcnet.example.org",
            jupyter: "jupyter.dev.srcnet.example.org",
            rucio: "data.dev.srcnet.example.org",
            rucioWebui: "rucio-ui.dev.srcnet.example.org",
        });
    });

    it("hostnamesOf works on the two fields it needs", () => {
        expect(hostnamesOf({ domain: "a.example.org", hostnames: { jupyter: "hub.a.example.org" } })).to.deep.equal({
            storm: "storm.a.example.org",
            jupyter: "hub.a.example.org",
            rucio: "rucio.a.example.org",
            rucioWebui: "rucio-ui.a.example.org",
        });
    });
});

describe("config/derive: issuers", () => {
    it("lists the site's IAM first, named iam, then the trusted issuers in order", () => {
        expect(siteIssuerName).to.equal("iam");
        const model = modelOf("dev", (s) => s.iam.trustedIssuers.push({ name: "other", issuer: "https://other.example.org/oauth2" }));
        expect(model.issuers).to.deep.equal([
            { name: "iam", issuer: "https://iam.dev.srcnet.example.org/" },
            { name: "ska-iam", issuer: "https://ska-iam.example.org/" },
            { name: "other", issuer: "https://other.example.org/oauth2" },
        ]);
    });

    it("keeps the issuer string byte for byte, with or without a trailing slash", () => {
        expect(modelOf("dev").issuers[0].issuer).to.equal("https://iam.dev.srcnet.example.org/");
        const noSlash = modelOf("dev", (s) => (s.iam.issuer = "https://iam.dev.srcnet.example.org"));
        expect(noSlash.issuers[0]).to.deep.equal({ name: "iam", issuer: "https://iam.dev.srcnet.example.org" });
        const withPath = modelOf("dev", (s) => (s.iam.issuer = "https://login.example.org/realms/ska/"));
        expect(withPath.issuers[0].issuer).to.equal("https://login.example.org/realms/ska/");
    });

    it("is only the site's IAM when nothing else is trusted", () => {
        const model = modelOf("dev", (s) => delete s.iam.trustedIssuers);
        expect(model.issuers).to.deep.equal([{ name: "iam", issuer: "https://iam.dev.srcnet.example.org/" }]);
    });
});

describe("config/derive: ACME", () => {
    it("uses the staging directory for a test site", () => {
        expect(modelOf("dev").acme).to.deep.equal({ email: "srcnet-ops@example.org", server: "staging", directoryUrl: stagingDirectory });
    });

    it("uses the production directory for a production site", () => {
        expect(modelOf("uksrc").acme).to.deep.equal({ email: "uksrc-ops@example.ac.uk", server: "production", directoryUrl: productionDirectory });
    });

    it("lets an explicit acmeServer win either way", () => {
        expect(modelOf("dev", (s) => (s.certificates.acmeServer = "production")).acme).to.deep.include({
            server: "production",
            directoryUrl: productionDirectory,
        });
        expect(modelOf("uksrc", (s) => (s.certificates.acmeServer = "staging")).acme).to.deep.include({
            server: "staging",
            directoryUrl: stagingDirectory,
        });
    });
});

describe("config/derive: DNS zone", () => {
    it("is the explicit Designate zone", () => {
        expect(modelOf("dev").dnsZone).to.equal("srcnet.example.org");
    });

    it("defaults to the site domain with Designate", () => {
        expect(modelOf("dev", (s) => delete s.dns.zone).dnsZone).to.equal("dev.srcnet.example.org");
    });

    it("is undefined with external DNS", () => {
        expect(modelOf("uksrc").dnsZone).to.equal(undefined);
        expect(modelOf("dev", (s) => (s.dns = { provider: "external" })).dnsZone).to.equal(undefined);
    });
});

describe("config/derive: storage areas", () => {
    it("derives access point /<name>, root path /storage/<name> and the davs URL on the StoRM host", () => {
        const areas = modelOf("dev").storage.areas;
        expect(areas.map((a) => ({ name: a.name, accessPoint: a.accessPoint, rootPath: a.rootPath, url: a.url }))).to.deep.equal([
            { name: "dev", accessPoint: "/dev", rootPath: "/storage/dev", url: "davs://storm.dev.srcnet.example.org:8443/dev" },
            { name: "scratch", accessPoint: "/scratch", rootPath: "/storage/scratch", url: "davs://storm.dev.srcnet.example.org:8443/scratch" },
        ]);
        expect(dataMountPath).to.equal("/storage");
        expect(ports.webdav).to.equal(8443);
    });

    it("keeps an explicit access point, but the directory still follows the name", () => {
        const [area] = modelOf("dev", (s) => (s.storage.storageAreas[0].accessPoint = "/ska/dev")).storage.areas;
        expect(area).to.deep.include({ name: "dev", accessPoint: "/ska/dev", rootPath: "/storage/dev", url: "davs://storm.dev.srcnet.example.org:8443/ska/dev" });
    });

    it("puts the URL on an overridden StoRM hostname", () => {
        const model = modelOf("dev", (s) => (s.hostnames = { storm: "webdav.dev.srcnet.example.org" }));
        expect(model.storage.areas.map((a) => a.url)).to.deep.equal([
            "davs://webdav.dev.srcnet.example.org:8443/dev",
            "davs://webdav.dev.srcnet.example.org:8443/scratch",
        ]);
    });

    it("keeps each area's own settings", () => {
        const [dev, scratch] = modelOf("dev").storage.areas;
        expect(dev).to.deep.include({ quotaGb: 80, authenticatedRead: false, wlcgScopeAuthz: true });
        expect(scratch).to.deep.include({ quotaGb: 10, orgsGrantRead: true, authenticatedRead: false, wlcgScopeAuthz: true });
    });

    it("accessPointOf defaults to /<name>", () => {
        expect(accessPointOf({ name: "sa" })).to.equal("/sa");
        expect(accessPointOf({ name: "sa", accessPoint: "/other" })).to.equal("/other");
    });
});

describe("config/derive: the RSE", () => {
    it("is the first storage area by default, served over davs on the StoRM host", () => {
        const rse = modelOf("dev").storage.rse;
        expect(rse.name).to.equal("DEV_STORM");
        expect(rse.area.name).to.equal("dev");
        expect(rse.protocol).to.deep.equal({ scheme: "davs", hostname: "storm.dev.srcnet.example.org", port: 8443, prefix: "/dev/" });
        // Rucio strips this from /dev/<path>, leaving the path relative to the storage area that StoRM's scopes use.
        expect(rse.oidcBasePath).to.equal("/dev");
    });

    it("is the area named by rseStorageArea", () => {
        const model = modelOf("dev", (s) => (s.storage.rseStorageArea = "scratch"));
        expect(model.storage.rse.area).to.deep.equal(model.storage.areas[1]);
        expect(model.storage.rse.protocol.prefix).to.equal("/scratch/");
    });

    it("takes the prefix from an explicit access point", () => {
        const model = modelOf("uksrc", (s) => (s.storage.storageAreas[0].accessPoint = "/skao/data"));
        expect(model.storage.rse).to.deep.include({ name: "UKSRC_STORM", oidcBasePath: "/skao/data" });
        expect(model.storage.rse.area.name).to.equal("skao");
        expect(model.storage.rse.protocol).to.deep.equal({ scheme: "davs", hostname: "storm.uksrc.example.ac.uk", port: 8443, prefix: "/skao/data/" });
    });

    it("follows an overridden StoRM hostname", () => {
        const model = modelOf("dev", (s) => (s.hostnames = { storm: "webdav.dev.srcnet.example.org" }));
        expect(model.storage.rse.protocol.hostname).to.equal("webdav.dev.srcnet.example.org");
    });
});

describe("config/derive: environment", () => {
    it("protects data only in production", () => {
        expect(modelOf("dev").protectData).to.equal(false);
        expect(modelOf("uksrc").protectData).to.equal(true);
        expect(modelOf("uksrc").protectData).to.equal(true);
        expect(modelOf("uksrc", (s) => (s.environment = "test")).protectData).to.equal(false);
    });

    it("carries the name, environment and validated config", () => {
        const config = configOf(siteOf("uksrc"));
        const model = deriveSite(config);
        expect(model).to.deep.include({ name: "uksrc", environment: "production" });
        expect(model.config).to.equal(config);
    });
});

describe("config/derive: resource names and tags", () => {
    it("joins the site name and the parts with '-'", () => {
        const model = modelOf("dev");
        expect(resourceName(model)).to.equal("dev");
        expect(resourceName(model, "net")).to.equal("dev-net");
        expect(resourceName(model, "storm", "data")).to.equal("dev-storm-data");
        expect(resourceName({ name: "uksrc" }, "router")).to.equal("uksrc-router");
    });

    it("tags every resource with the project, the site and its environment", () => {
        expect(modelOf("dev").tags).to.deep.equal(["srcnet-site", "site:dev", "environment:test"]);
        expect(modelOf("uksrc").tags).to.deep.equal(["srcnet-site", "site:uksrc", "environment:production"]);
    });
});

import { expect } from "chai";
import { SiteConfigError } from "../config/load";
import { secretKeyNames, type SecretKeyName } from "../config/secrets";
import { validateStackConfig, type ConfigKey } from "../config/validate";
import type { Recording } from "../tools/engine/record";
import { customResources, keysWith, problemsOf, runSite, secretsOf, siteOf } from "./harness";

type Change = (site: any) => void;

const devSecretKeys = Object.keys(secretsOf("dev"));
const uksrcSecretKeys = Object.keys(secretsOf("uksrc"));

/** Problems of the dev site (its secrets given as secrets) after one change. */
function devProblems(change: Change, keys: readonly ConfigKey[] = keysWith(devSecretKeys)): string[] {
    const site = siteOf("dev");
    change(site);
    return problemsOf(site, keys);
}

/** Problems of the production uksrc site (its secrets given as secrets) after one change. */
function uksrcProblems(change: Change, keys: readonly ConfigKey[] = keysWith(uksrcSecretKeys)): string[] {
    const site = siteOf("uksrc");
    change(site);
    return problemsOf(site, keys);
}

const topLevelKeys = "name, environment, domain, hostnames, openstack, iam, storage, cluster, jupyterhub, rucio, dns, certificates, checks";
const knownProjectKeys =
    "site, openstackApplicationCredentialSecret, iamAdminClientSecret, iamClientSecrets, kubeconfig, capiManagementKubeconfig, stormHostKey, stormHostCertificate, rucioPassword, rucioClientSecret, rucioDatabaseUrl, rucioBackupCredentials, checksClientSecret";
const httpsUrlMessage = "must be an https:// URL without user, query or fragment, such as https://iam.example.org/";
const rseNameMessage = "is not a valid RSE name: upper-case letters and digits in groups joined by '_' or '-', such as STFC_STORM";
const cidrFormatMessage = "must be an address with a prefix length, such as 192.0.2.0/24 or 2001:db8::/32";
const wholeInternet = "opens admin access to the whole internet, which production sites refuse; list the operators' networks";
const devHosts = "storm.dev.srcnet.example.org, jupyter.dev.srcnet.example.org, rucio.dev.srcnet.example.org, rucio-ui.dev.srcnet.example.org";

const missingSecret = {
    openstackApplicationCredentialSecret:
        "srcnet-site:openstackApplicationCredentialSecret: is required because site.openstack.applicationCredentialId is set; set it with: pulumi config set --secret openstackApplicationCredentialSecret",
    iamAdminClientSecret:
        'srcnet-site:iamAdminClientSecret: is required because site.iam.registration is "admin"; set it with: pulumi config set --secret iamAdminClientSecret',
    iamClientSecrets:
        'srcnet-site:iamClientSecrets: is required because site.iam.registration is "static"; set it with: pulumi config set --secret --path iamClientSecrets.jupyterhub (and tokenExchange, rucio)',
    kubeconfig:
        'srcnet-site:kubeconfig: is required because site.cluster.backend is "existing"; set it with: pulumi config set --secret kubeconfig < kubeconfig.yaml',
    capiManagementKubeconfig:
        'srcnet-site:capiManagementKubeconfig: is required because site.cluster.backend is "capi"; set it with: pulumi config set --secret capiManagementKubeconfig < management-kubeconfig.yaml',
    stormHostKey:
        'srcnet-site:stormHostKey: is required because site.certificates.storm is "provided"; set it with: pulumi config set --secret stormHostKey < hostkey.pem',
    stormHostCertificate:
        'srcnet-site:stormHostCertificate: is required because site.certificates.storm is "provided"; set it with: pulumi config set stormHostCertificate < hostcert.pem',
    rucioPassword: 'srcnet-site:rucioPassword: is required because site.rucio.auth.method is "userpass"; set it with: pulumi config set --secret rucioPassword',
    rucioClientSecret: 'srcnet-site:rucioClientSecret: is required because site.rucio.auth.method is "oidc"; set it with: pulumi config set --secret rucioClientSecret',
    rucioDatabaseUrl: "srcnet-site:rucioDatabaseUrl: is required because site.rucio.database.external is true; set it with: pulumi config set --secret rucioDatabaseUrl",
    rucioBackupCredentials:
        "srcnet-site:rucioBackupCredentials: is required because site.rucio.database.backup is set; set it with: pulumi config set --secret --path rucioBackupCredentials.accessKeyId (and secretAccessKey)",
    checksClientSecret: "srcnet-site:checksClientSecret: is required because site.checks is set; set it with: pulumi config set --secret checksClientSecret",
} satisfies Record<SecretKeyName, string>;

/** How a site logs in to a central Rucio (its secret in rucioClientSecret). */
const externalRucioAuth = { method: "oidc", issuer: "https://ska-iam.example.org/", clientId: "dev-rse-registration" };

const staticIam = {
    registration: "static",
    issuer: "https://iam.dev.srcnet.example.org/",
    clients: { jupyterhub: { clientId: "hub" }, tokenExchange: { clientId: "exchange" }, rucio: { clientId: "rucio" }, rucioWebui: { clientId: "rucio-webui" }, rucioSync: { clientId: "rucio-sync" } },
};

describe("config validation: the committed stacks", () => {
    it("dev validates with its secret", () => {
        expect(devSecretKeys).to.deep.equal(["iamAdminClientSecret"]);
        expect(problemsOf(siteOf("dev"), keysWith(devSecretKeys))).to.deep.equal([]);
        const result = validateStackConfig({ site: siteOf("dev"), keys: keysWith(devSecretKeys) });
        expect(result.ok).to.equal(true);
    });

    it("uksrc validates with its secrets", () => {
        expect([...uksrcSecretKeys].sort()).to.deep.equal(["capiManagementKubeconfig", "iamAdminClientSecret", "openstackApplicationCredentialSecret", "rucioClientSecret"]);
        expect(problemsOf(siteOf("uksrc"), keysWith(uksrcSecretKeys))).to.deep.equal([]);
    });
});

describe("config validation: unknown keys", () => {
    it("names a misspelt nested key, suggests the right one and lists the allowed keys there", () => {
        expect(devProblems((s) => (s.storage.volume.sizeGB = 100))).to.deep.equal([
            'site.storage.volume.sizeGB: unknown key (did you mean "sizeGb"?); allowed keys here: sizeGb, type',
        ]);
    });

    it("names a misspelt key inside a list entry", () => {
        expect(devProblems((s) => (s.storage.storageAreas[0].quotaGB = 1))).to.deep.equal([
            'site.storage.storageAreas[0].quotaGB: unknown key (did you mean "quotaGb"?); allowed keys here: name, accessPoint, quotaGb, wlcgScopeAuthz, orgsGrantRead, orgsGrantWrite, anonymousRead, authenticatedRead',
        ]);
    });

    it("names a misspelt top-level key and suggests the right one", () => {
        expect(devProblems((s) => (s.domian = "dev.srcnet.example.org"))).to.deep.equal([
            `site.domian: unknown key (did you mean "domain"?); allowed keys here: ${topLevelKeys}`,
        ]);
    });

    it("gives no suggestion when nothing is close", () => {
        expect(devProblems((s) => (s.zzzzzzzz = 1))).to.deep.equal([`site.zzzzzzzz: unknown key; allowed keys here: ${topLevelKeys}`]);
    });

    it("lists the keys of the chosen variant of a discriminated object", () => {
        expect(devProblems((s) => (s.iam.clients = {}))).to.deep.equal([
            "site.iam.clients: unknown key; allowed keys here: registration, issuer, trustedIssuers, stormLogin, adminClientId",
        ]);
    });

    it("refuses an unknown project config key, suggesting the known one", () => {
        expect(problemsOf(siteOf("dev"), keysWith([...devSecretKeys, "kubconfig"]))).to.deep.equal([
            `srcnet-site:kubconfig: unknown key (did you mean "kubeconfig"?); known keys: ${knownProjectKeys}`,
        ]);
    });
});

describe("config validation: types, required fields and enums", () => {
    it("reports a missing required field with its type", () => {
        expect(devProblems((s) => delete s.domain)).to.deep.equal(["site.domain: is required (a string)"]);
        expect(devProblems((s) => delete s.storage)).to.deep.equal(["site.storage: is required (an object)"]);
        expect(devProblems((s) => delete s.iam.adminClientId)).to.deep.equal(["site.iam.adminClientId: is required (a string)"]);
    });

    it("reports a wrong type with what was given", () => {
        expect(devProblems((s) => (s.storage.volume.sizeGb = "100"))).to.deep.equal(['site.storage.volume.sizeGb: must be a number, not the string "100"']);
        expect(devProblems((s) => (s.storage.storageAreas[0].anonymousRead = "yes"))).to.deep.equal([
            'site.storage.storageAreas[0].anonymousRead: must be a boolean, not the string "yes"',
        ]);
        expect(devProblems((s) => (s.openstack.adminCidrs = "192.0.2.0/24"))).to.deep.equal([
            'site.openstack.adminCidrs: must be a list, not the string "192.0.2.0/24"',
        ]);
        expect(devProblems((s) => (s.openstack = "x"))).to.deep.equal(['site.openstack: must be an object, not the string "x"']);
        expect(devProblems((s) => (s.cluster.labels = { a: 1 }))).to.deep.equal(["site.cluster.labels.a: must be a string, not number 1"]);
    });

    it("reports a bad enum value with the allowed values", () => {
        expect(devProblems((s) => (s.environment = "staging"))).to.deep.equal([
            'site.environment: must be one of "production", "test", not the string "staging"',
        ]);
        expect(devProblems((s) => (s.storage.deployment = "docker"))).to.deep.equal([
            'site.storage.deployment: must be one of "rpm", "container", not the string "docker"',
        ]);
        expect(devProblems((s) => (s.certificates.acmeServer = "prod"))).to.deep.equal([
            'site.certificates.acmeServer: must be one of "staging", "production", not the string "prod"',
        ]);
        expect(devProblems((s) => (s.certificates.storm = "self-signed"))).to.deep.equal([
            'site.certificates.storm: must be one of "letsencrypt", "provided", not the string "self-signed"',
        ]);
    });

    it("reports numbers out of range and empty strings", () => {
        expect(devProblems((s) => (s.storage.volume.sizeGb = 0))).to.deep.equal(["site.storage.volume.sizeGb: must be at least 1 GB"]);
        expect(devProblems((s) => (s.cluster.nodeGroups[0].count = 101))).to.deep.equal(["site.cluster.nodeGroups[0].count: must be at most 100"]);
        expect(devProblems((s) => (s.cluster.nodeGroups[0].count = 0))).to.deep.equal(["site.cluster.nodeGroups[0].count: must be at least 1"]);
        expect(devProblems((s) => (s.jupyterhub.cullIdleMinutes = 5))).to.deep.equal(["site.jupyterhub.cullIdleMinutes: must be at least 10"]);
        expect(devProblems((s) => (s.rucio.peers = [{ rse: "OTHER", distance: -1 }]))).to.deep.equal(["site.rucio.peers[0].distance: must be at least 0"]);
        expect(devProblems((s) => (s.storage.flavor = ""))).to.deep.equal(["site.storage.flavor: must not be empty"]);
        expect(devProblems((s) => (s.cluster.template = ""))).to.deep.equal(["site.cluster.template: must not be empty"]);
    });

    it("reports field formats: e-mail, nameserver, storage-area name and access point, list minimums", () => {
        expect(devProblems((s) => (s.certificates.acmeEmail = "ops"))).to.deep.equal([
            "site.certificates.acmeEmail: must be an e-mail address such as ops@example.org",
        ]);
        expect(devProblems((s) => (s.openstack.network.dnsNameservers = ["dns.google"]))).to.deep.equal([
            "site.openstack.network.dnsNameservers[0]: must be an IPv4 address",
        ]);
        expect(devProblems((s) => (s.storage.storageAreas[0].name = "Dev"))).to.deep.equal([
            "site.storage.storageAreas[0].name: must be 1-32 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'",
        ]);
        expect(devProblems((s) => (s.storage.storageAreas[0].accessPoint = "/dev/"))).to.deep.equal([
            "site.storage.storageAreas[0].accessPoint: must be an absolute path such as /sa, without a trailing slash",
        ]);
        expect(devProblems((s) => (s.iam.trustedIssuers[0].name = "SKA"))).to.deep.equal([
            "site.iam.trustedIssuers[0].name: must be 1-32 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'",
        ]);
        expect(devProblems((s) => (s.cluster.nodeGroups = []))).to.deep.equal(["site.cluster.nodeGroups: needs at least one node group"]);
    });

    it("reports a fractional number of GB or nodes instead of throwing", () => {
        expect(devProblems((s) => (s.storage.volume.sizeGb = 1.5))).to.deep.equal(["site.storage.volume.sizeGb: must be a whole number of GB"]);
        expect(devProblems((s) => (s.cluster.nodeGroups[0].count = 2.5))).to.deep.equal(["site.cluster.nodeGroups[0].count: must be a whole number"]);
    });

    it("reports a control-plane count that is not 1, 3 or 5 with the allowed values", () => {
        expect(devProblems((s) => (s.cluster.controlPlane.count = 2))).to.deep.equal([
            "site.cluster.controlPlane.count: must be one of 1, 3, 5, not number 2",
        ]);
    });
});

describe("config validation: discriminators", () => {
    it("cluster.backend", () => {
        expect(devProblems((s) => (s.cluster.backend = "kops"))).to.deep.equal([
            'site.cluster.backend: must be one of "magnum", "capi", "existing"; not the string "kops"',
        ]);
        expect(devProblems((s) => delete s.cluster.backend)).to.deep.equal([
            'site.cluster.backend: must be one of "magnum", "capi", "existing"; it is missing',
        ]);
    });

    it("dns.provider", () => {
        expect(devProblems((s) => (s.dns.provider = "route53"))).to.deep.equal([
            'site.dns.provider: must be one of "designate", "external"; not the string "route53"',
        ]);
    });

    it("iam.registration", () => {
        expect(devProblems((s) => (s.iam.registration = "manual"))).to.deep.equal([
            'site.iam.registration: must be one of "dynamic", "admin", "static"; not the string "manual"',
        ]);
    });

    it("rucio.mode, when the site also lists peers", () => {
        expect(devProblems((s) => ((s.rucio.mode = "central"), (s.rucio.peers = [{ rse: "OTHER_STORM", distance: 1 }])))).to.deep.equal([
            'site.rucio.mode: must be one of "deploy", "external"; not the string "central"',
        ]);
    });

    it("rucio.mode, on a site without peers (dev), is reported instead of throwing", () => {
        expect(devProblems((s) => (s.rucio.mode = "central"))).to.deep.equal([
            'site.rucio.mode: must be one of "deploy", "external"; not the string "central"',
        ]);
        expect(devProblems((s) => delete s.rucio.mode)).to.deep.equal(['site.rucio.mode: must be one of "deploy", "external"; it is missing']);
    });
});

describe("config validation: names and hostnames", () => {
    it("refuses a site name that is not a short lowercase label", () => {
        const message = "must be 1-20 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'";
        expect(devProblems((s) => (s.name = "Dev_Site"))).to.deep.equal([`site.name: ${message}`]);
        expect(devProblems((s) => (s.name = "a".repeat(21)))).to.deep.equal([`site.name: ${message}`]);
        expect(devProblems((s) => (s.name = "dev-"))).to.deep.equal([`site.name: ${message}`]);
        expect(devProblems((s) => (s.name = "1dev"))).to.deep.equal([`site.name: ${message}`]);
    });

    it("refuses a domain that is not a lowercase DNS name", () => {
        const line = "site.domain: must be a lowercase DNS name such as storm.site.example.org (labels of a-z, 0-9 and '-', no trailing dot)";
        expect(devProblems((s) => (s.domain = "Dev.example.org"))).to.deep.equal([line]);
        expect(devProblems((s) => (s.domain = "dev.example.org."))).to.deep.equal([line]);
        expect(devProblems((s) => (s.domain = "localhost"))).to.deep.equal([line]);
    });

    it("refuses a hostname override outside the domain (and the DNS zone then does not hold it either)", () => {
        expect(devProblems((s) => (s.hostnames = { storm: "storm.other.org" }))).to.deep.equal([
            'site.hostnames.storm: "storm.other.org" is not under the site domain "dev.srcnet.example.org"; use a name ending in .dev.srcnet.example.org',
            'site.dns.zone: "srcnet.example.org" is not a parent of storm.other.org; use the site domain or one of its parents',
        ]);
    });

    it("refuses a hostname override equal to the domain itself", () => {
        expect(devProblems((s) => ((s.hostnames = { jupyter: "dev.srcnet.example.org" }), (s.dns = { provider: "external" })))).to.deep.equal([
            'site.hostnames.jupyter: "dev.srcnet.example.org" is not under the site domain "dev.srcnet.example.org"; use a name ending in .dev.srcnet.example.org',
        ]);
    });

    it("refuses two services on the same hostname", () => {
        expect(devProblems((s) => (s.hostnames = { jupyter: "storm.dev.srcnet.example.org" }))).to.deep.equal([
            'site.hostnames.jupyter: "storm.dev.srcnet.example.org" is also the hostname of storm; each service needs its own',
        ]);
        expect(devProblems((s) => (s.hostnames = { jupyter: "www.dev.srcnet.example.org", rucio: "www.dev.srcnet.example.org" }))).to.deep.equal([
            'site.hostnames.rucio: "www.dev.srcnet.example.org" is also the hostname of jupyter; each service needs its own',
        ]);
    });

    it("reports a collision with a default hostname at the override that causes it", () => {
        const problems = devProblems((s) => (s.hostnames = { storm: "jupyter.dev.srcnet.example.org" }));
        expect(problems).to.have.length(1);
        expect(problems[0]).to.match(/^site\.hostnames\.storm: "jupyter\.dev\.srcnet\.example\.org" is also the hostname of jupyter; each service needs its own$/);
    });

    it("refuses an RSE name that Rucio refuses", () => {
        for (const rse of ["dev_storm", "DEV__STORM", "_DEV", "DEV-", "DEV STORM", "DEV.STORM"]) {
            expect(devProblems((s) => (s.storage.rse = rse)), rse).to.deep.equal([`site.storage.rse: ${rseNameMessage}`]);
        }
        for (const rse of ["DEV", "DEV_STORM", "DEV-STORM-2", "UK1_A-B"]) {
            expect(devProblems((s) => (s.storage.rse = rse)), rse).to.deep.equal([]);
        }
    });
});

describe("config validation: IAM issuers", () => {
    it("refuses an issuer that is not https", () => {
        expect(devProblems((s) => (s.iam.issuer = "http://iam.dev.srcnet.example.org/"))).to.deep.equal([`site.iam.issuer: ${httpsUrlMessage}`]);
    });

    it("refuses an issuer with a query, a fragment or a user", () => {
        expect(devProblems((s) => (s.iam.issuer = "https://iam.dev.srcnet.example.org/?realm=ska"))).to.deep.equal([`site.iam.issuer: ${httpsUrlMessage}`]);
        expect(devProblems((s) => (s.iam.issuer = "https://iam.dev.srcnet.example.org/#x"))).to.deep.equal([`site.iam.issuer: ${httpsUrlMessage}`]);
        expect(devProblems((s) => (s.iam.issuer = "https://admin@iam.dev.srcnet.example.org/"))).to.deep.equal([`site.iam.issuer: ${httpsUrlMessage}`]);
        expect(devProblems((s) => (s.rucio.ftsUrl = "http://fts3-pilot.cern.ch:8446"))).to.deep.equal([`site.rucio.ftsUrl: ${httpsUrlMessage}`]);
    });

    it("refuses an https URL carrying a password without a user", () => {
        expect(devProblems((s) => (s.iam.issuer = "https://:hunter2@iam.dev.srcnet.example.org/"))).to.deep.equal([`site.iam.issuer: ${httpsUrlMessage}`]);
    });

    it("refuses an issuer ending in an empty query or fragment", () => {
        expect(devProblems((s) => (s.iam.issuer = "https://iam.dev.srcnet.example.org/?"))).to.deep.equal([`site.iam.issuer: ${httpsUrlMessage}`]);
        expect(devProblems((s) => (s.iam.issuer = "https://iam.dev.srcnet.example.org/#"))).to.deep.equal([`site.iam.issuer: ${httpsUrlMessage}`]);
    });

    it("refuses a trusted issuer equal to the site's own", () => {
        expect(devProblems((s) => s.iam.trustedIssuers.push({ name: "self", issuer: "https://iam.dev.srcnet.example.org/" }))).to.deep.equal([
            "site.iam.trustedIssuers[1].issuer: is the site's own IAM issuer, which is always trusted; remove this entry",
        ]);
    });

    it("refuses the reserved name iam for a trusted issuer", () => {
        expect(devProblems((s) => (s.iam.trustedIssuers[0].name = "iam"))).to.deep.equal([
            'site.iam.trustedIssuers[0].name: "iam" is reserved for the site\'s own IAM; choose another name',
        ]);
    });

    it("refuses duplicate trusted issuers, by name and by issuer", () => {
        expect(devProblems((s) => s.iam.trustedIssuers.push({ name: "ska-iam", issuer: "https://ska-iam.example.org/" }))).to.deep.equal([
            'site.iam.trustedIssuers[1].name: "ska-iam" names another trusted issuer; names must be unique',
            "site.iam.trustedIssuers[1].issuer: repeats another trusted issuer",
        ]);
        expect(devProblems((s) => s.iam.trustedIssuers.push({ name: "ska-iam", issuer: "https://other.example.org/" }))).to.deep.equal([
            'site.iam.trustedIssuers[1].name: "ska-iam" names another trusted issuer; names must be unique',
        ]);
        expect(devProblems((s) => s.iam.trustedIssuers.push({ name: "ska-2", issuer: "https://ska-iam.example.org/" }))).to.deep.equal([
            "site.iam.trustedIssuers[1].issuer: repeats another trusted issuer",
        ]);
    });
});

describe("config validation: CIDRs and admin networks", () => {
    it("refuses a CIDR that does not parse", () => {
        expect(devProblems((s) => (s.openstack.network.cidr = "10.42.0.0"))).to.deep.equal([`site.openstack.network.cidr: "10.42.0.0" ${cidrFormatMessage}`]);
        expect(devProblems((s) => (s.openstack.adminCidrs = ["foo/24"]))).to.deep.equal([
            'site.openstack.adminCidrs[0]: "foo/24" is not a valid CIDR: "foo" is not an IPv4 or IPv6 address',
        ]);
        expect(devProblems((s) => (s.openstack.adminCidrs = ["10.0.0.0/33"]))).to.deep.equal([
            'site.openstack.adminCidrs[0]: "10.0.0.0/33" is not a valid CIDR: prefix length /33 is longer than /32',
        ]);
    });

    it("refuses host bits and names the network, for IPv4 and IPv6", () => {
        expect(devProblems((s) => (s.openstack.network.cidr = "10.42.0.1/24"))).to.deep.equal([
            'site.openstack.network.cidr: "10.42.0.1/24" is not a valid CIDR: host bits are set; the network is 10.42.0.0/24',
        ]);
        expect(devProblems((s) => (s.openstack.adminCidrs = ["2001:db8:42::1/48"]))).to.deep.equal([
            'site.openstack.adminCidrs[0]: "2001:db8:42::1/48" is not a valid CIDR: host bits are set; the network is 2001:db8:42::/48',
        ]);
        expect(
            devProblems((s) => (s.cluster = { backend: "existing", nodeCidr: "10.0.0.1/16", ingressAddress: "192.0.2.80" }), keysWith(["iamAdminClientSecret", "kubeconfig"])),
        ).to.deep.equal(['site.cluster.nodeCidr: "10.0.0.1/16" is not a valid CIDR: host bits are set; the network is 10.0.0.0/16']);
    });

    it("accepts IPv6 CIDRs", () => {
        expect(devProblems((s) => (s.openstack.adminCidrs = ["192.0.2.0/24", "2001:db8::/32", "2001:db8:ffff::/48", "::1/128"]))).to.deep.equal([]);
        expect(
            devProblems((s) => (s.cluster = { backend: "existing", nodeCidr: "2001:db8:1::/64", ingressAddress: "192.0.2.80" }), keysWith(["iamAdminClientSecret", "kubeconfig"])),
        ).to.deep.equal([]);
    });

    it("refuses 0.0.0.0/0 and ::/0 as admin networks in production", () => {
        expect(uksrcProblems((s) => (s.openstack.adminCidrs = ["0.0.0.0/0", "::/0"]))).to.deep.equal([
            `site.openstack.adminCidrs[0]: 0.0.0.0/0 ${wholeInternet}`,
            `site.openstack.adminCidrs[1]: ::/0 ${wholeInternet}`,
        ]);
        expect(uksrcProblems((s) => s.openstack.adminCidrs.push("::/0"))).to.deep.equal([`site.openstack.adminCidrs[2]: ::/0 ${wholeInternet}`]);
    });

    it("allows 0.0.0.0/0 and ::/0 as admin networks on a test site", () => {
        expect(devProblems((s) => (s.openstack.adminCidrs = ["0.0.0.0/0", "::/0"]))).to.deep.equal([]);
        expect(uksrcProblems((s) => ((s.environment = "test"), (s.openstack.adminCidrs = ["0.0.0.0/0"])))).to.deep.equal([]);
    });

    it("still reports 0.0.0.0/0 in production when another admin network is invalid", () => {
        expect(uksrcProblems((s) => (s.openstack.adminCidrs = ["0.0.0.0/0", "10.0.0.1/8"]))).to.deep.equal([
            'site.openstack.adminCidrs[1]: "10.0.0.1/8" is not a valid CIDR: host bits are set; the network is 10.0.0.0/8',
            `site.openstack.adminCidrs[0]: 0.0.0.0/0 ${wholeInternet}`,
        ]);
    });

    it("refuses an admin network listed twice", () => {
        expect(devProblems((s) => s.openstack.adminCidrs.push("192.0.2.0/24"))).to.deep.equal(["site.openstack.adminCidrs[2]: 192.0.2.0/24 is the same network as an earlier entry"]);
        expect(devProblems((s) => s.openstack.adminCidrs.push("2001:db8:42::/48"))).to.deep.equal([
            "site.openstack.adminCidrs[2]: 2001:db8:42::/48 is the same network as an earlier entry",
        ]);
    });

    it("refuses one IPv6 admin network written two ways", () => {
        for (const twin of ["2001:0db8:0042::/48", "2001:DB8:42::/48", "2001:db8:42:0::/48"]) {
            const problems = devProblems((s) => s.openstack.adminCidrs.push(twin));
            expect(problems, twin).to.have.length(1);
            expect(problems[0], twin).to.match(/^site\.openstack\.adminCidrs\[2\]: /);
        }
    });

    it("reports an IPv6 admin network with a zone index instead of throwing", () => {
        let problems: string[] = [];
        expect(() => (problems = devProblems((s) => (s.openstack.adminCidrs = ["fe80::%eth0/64"]))), "throws").not.to.throw();
        expect(problems).to.have.length(1);
        expect(problems[0]).to.match(/^site\.openstack\.adminCidrs\[0\]: "fe80::%eth0\/64" /);
    });
});

describe("config validation: storage", () => {
    it("refuses storage without a storage area", () => {
        expect(devProblems((s) => (s.storage.storageAreas = []))).to.deep.equal([
            "site.storage.storageAreas: needs at least one storage area: StoRM-WebDAV does not start without one",
        ]);
    });

    it("refuses two storage areas with the same name (and so the same default access point)", () => {
        expect(devProblems((s) => (s.storage.storageAreas[1].name = "dev"))).to.deep.equal([
            'site.storage.storageAreas[1].name: "dev" is used by another storage area; names must be unique',
            'site.storage.storageAreas[1].accessPoint: "/dev" is the access point of another storage area; access points must be unique',
        ]);
    });

    it("refuses two storage areas with the same name even when their access points differ", () => {
        expect(devProblems((s) => ((s.storage.storageAreas[1].name = "dev"), (s.storage.storageAreas[1].accessPoint = "/dev2")))).to.deep.equal([
            'site.storage.storageAreas[1].name: "dev" is used by another storage area; names must be unique',
        ]);
    });

    it("refuses an explicit access point that is another area's default /<name>", () => {
        expect(devProblems((s) => (s.storage.storageAreas[1].accessPoint = "/dev"))).to.deep.equal([
            'site.storage.storageAreas[1].accessPoint: "/dev" is the access point of another storage area; access points must be unique',
        ]);
    });

    it("refuses two explicit access points that are equal", () => {
        expect(
            devProblems((s) => ((s.storage.storageAreas[0].accessPoint = "/data"), (s.storage.storageAreas[1].accessPoint = "/data"))),
        ).to.deep.equal(['site.storage.storageAreas[1].accessPoint: "/data" is the access point of another storage area; access points must be unique']);
    });

    it("refuses an RSE storage area that is not a storage area", () => {
        expect(devProblems((s) => (s.storage.rseStorageArea = "nope"))).to.deep.equal([
            'site.storage.rseStorageArea: "nope" is not a storage area; allowed: dev, scratch',
        ]);
    });

    it("refuses a data volume smaller than the quotas together, and accepts an exact fit", () => {
        expect(devProblems((s) => (s.storage.volume.sizeGb = 50))).to.deep.equal([
            "site.storage.volume.sizeGb: 50 GB is smaller than the storage areas' quotas together (90 GB)",
        ]);
        expect(devProblems((s) => (s.storage.volume.sizeGb = 90))).to.deep.equal([]);
        expect(uksrcProblems((s) => (s.storage.volume.sizeGb = 48999))).to.deep.equal([
            "site.storage.volume.sizeGb: 48999 GB is smaller than the storage areas' quotas together (49000 GB)",
        ]);
    });
});

describe("config validation: Rucio peers", () => {
    it("refuses the site's own RSE as a peer", () => {
        expect(uksrcProblems((s) => (s.rucio.peers[1].rse = "UKSRC_STORM"))).to.deep.equal([
            'site.rucio.peers[1].rse: "UKSRC_STORM" is this site\'s own RSE; list other sites\' RSEs',
        ]);
    });

    it("refuses a peer listed twice", () => {
        expect(uksrcProblems((s) => s.rucio.peers.push({ rse: "SPSRC_STORM", distance: 5 }))).to.deep.equal([
            'site.rucio.peers[2].rse: "SPSRC_STORM" is listed twice',
        ]);
    });

    it("refuses a peer whose name is not an RSE name", () => {
        expect(uksrcProblems((s) => (s.rucio.peers[0].rse = "spsrc"))).to.deep.equal([`site.rucio.peers[0].rse: ${rseNameMessage}`]);
    });
});

describe("config validation: DNS zone", () => {
    it("refuses a Designate zone that is not a parent of the hostnames", () => {
        expect(devProblems((s) => (s.dns.zone = "other.example.org"))).to.deep.equal([
            `site.dns.zone: "other.example.org" is not a parent of ${devHosts}; use the site domain or one of its parents`,
        ]);
        expect(devProblems((s) => (s.dns.zone = "storm.dev.srcnet.example.org"))).to.deep.equal([
            `site.dns.zone: "storm.dev.srcnet.example.org" is not a parent of ${devHosts}; use the site domain or one of its parents`,
        ]);
    });

    it("accepts the domain itself or any parent of it", () => {
        expect(devProblems((s) => (s.dns.zone = "dev.srcnet.example.org"))).to.deep.equal([]);
        expect(devProblems((s) => (s.dns.zone = "example.org"))).to.deep.equal([]);
        expect(devProblems((s) => delete s.dns.zone)).to.deep.equal([]);
    });
});

describe("config validation: cluster", () => {
    it("needs kubernetesVersion and image for Magnum without a template", () => {
        expect(devProblems((s) => (delete s.cluster.kubernetesVersion, delete s.cluster.image))).to.deep.equal([
            "site.cluster.kubernetesVersion: is required when no existing template is given (cluster.template)",
            "site.cluster.image: is required when no existing template is given (cluster.template)",
        ]);
        expect(devProblems((s) => delete s.cluster.image)).to.deep.equal(["site.cluster.image: is required when no existing template is given (cluster.template)"]);
    });

    it("refuses kubernetesVersion and image next to a Magnum template", () => {
        expect(devProblems((s) => (s.cluster.template = "k8s-1.30"))).to.deep.equal([
            'site.cluster.kubernetesVersion: comes from the existing template "k8s-1.30"; remove it or remove cluster.template',
            'site.cluster.image: comes from the existing template "k8s-1.30"; remove it or remove cluster.template',
        ]);
        expect(devProblems((s) => ((s.cluster.template = "k8s-1.30"), delete s.cluster.image))).to.deep.equal([
            'site.cluster.kubernetesVersion: comes from the existing template "k8s-1.30"; remove it or remove cluster.template',
        ]);
        expect(devProblems((s) => ((s.cluster.template = "k8s-1.30"), delete s.cluster.image, delete s.cluster.kubernetesVersion))).to.deep.equal([]);
    });

    it("refuses a Kubernetes version that is not a release", () => {
        for (const version of ["1.30", "v1.30", "latest", "v2.0.0", "v1.30.4-rc.1"]) {
            expect(devProblems((s) => (s.cluster.kubernetesVersion = version)), version).to.deep.equal([
                "site.cluster.kubernetesVersion: must be a Kubernetes release such as v1.36.3",
            ]);
        }
        expect(uksrcProblems((s) => (s.cluster.kubernetesVersion = "1.36"))).to.deep.equal([
            "site.cluster.kubernetesVersion: must be a Kubernetes release such as v1.36.3",
        ]);
        expect(devProblems((s) => (s.cluster.kubernetesVersion = "1.36.3"))).to.deep.equal([]);
    });

    // traefik 41.3.0 wants >=1.25, cert-manager v1.21.1 >=1.22; openstack-cluster 0.27.0 is built and tested for 1.33 to 1.36;
    // Rucio's charts take >=1.19, CloudNativePG's operator and cluster charts >=1.29.
    it("refuses a Kubernetes release outside what the pinned charts support", () => {
        expect(devProblems((s) => (s.cluster.kubernetesVersion = "v1.24.17"))).to.deep.equal([
            "site.cluster.kubernetesVersion: v1.24.17 is outside what traefik 41.3.0 supports (>=1.25.0-0); choose a release the pinned charts support, and an image built for it",
            "site.cluster.kubernetesVersion: v1.24.17 is outside what openstack-cluster 0.27.0 supports (>=1.33.0-0 <1.37.0-0); choose a release the pinned charts support, and an image built for it",
            "site.cluster.kubernetesVersion: v1.24.17 is outside what cloudnative-pg 0.29.0 supports (>=1.29.0-0); choose a release the pinned charts support, and an image built for it",
            "site.cluster.kubernetesVersion: v1.24.17 is outside what cluster 0.8.1 supports (>=1.29.0-0); choose a release the pinned charts support, and an image built for it",
            "site.cluster.kubernetesVersion: v1.24.17 is outside what jupyterhub 4.4.0 supports (>=1.28.0-0); choose a release the pinned charts support, and an image built for it",
        ]);
        // Magnum's Cluster API driver deploys the same chart.
        expect(devProblems((s) => (s.cluster.kubernetesVersion = "v1.30.4"))).to.have.length(1);
        expect(uksrcProblems((s) => (s.cluster.kubernetesVersion = "v1.30.4"))).to.deep.equal([
            "site.cluster.kubernetesVersion: v1.30.4 is outside what openstack-cluster 0.27.0 supports (>=1.33.0-0 <1.37.0-0); choose a release the pinned charts support, and an image built for it",
        ]);
        expect(uksrcProblems((s) => (s.cluster.kubernetesVersion = "v1.37.0"))).to.have.length(1);
        for (const version of ["v1.33.0", "v1.35.7", "1.36.3"]) expect(uksrcProblems((s) => (s.cluster.kubernetesVersion = version)), version).to.deep.equal([]);
    });

    it("refuses node group names the openstack-cluster chart refuses", () => {
        for (const name of ["ab", "a", "gpu-"]) {
            expect(uksrcProblems((s) => (s.cluster.nodeGroups[0].name = name)), name).to.deep.equal([
                "site.cluster.nodeGroups[0].name: must be at least 3 characters of a-z, 0-9 and '-', starting with a letter and ending with a letter or digit",
            ]);
        }
        expect(uksrcProblems((s) => (s.cluster.nodeGroups[0].name = "gpu"))).to.deep.equal([]);
    });

    it("production sites do not run Magnum, whose Kubernetes API is open to the internet", () => {
        expect(devProblems((s) => (s.environment = "production"))).to.deep.equal([
            'site.cluster.backend: "magnum" leaves the Kubernetes API open to the internet (Magnum\'s Cluster API driver cannot limit it to the admin networks), which production sites refuse; use "capi", or "existing"',
        ]);
    });

    it("refuses a management egress of the whole internet on a production site", () => {
        expect(uksrcProblems((s) => (s.cluster.managementEgressCidrs = ["0.0.0.0/0"]))).to.deep.equal([
            "site.cluster.managementEgressCidrs[0]: 0.0.0.0/0 opens the Kubernetes API to the whole internet, which production sites refuse; list the management cluster's egress address",
        ]);
        expect(uksrcProblems((s) => Object.assign(s, { environment: "test" }) && (s.cluster.managementEgressCidrs = ["0.0.0.0/0"]))).to.deep.equal([]);
    });

    it("requires the management cluster's IPv4 egress addresses for Cluster API", () => {
        expect(uksrcProblems((s) => (s.cluster.managementEgressCidrs = []))).to.deep.equal([
            "site.cluster.managementEgressCidrs: needs the address the management cluster reaches the workload cluster's API from",
        ]);
        expect(uksrcProblems((s) => (s.cluster.managementEgressCidrs = ["2001:db8::1/128", "203.0.113.200/32", "203.0.113.200/32"]))).to.deep.equal([
            "site.cluster.managementEgressCidrs[0]: 2001:db8::1/128 is not IPv4; the API's load balancer admits IPv4 addresses only",
            "site.cluster.managementEgressCidrs[2]: 203.0.113.200/32 is the same network as an earlier entry",
        ]);
    });

    it("refuses node groups with the same name", () => {
        expect(devProblems((s) => s.cluster.nodeGroups.push({ name: "default", flavor: "m1.small", count: 1 }))).to.deep.equal([
            'site.cluster.nodeGroups[1].name: "default" names another node group; names must be unique',
        ]);
        expect(uksrcProblems((s) => s.cluster.nodeGroups.push({ name: "workers", flavor: "l3.small", count: 1 }))).to.deep.equal([
            'site.cluster.nodeGroups[1].name: "workers" names another node group; names must be unique',
        ]);
    });

    // openstack-cluster leaves replicas out of an autoscaling group, so Cluster API starts it at minCount; a count there would be ignored.
    it("takes a fixed size or autoscaling bounds for a node group, not both, and bounds in order", () => {
        expect(uksrcProblems((s) => (s.cluster.nodeGroups[0].count = 4))).to.deep.equal([
            "site.cluster.nodeGroups[0].count: is ignored when the group autoscales (it starts at minCount); give count for a fixed size, or minCount and maxCount, not both",
        ]);
        expect(uksrcProblems((s) => delete s.cluster.nodeGroups[0].maxCount)).to.deep.equal([
            "site.cluster.nodeGroups[0].maxCount: is required with the other bound: an autoscaling group needs both minCount and maxCount",
        ]);
        expect(uksrcProblems((s) => (s.cluster.nodeGroups[0] = { name: "workers", flavor: "l3.xlarge" }))).to.deep.equal([
            "site.cluster.nodeGroups[0]: needs count (a fixed size), or minCount and maxCount (autoscaling)",
        ]);
        expect(devProblems((s) => (s.cluster.nodeGroups[0] = { name: "default", flavor: "m1.large", minCount: 3, maxCount: 1 }))).to.deep.equal([
            "site.cluster.nodeGroups[0].maxCount: 1 is below minCount 3",
        ]);
        expect(uksrcProblems((s) => Object.assign(s.cluster.nodeGroups[0], { minCount: 4, maxCount: 4 }))).to.deep.equal([]);
        expect(devProblems((s) => (s.cluster.nodeGroups[0] = { name: "default", flavor: "m1.large", count: 3 }))).to.deep.equal([]);
    });
});

describe("config validation: secret keys", () => {
    interface SecretCase {
        readonly needs: readonly SecretKeyName[];
        readonly because: string;
        readonly stack: "dev" | "uksrc";
        readonly change: Change;
        /** Keys the stack still has, as secrets. */
        readonly given: readonly string[];
    }
    const cases: readonly SecretCase[] = [
        { needs: ["iamAdminClientSecret"], because: "admin registration", stack: "dev", change: () => undefined, given: [] },
        { needs: ["iamClientSecrets"], because: "static registration", stack: "dev", change: (s) => (s.iam = staticIam), given: [] },
        {
            needs: ["kubeconfig"],
            because: "an existing cluster",
            stack: "dev",
            change: (s) => (s.cluster = { backend: "existing", ingressAddress: "192.0.2.80" }),
            given: ["iamAdminClientSecret"],
        },
        {
            needs: ["capiManagementKubeconfig"],
            because: "a Cluster API cluster",
            stack: "uksrc",
            change: () => undefined,
            given: ["iamAdminClientSecret", "openstackApplicationCredentialSecret", "rucioClientSecret"],
        },
        {
            needs: ["stormHostKey", "stormHostCertificate"],
            because: "a provided StoRM certificate",
            stack: "dev",
            change: (s) => (s.certificates.storm = "provided"),
            given: ["iamAdminClientSecret"],
        },
        {
            needs: ["openstackApplicationCredentialSecret"],
            because: "an application credential",
            stack: "uksrc",
            change: () => undefined,
            given: ["iamAdminClientSecret", "capiManagementKubeconfig", "rucioClientSecret"],
        },
        {
            needs: ["rucioClientSecret"],
            because: "a client-credentials login to the central Rucio",
            stack: "uksrc",
            change: () => undefined,
            given: ["iamAdminClientSecret", "capiManagementKubeconfig", "openstackApplicationCredentialSecret"],
        },
        {
            needs: ["rucioPassword"],
            because: "a userpass login to the central Rucio",
            stack: "uksrc",
            change: (s) => (s.rucio.auth = { method: "userpass", account: "uksrc", username: "uksrc-registration" }),
            given: ["iamAdminClientSecret", "capiManagementKubeconfig", "openstackApplicationCredentialSecret"],
        },
        {
            needs: ["rucioDatabaseUrl"],
            because: "an external Rucio database",
            stack: "dev",
            change: (s) => (s.rucio.database = { external: true }),
            given: ["iamAdminClientSecret"],
        },
        {
            needs: ["checksClientSecret"],
            because: "the post-deploy checks' IAM client",
            stack: "dev",
            change: (s) => (s.checks = { clientId: "dev-smoke-checks" }),
            given: ["iamAdminClientSecret"],
        },
        {
            needs: ["rucioBackupCredentials"],
            because: "database backups",
            stack: "dev",
            change: (s) => (s.rucio.database = { backup: { endpoint: "https://s3.example.org", bucket: "dev-rucio" } }),
            given: ["iamAdminClientSecret"],
        },
    ];

    for (const c of cases) {
        it(`requires ${c.needs.join(" and ")} for ${c.because}`, () => {
            const site = siteOf(c.stack);
            c.change(site);
            expect(problemsOf(site, keysWith(c.given))).to.deep.equal(c.needs.map((k) => missingSecret[k]));
            expect(problemsOf(site, keysWith([...c.given, ...c.needs]))).to.deep.equal([]);
        });
    }

    it("has a case for every secret key in the catalogue", () => {
        expect(cases.flatMap((c) => c.needs).sort()).to.deep.equal([...secretKeyNames].sort());
    });

    it("reports every missing secret of the production site at once", () => {
        expect(problemsOf(siteOf("uksrc"), keysWith([]))).to.deep.equal([
            missingSecret.openstackApplicationCredentialSecret,
            missingSecret.iamAdminClientSecret,
            missingSecret.capiManagementKubeconfig,
            missingSecret.rucioClientSecret,
        ]);
    });

    it("does not require a secret the site does not need", () => {
        // dynamic registration needs no secret; the site then runs nothing that needs admin-registered clients,
        // and needs only the secret of its login to the central Rucio
        const dynamicOnly = (s: any) => {
            s.iam = { registration: "dynamic", issuer: "https://iam.dev.srcnet.example.org/" };
            s.jupyterhub = { enabled: false };
            s.rucio = { mode: "external", ftsUrl: "https://fts.example.org:8446", serverUrl: "https://rucio.example.org", auth: externalRucioAuth };
        };
        expect(devProblems(dynamicOnly, keysWith([]))).to.deep.equal([missingSecret.rucioClientSecret]);
        expect(devProblems(dynamicOnly, keysWith(["rucioClientSecret"]))).to.deep.equal([]);
        expect(devProblems(() => undefined, keysWith(["iamAdminClientSecret", "kubeconfig"]))).to.deep.equal([]);
    });

    it("refuses a secret key stored in plaintext", () => {
        expect(problemsOf(siteOf("dev"), keysWith([], ["iamAdminClientSecret"]))).to.deep.equal([
            "srcnet-site:iamAdminClientSecret: is stored in plaintext; remove it and set it again with: pulumi config set --secret iamAdminClientSecret",
        ]);
        expect(problemsOf(siteOf("uksrc"), keysWith(["iamAdminClientSecret", "openstackApplicationCredentialSecret", "rucioClientSecret"], ["capiManagementKubeconfig"]))).to.deep.equal([
            "srcnet-site:capiManagementKubeconfig: is stored in plaintext; remove it and set it again with: pulumi config set --secret capiManagementKubeconfig < management-kubeconfig.yaml",
        ]);
    });

    it("refuses a plaintext secret key even when the site does not need it", () => {
        expect(problemsOf(siteOf("dev"), keysWith(["iamAdminClientSecret"], ["kubeconfig"]))).to.deep.equal([
            "srcnet-site:kubeconfig: is stored in plaintext; remove it and set it again with: pulumi config set --secret kubeconfig < kubeconfig.yaml",
        ]);
    });

    it("accepts the StoRM host certificate in plaintext (it is public) but not its key", () => {
        const site = siteOf("dev");
        site.certificates.storm = "provided";
        expect(problemsOf(site, keysWith(["iamAdminClientSecret", "stormHostKey"], ["stormHostCertificate"]))).to.deep.equal([]);
        expect(problemsOf(site, keysWith(["iamAdminClientSecret"], ["stormHostCertificate", "stormHostKey"]))).to.deep.equal([
            "srcnet-site:stormHostKey: is stored in plaintext; remove it and set it again with: pulumi config set --secret stormHostKey < hostkey.pem",
        ]);
    });

    it("never puts a secret value into a problem", () => {
        const values = Object.values({ ...secretsOf("dev"), ...secretsOf("uksrc") });
        expect(values).to.have.length.greaterThan(0);
        const all = [
            ...problemsOf(siteOf("uksrc"), keysWith([])),
            ...problemsOf(siteOf("uksrc"), keysWith([], uksrcSecretKeys)),
            ...problemsOf(siteOf("dev"), keysWith([], devSecretKeys)),
        ].join("\n");
        expect(all).to.include("is stored in plaintext").and.to.include("is required because");
        for (const value of values) expect(all).not.to.include(value);
    });

    it("still reports missing secrets when an unrelated part of openstack is invalid", () => {
        expect(uksrcProblems((s) => s.openstack.adminCidrs.push("bad"), keysWith([]))).to.have.members([
            `site.openstack.adminCidrs[2]: "bad" ${cidrFormatMessage}`,
            missingSecret.openstackApplicationCredentialSecret,
            missingSecret.iamAdminClientSecret,
            missingSecret.capiManagementKubeconfig,
            missingSecret.rucioClientSecret,
        ]);
    });
});

describe("config validation: the site object itself", () => {
    it("requires the site object", () => {
        expect(problemsOf(undefined, keysWith(devSecretKeys))).to.deep.equal([
            "srcnet-site:site: is required: the site's structured config (see config/site.schema.json)",
        ]);
    });

    it("still reports unknown project keys when the site object is missing", () => {
        expect(problemsOf(undefined, keysWith([], ["sitee"]))).to.deep.equal([
            `srcnet-site:sitee: unknown key (did you mean "site"?); known keys: ${knownProjectKeys}`,
            "srcnet-site:site: is required: the site's structured config (see config/site.schema.json)",
        ]);
    });

    it("refuses a site given as a string, null or a list", () => {
        expect(problemsOf("name: dev", keysWith(devSecretKeys))).to.deep.equal(['site: must be an object, not the string "name: dev"']);
        expect(problemsOf(null, keysWith(devSecretKeys))).to.deep.equal(["site: must be an object, not null"]);
        expect(problemsOf([], keysWith(devSecretKeys))).to.deep.equal(["site: must be an object, not a list"]);
    });
});

describe("config validation: several problems at once", () => {
    it("reports every independent problem of one config in one result", () => {
        const site = siteOf("dev");
        site.name = "Dev";
        site.domian = "dev.srcnet.example.org";
        site.storage.volume.sizeGb = 50;
        site.openstack.adminCidrs.push("192.0.2.0/24");
        site.cluster.nodeGroups[0].minCount = 3;
        site.iam.trustedIssuers[0].name = "iam";
        const problems = problemsOf(site, keysWith([], ["kubconfig"]));
        expect(problems).to.have.members([
            `srcnet-site:kubconfig: unknown key (did you mean "kubeconfig"?); known keys: ${knownProjectKeys}`,
            "site.name: must be 1-20 characters of a-z, 0-9 and '-', starting with a letter and not ending with '-'",
            `site.domian: unknown key (did you mean "domain"?); allowed keys here: ${topLevelKeys}`,
            "site.openstack.adminCidrs[2]: 192.0.2.0/24 is the same network as an earlier entry",
            "site.storage.volume.sizeGb: 50 GB is smaller than the storage areas' quotas together (90 GB)",
            'site.iam.trustedIssuers[0].name: "iam" is reserved for the site\'s own IAM; choose another name',
            "site.cluster.nodeGroups[0].count: is ignored when the group autoscales (it starts at minCount); give count for a fixed size, or minCount and maxCount, not both",
            missingSecret.iamAdminClientSecret,
        ]);
        expect(problems).to.have.length(8);
    });

    it("reports schema problems in different sections together with the cross rules they do not block", () => {
        const site = siteOf("uksrc");
        site.storage.rse = "uksrc";
        site.storage.flavour = "l3.large";
        delete site.storage.flavor;
        site.openstack.adminCidrs = ["0.0.0.0/0"];
        const problems = problemsOf(site, keysWith(uksrcSecretKeys));
        expect(problems).to.have.members([
            `site.storage.rse: ${rseNameMessage}`,
            "site.storage.flavor: is required (a string)",
            'site.storage.flavour: unknown key (did you mean "flavor"?); allowed keys here: rse, image, flavor, deployment, heapMb, volume, rseStorageArea, storageAreas',
            `site.openstack.adminCidrs[0]: 0.0.0.0/0 ${wholeInternet}`,
        ]);
        expect(problems).to.have.length(4);
    });
});

describe("config validation: the program refuses an invalid config", () => {
    const stackType = "pulumi:pulumi:Stack";

    function expectNothingCreated(run: Recording) {
        expect(customResources(run)).to.deep.equal([]);
        expect(run.resources.map((r) => r.type)).to.deep.equal([stackType]);
        expect(run.outputs).to.equal(undefined);
    }

    function configErrorOf(run: Recording): SiteConfigError {
        expect(run.error, String(run.error)).to.be.instanceOf(SiteConfigError);
        return run.error as SiteConfigError;
    }

    it("lists every problem in the error and registers nothing but the stack", async () => {
        const site = siteOf("dev");
        site.storage.rse = "dev";
        site.domian = "x";
        const run = await runSite(site, { secrets: secretsOf("dev") });
        const error = configErrorOf(run);
        expect(error.message).to.equal(
            [
                "The site config has 2 problems; nothing was created:",
                `  site.storage.rse: ${rseNameMessage}`,
                `  site.domian: unknown key (did you mean "domain"?); allowed keys here: ${topLevelKeys}`,
            ].join("\n"),
        );
        expect(error.problems.map((p) => `${p.where}: ${p.message}`)).to.deep.equal([
            `site.storage.rse: ${rseNameMessage}`,
            `site.domian: unknown key (did you mean "domain"?); allowed keys here: ${topLevelKeys}`,
        ]);
        expectNothingCreated(run);
    });

    it("refuses a missing secret, in the singular", async () => {
        const run = await runSite(siteOf("dev"));
        expect(configErrorOf(run).message).to.equal(`The site config has 1 problem; nothing was created:\n  ${missingSecret.iamAdminClientSecret}`);
        expectNothingCreated(run);
    });

    it("refuses a site given as a plain string", async () => {
        const run = await runSite("just a string", { secrets: secretsOf("dev") });
        expect(configErrorOf(run).message).to.equal('The site config has 1 problem; nothing was created:\n  site: must be an object, not the string "just a string"');
        expectNothingCreated(run);
    });

    it("refuses secrets stored in plaintext without printing their values", async () => {
        const plain = secretsOf("uksrc");
        const run = await runSite(siteOf("uksrc"), { plain, stack: "uksrc" });
        const error = configErrorOf(run);
        expect(error.problems).to.have.length(4);
        expect(error.message).to.include(
            "  srcnet-site:iamAdminClientSecret: is stored in plaintext; remove it and set it again with: pulumi config set --secret iamAdminClientSecret",
        );
        for (const value of Object.values(plain)) expect(error.message).not.to.include(value);
        expectNothingCreated(run);
    });

    it("does not print secret values given properly when the site object is invalid", async () => {
        const site = siteOf("uksrc");
        site.openstack.adminCidrs = ["0.0.0.0/0"];
        const secrets = secretsOf("uksrc");
        const run = await runSite(site, { secrets, stack: "uksrc" });
        const error = configErrorOf(run);
        expect(error.message).to.equal(`The site config has 1 problem; nothing was created:\n  site.openstack.adminCidrs[0]: 0.0.0.0/0 ${wholeInternet}`);
        for (const value of Object.values(secrets)) expect(error.message).not.to.include(value);
        expectNothingCreated(run);
    });

    it("stops with a SiteConfigError for a bad rucio.mode", async () => {
        const site = siteOf("dev");
        site.rucio.mode = "central";
        const run = await runSite(site, { secrets: secretsOf("dev") });
        expect(configErrorOf(run).problems.map((p) => `${p.where}: ${p.message}`)).to.deep.equal([
            'site.rucio.mode: must be one of "deploy", "external"; not the string "central"',
        ]);
        expectNothingCreated(run);
    });

    it("runs the valid dev site without an error and registers resources", async () => {
        const run = await runSite(siteOf("dev"), { secrets: secretsOf("dev"), stack: "dev" });
        expect(run.error, String(run.error)).to.equal(undefined);
        expect(customResources(run).length).to.be.greaterThan(0);
        expect(run.outputs).to.not.equal(undefined);
    });
});

describe("config validation: an existing cluster's ingress", () => {
    const secrets = keysWith(["iamAdminClientSecret", "kubeconfig"]);
    it("requires the ingress address when JupyterHub or Rucio run on the cluster", () => {
        expect(devProblems((s) => (s.cluster = { backend: "existing" }), secrets)).to.deep.equal([
            "site.cluster.ingressAddress: is required: JupyterHub and Rucio are reached through the cluster's ingress, and DNS needs its address",
        ]);
    });

    it("does not need it for a site that serves nothing through the cluster", () => {
        expect(
            devProblems(
                (s) => {
                    s.cluster = { backend: "existing" };
                    s.jupyterhub = { enabled: false };
                    s.rucio = { mode: "external", ftsUrl: "https://fts.example.org:8446", serverUrl: "https://rucio.example.org", auth: externalRucioAuth };
                },
                keysWith(["iamAdminClientSecret", "kubeconfig", "rucioClientSecret"]),
            ),
        ).to.deep.equal([]);
    });

    it("refuses an ingress address that is not IPv4", () => {
        expect(devProblems((s) => (s.cluster = { backend: "existing", ingressAddress: "ingress.example.org" }), secrets)).to.deep.equal([
            "site.cluster.ingressAddress: must be an IPv4 address",
        ]);
    });
});

describe("config validation: admin access to a cluster the site builds", () => {
    it("requires admin networks, since the Kubernetes API admits only them", () => {
        expect(devProblems((s) => (s.openstack.adminCidrs = []))).to.deep.equal([
            "site.openstack.adminCidrs: is empty, but the magnum cluster's API admits only these networks and pulumi up must reach it; list the operators' networks",
        ]);
    });

    it("requires an IPv4 one, since the API's load balancer is reached over IPv4", () => {
        expect(devProblems((s) => (s.openstack.adminCidrs = ["2001:db8::/32"]))).to.deep.equal([
            "site.openstack.adminCidrs: needs an IPv4 network: the Kubernetes API's load balancer admits IPv4 admin networks only, and pulumi up must reach it",
        ]);
    });

    it("does not ask for them with an existing cluster", () => {
        expect(
            devProblems((s) => {
                s.openstack.adminCidrs = [];
                s.cluster = { backend: "existing", ingressAddress: "192.0.2.80" };
            }, keysWith(["iamAdminClientSecret", "kubeconfig"])),
        ).to.deep.equal([]);
    });

    it("reads nothing under a parent of the wrong type (no made-up defaults)", () => {
        expect(devProblems((s) => (s.openstack = "x"))).to.deep.equal(['site.openstack: must be an object, not the string "x"']);
    });
});

describe("config validation: a backend without its settings", () => {
    it("reports every setting a Cluster API cluster is missing", () => {
        expect(uksrcProblems((s) => (s.cluster = { backend: "capi" }))).to.deep.equal([
            "site.cluster.kubernetesVersion: is required (a string)",
            "site.cluster.image: is required (a string)",
            "site.cluster.controlPlane: is required (an object)",
            "site.cluster.nodeGroups: is required (a list)",
            "site.cluster.managementEgressCidrs: is required (a list)",
        ]);
    });

    it("reports what a Magnum cluster is missing, and a setting of another backend as unknown", () => {
        expect(devProblems((s) => (s.cluster = { backend: "magnum", namespace: "x" }))).to.deep.equal([
            "site.cluster.controlPlane: is required (an object)",
            "site.cluster.nodeGroups: is required (a list)",
            'site.cluster.namespace: unknown key; allowed keys here: backend, template, kubernetesVersion, image, controlPlane, nodeGroups, autoHealing, volumeAvailabilityZone, ingress, labels',
            "site.cluster.kubernetesVersion: is required when no existing template is given (cluster.template)",
            "site.cluster.image: is required when no existing template is given (cluster.template)",
        ]);
    });
});

describe("config validation: how IAM clients are registered", () => {
    it("refuses client IDs that HTTP Basic cannot carry", () => {
        expect(devProblems((s) => (s.iam.adminClientId = "site:admin"))).to.deep.equal([
            "site.iam.adminClientId: must not contain ':', which HTTP Basic authentication cannot carry (IAM splits client ID and secret at the first ':')",
        ]);
        const site = siteOf("dev");
        site.iam = { registration: "static", issuer: site.iam.issuer, clients: { jupyterhub: { clientId: "hub:1" }, tokenExchange: { clientId: "x" }, rucio: { clientId: "r" } } };
        expect(problemsOf(site, keysWith(["iamClientSecrets"]))).to.deep.equal([
            "site.iam.clients.jupyterhub.clientId: must not contain ':', which HTTP Basic authentication cannot carry (IAM splits client ID and secret at the first ':')",
        ]);
    });

    it("refuses anonymous registration for clients only an IAM admin may register", () => {
        expect(devProblems((s) => (s.iam = { registration: "dynamic", issuer: "https://iam.dev.srcnet.example.org/" }), keysWith([]))).to.deep.equal([
            'site.iam.registration: "dynamic" cannot register the notebook token-exchange client (JupyterHub) or the Rucio client (client credentials, token exchange): IAM grants token exchange, client credentials and storage scopes only to admins; use "admin" or "static"',
        ]);
    });

    it("requires a static StoRM client when StoRM login is on", () => {
        const staticIam = { registration: "static", issuer: "https://iam.dev.srcnet.example.org/", stormLogin: true, clients: { jupyterhub: { clientId: "a" }, tokenExchange: { clientId: "b" }, rucio: { clientId: "c" }, rucioWebui: { clientId: "d" }, rucioSync: { clientId: "e" } } };
        expect(devProblems((s) => (s.iam = staticIam), keysWith(["iamClientSecrets"]))).to.deep.equal(["site.iam.clients.storm: is required when iam.stormLogin is true"]);
    });
});

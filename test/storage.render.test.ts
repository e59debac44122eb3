// The storage node's pure renderers: StoRM's configuration, NFS, the environment files, the
// configuration bundle and the cloud-init user-data, checked against their exact text, with
// bash, cloud-init's own schema check and cloud-init's own modules where they settle a question.
import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { parse } from "yaml";
import { deriveSite, type SiteModel, type TrustedIssuer } from "../config/derive";
import { secretKeyNames } from "../config/secrets";
import { validateStackConfig } from "../config/validate";
import { repositories, versions } from "../config/versions";
import { actions, storageNodeBundle, type StorageNodeConfig } from "../components/storage/render/bundle";
import { bundleMetadata, digestKey, readBundleMetadata } from "../components/storage/render/config-bundle";
import { shellEnvFile } from "../components/storage/render/env-file";
import { exportsFile, nfsConf } from "../components/storage/render/nfs";
import { nodeEnv, storageEnv, type CertificateSource, type Deployment } from "../components/storage/render/node-env";
import { applicationYml, heapMbFor, storageAreaProperties, stormEnvironment } from "../components/storage/render/storm-config";
import { stormSecretsFile } from "../components/storage/render/storm-login";
import { planClients } from "../components/identity/plan";
import * as units from "../components/storage/render/units";
import { maxUserDataBytes, userData, type CertificateFiles } from "../components/storage/render/user-data";
import { repoRoot, siteOf } from "./harness";
import { cloudInitPython, toolPath } from "./tools";

// ---------------------------------------------------------------------------------------------
// Fixtures

/** The model of the dev stack's site after `change`, validated the way the program does it. */
function modelOf(change: (site: any) => void = () => undefined): SiteModel {
    const site = siteOf("dev");
    change(site);
    const result = validateStackConfig({ site, keys: [{ key: "site", secret: false }, ...secretKeyNames.map((key) => ({ key, secret: true }))] });
    if (!result.ok) throw new Error(`invalid site: ${result.problems.map((p) => `${p.where}: ${p.message}`).join("; ")}`);
    return deriveSite(result.site);
}

/** The dev site with one storage area, "sa", given these settings on top of its name. */
function areaWith(settings: Record<string, unknown> = {}) {
    return modelOf((site) => {
        site.storage.storageAreas = [{ name: "sa", ...settings }];
        delete site.storage.rseStorageArea;
    }).storage.areas[0];
}

const iam: TrustedIssuer = { name: "iam", issuer: "https://iam.dev.srcnet.example.org/" };
const skaIam: TrustedIssuer = { name: "ska-iam", issuer: "https://ska-iam.example.org/" };
const fqdn = "storm.dev.srcnet.example.org";

/** KEY=value lines of a .properties file (no continuation lines or escapes are written). */
function properties(text: string): Record<string, string> {
    const lines = text.split("\n").filter((l) => l !== "");
    return Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
}

/** The lines of one [section] of a systemd unit. */
function section(unit: string, name: string): string[] {
    const lines = unit.split("\n");
    const start = lines.indexOf(`[${name}]`);
    if (start < 0) return [];
    const rest = lines.slice(start + 1);
    const end = rest.findIndex((l) => l.startsWith("["));
    return (end < 0 ? rest : rest.slice(0, end)).filter((l) => l !== "");
}


/** Runs a Python program with cloud-init's interpreter; its last stdout line is JSON. */
function python(program: string, ...args: string[]): any {
    const result = spawnSync(cloudInitPython(), ["-c", program, ...args], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`python failed (${result.status}): ${result.stderr}`);
    return JSON.parse(result.stdout.trim().split("\n").pop()!);
}

// ---------------------------------------------------------------------------------------------
// 1. StoRM-WebDAV: application.yml and storage areas

describe("storage render: application.yml", () => {
    it("lists one issuer, and says that there is no browser login", () => {
        expect(applicationYml([iam])).to.equal(
            ["oauth:", "  issuers:", "    - name: iam", "      issuer: https://iam.dev.srcnet.example.org/", "  enable-oidc: false", ""].join("\n"),
        );
    });

    it("lists two issuers, the site's IAM first, in the order given", () => {
        expect(applicationYml([iam, skaIam])).to.equal(
            [
                "oauth:",
                "  issuers:",
                "    - name: iam",
                "      issuer: https://iam.dev.srcnet.example.org/",
                "    - name: ska-iam",
                "      issuer: https://ska-iam.example.org/",
                "  enable-oidc: false",
                "",
            ].join("\n"),
        );
    });

    it("writes the dev site's issuers as derived, and nothing but name and issuer", () => {
        const m = modelOf();
        expect(m.issuers).to.deep.equal([iam, skaIam]);
        expect(parse(applicationYml(m.issuers))).to.deep.equal({ oauth: { issuers: [iam, skaIam], "enable-oidc": false } });
    });

    // Spring Boot reads application.yml with SnakeYAML, which follows YAML 1.1: there `no`, `on`,
    // `off` and `yes` are booleans, so an issuer named `no` would become the name "false".
    it("keeps issuer names that YAML 1.1 reads as booleans strings for StoRM's YAML 1.1 parser", () => {
        const names = ["no", "on", "off", "yes"];
        // modelOf validates: the config accepts these names.
        const issuers = modelOf((site) => (site.iam.trustedIssuers = names.map((name, i) => ({ name, issuer: `https://issuer-${i}.example.org/` })))).issuers;
        const dir = mkdtempSync(join(tmpdir(), "srcnet-render-yaml11-"));
        try {
            const file = join(dir, "application.yml");
            writeFileSync(file, applicationYml(issuers));
            const read = python("import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))", file);
            expect(read).to.deep.equal({ oauth: { issuers: issuers.map(({ name, issuer }) => ({ name, issuer })), "enable-oidc": false } });
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("storage render: application.yml with StoRM's browser login (iam.stormLogin)", () => {
    const login = { clientId: "dev-storm", scopes: ["openid", "profile", "email", "wlcg.groups"] };
    /** The model of the dev site with the login on, its StoRM client as the identity part plans it. */
    const withLogin = () => {
        const m = modelOf((site) => (site.iam.stormLogin = true));
        const client = planClients(m).find((c) => c.role === "storm");
        expect(client, "the identity part plans a StoRM client").to.not.equal(undefined);
        return { m, client: client!, yml: parse(applicationYml(m.issuers, { clientId: client!.name, scopes: client!.scopes })) };
    };

    it("enables OIDC and registers the client with the site's IAM as its provider, without its secret", () => {
        const text = applicationYml([iam, skaIam], login);
        expect(parse(text)).to.deep.equal({
            oauth: { issuers: [iam, skaIam], "enable-oidc": true },
            spring: {
                security: {
                    oauth2: {
                        client: {
                            provider: { iam: { "issuer-uri": "https://iam.dev.srcnet.example.org/" } },
                            registration: { iam: { provider: "iam", "client-name": "IAM", "client-id": "dev-storm", scope: ["openid", "profile", "email", "wlcg.groups"] } },
                        },
                    },
                },
            },
        });
        expect(text).not.to.match(/secret/i);
    });

    it("uses the site's issuer and the client ID and scopes the identity part registers", () => {
        const { m, client, yml } = withLogin();
        const registration = yml.spring.security.oauth2.client.registration;
        const [id] = Object.keys(registration);
        expect(registration[id]).to.deep.include({ "client-id": client.name, scope: client.scopes });
        expect(yml.spring.security.oauth2.client.provider[registration[id].provider]).to.deep.equal({ "issuer-uri": m.config.iam.issuer });
    });

    // Spring Security 6.4.5: a registration built by discovery redirects to
    // "{baseUrl}/{action}/oauth2/code/{registrationId}" (ClientRegistrations.java:297), {action} being
    // "login" for a login (DefaultOAuth2AuthorizationRequestResolver.java:110) and {baseUrl} the
    // request's, StoRM's name and HTTPS port; the callback filter listens on /login/oauth2/code/*
    // (OAuth2LoginAuthenticationFilter.java:103).
    it("has IAM register the callback Spring derives for the registration", () => {
        const { m, client, yml } = withLogin();
        const [registrationId, ...others] = Object.keys(yml.spring.security.oauth2.client.registration);
        expect(others).to.deep.equal([]);
        const env = properties(stormEnvironment({ fqdn: m.hostnames.storm, heapMb: 1024, deployment: "rpm" }));
        const derived = "{baseUrl}/{action}/oauth2/code/{registrationId}"
            .replace("{baseUrl}", `https://${env.STORM_WEBDAV_HOSTNAME_0}:${env.STORM_WEBDAV_HTTPS_PORT}`)
            .replace("{action}", "login")
            .replace("{registrationId}", registrationId);
        expect(client.redirectUris).to.deep.equal([derived]);
        expect(new URL(derived).pathname).to.match(/^\/login\/oauth2\/code\/[^/]+$/);
    });

    // Spring Boot 3.4.5 external-config.adoc:950-956: a property's variable has dots as underscores,
    // no dashes, upper case; map keys bound from variables are lower case (:970-973).
    it("passes the secret in the variable Spring Boot binds to that registration's client-secret", () => {
        const [registrationId] = Object.keys(parse(applicationYml([iam], login)).spring.security.oauth2.client.registration);
        const variable = `spring.security.oauth2.client.registration.${registrationId}.client-secret`.replace(/\./g, "_").replace(/-/g, "").toUpperCase();
        expect(registrationId).to.equal(registrationId.toLowerCase());
        expect(stormSecretsFile("Zq8vR2kX")).to.equal(`${variable}=Zq8vR2kX\n`);
    });

    it("sets no secret without a login, and refuses a secret systemd and podman would read differently, without printing it", () => {
        expect(stormSecretsFile(undefined)).to.equal("# No StoRM login is configured: no secret settings.\n");
        for (const bad of ['a"b', "a'b", "a\\b", " ab", "ab ", "a\nb"]) {
            expect(() => stormSecretsFile(bad), JSON.stringify(bad)).to.throw(/cannot be written to an environment file/);
            try {
                stormSecretsFile(bad);
            } catch (e) {
                expect((e as Error).message).not.to.include(bad);
            }
        }
        expect(() => stormSecretsFile("")).to.throw(/secret is empty/);
    });

    it("keeps a client ID that YAML 1.1 reads as a boolean a string for StoRM's parser", () => {
        const dir = mkdtempSync(join(tmpdir(), "srcnet-render-login-"));
        try {
            const file = join(dir, "application.yml");
            writeFileSync(file, applicationYml([iam], { clientId: "on", scopes: ["openid"] }));
            const read = python("import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))", file);
            expect(read.spring.security.oauth2.client.registration.iam["client-id"]).to.equal("on");
            expect(read.oauth["enable-oidc"]).to.equal(true);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("storage render: storage area properties", () => {
    const defaults = [
        "name=sa",
        "rootPath=/storage/sa",
        "accessPoints=/sa",
        "orgs=https://iam.dev.srcnet.example.org/,https://ska-iam.example.org/",
        "wlcgScopeAuthzEnabled=true",
        "orgsGrantReadPermission=false",
        "orgsGrantWritePermission=false",
        "anonymousReadEnabled=false",
        "authenticatedReadEnabled=false",
        "voMapEnabled=false",
        "fineGrainedAuthzEnabled=false",
        "",
    ];

    it("writes every authorization property explicitly for the default options", () => {
        expect(storageAreaProperties(areaWith(), [iam, skaIam])).to.equal(defaults.join("\n"));
    });

    const flips: [string, unknown, string, string][] = [
        ["wlcgScopeAuthz", false, "wlcgScopeAuthzEnabled=true", "wlcgScopeAuthzEnabled=false"],
        ["orgsGrantRead", true, "orgsGrantReadPermission=false", "orgsGrantReadPermission=true"],
        ["orgsGrantWrite", true, "orgsGrantWritePermission=false", "orgsGrantWritePermission=true"],
        ["anonymousRead", true, "anonymousReadEnabled=false", "anonymousReadEnabled=true"],
        ["authenticatedRead", true, "authenticatedReadEnabled=false", "authenticatedReadEnabled=true"],
    ];
    for (const [option, value, before, after] of flips) {
        it(`writes ${after} when ${option} is ${value}, and every other property as by default`, () => {
            const expected = defaults.map((line) => (line === before ? after : line));
            expect(expected).to.not.deep.equal(defaults);
            expect(storageAreaProperties(areaWith({ [option]: value }), [iam, skaIam])).to.equal(expected.join("\n"));
        });
    }

    it("writes orgsGrantWritePermission=false explicitly (StoRM's code default is true)", () => {
        expect(properties(storageAreaProperties(areaWith(), [iam]))).to.have.property("orgsGrantWritePermission", "false");
    });

    it("serves an explicit access point", () => {
        expect(storageAreaProperties(areaWith({ accessPoint: "/ska/data" }), [iam])).to.equal(
            [
                "name=sa",
                "rootPath=/storage/sa",
                "accessPoints=/ska/data",
                "orgs=https://iam.dev.srcnet.example.org/",
                "wlcgScopeAuthzEnabled=true",
                "orgsGrantReadPermission=false",
                "orgsGrantWritePermission=false",
                "anonymousReadEnabled=false",
                "authenticatedReadEnabled=false",
                "voMapEnabled=false",
                "fineGrainedAuthzEnabled=false",
                "",
            ].join("\n"),
        );
    });

    it("uses the very same issuer strings in application.yml and in every area's orgs", () => {
        // Trailing slash or not, with a path: each string is kept byte for byte.
        const m = modelOf((site) => {
            site.iam.issuer = "https://iam.dev.srcnet.example.org/";
            site.iam.trustedIssuers = [
                { name: "ska-iam", issuer: "https://ska-iam.example.org" },
                { name: "keycloak", issuer: "https://login.example.org/realms/ska/" },
            ];
        });
        const wanted = ["https://iam.dev.srcnet.example.org/", "https://ska-iam.example.org", "https://login.example.org/realms/ska/"];
        const fromYaml = (parse(applicationYml(m.issuers)) as { oauth: { issuers: TrustedIssuer[] } }).oauth.issuers.map((i) => i.issuer);
        expect(fromYaml).to.deep.equal(wanted);
        for (const area of m.storage.areas) {
            const orgs = properties(storageAreaProperties(area, m.issuers)).orgs.split(",");
            expect(orgs).to.deep.equal(fromYaml);
        }
    });
});

// ---------------------------------------------------------------------------------------------
// 2. The service environment and the heap

describe("storage render: StoRM-WebDAV environment", () => {
    const common = [
        `STORM_WEBDAV_HOSTNAME_0=${fqdn}`,
        "STORM_WEBDAV_HTTPS_PORT=8443",
        "STORM_WEBDAV_HTTP_PORT=8085",
        "STORM_WEBDAV_REQUIRE_CLIENT_CERT=false",
        "STORM_WEBDAV_CERTIFICATE_PATH=/etc/grid-security/storm-webdav/hostcert.pem",
        "STORM_WEBDAV_PRIVATE_KEY_PATH=/etc/grid-security/storm-webdav/hostkey.pem",
        "STORM_WEBDAV_TRUST_ANCHORS_DIR=/etc/grid-security/certificates",
        "STORM_WEBDAV_SA_CONFIG_DIR=/etc/storm/webdav/sa.d",
        "STORM_WEBDAV_VOMS_TRUST_STORE_DIR=/etc/grid-security/vomsdir",
    ];

    it("for the RPM: hostname, ports, TLS without client certificates, paths and the heap", () => {
        expect(stormEnvironment({ fqdn, heapMb: 1536, deployment: "rpm" })).to.equal(
            [...common, "STORM_WEBDAV_JVM_OPTS=-Xms1536m -Xmx1536m -Djava.security.egd=file:/dev/./urandom", ""].join("\n"),
        );
    });

    it("for the container: also replaces the image's JVM options (its dev profile) and points Spring at the config dir", () => {
        const text = stormEnvironment({ fqdn, heapMb: 2048, deployment: "container" });
        expect(text).to.equal(
            [
                ...common,
                "STORM_WEBDAV_JVM_OPTS=-Xms2048m -Xmx2048m -Djava.security.egd=file:/dev/./urandom -Dspring.config.additional-location=optional:file:/etc/storm/webdav/config/",
                "",
            ].join("\n"),
        );
    });

    // The variables StoRM-WebDAV 1.9.0 reads: src/main/resources/application.yml :85, :108, :110, :127,
    // :129, :131, :136, :151, :180; STORM_WEBDAV_JVM_OPTS in the unit's ExecStart (storm-webdav.service:13)
    // and the image's ENTRYPOINT (Dockerfile:37).
    const readBy190 = [
        "STORM_WEBDAV_HOSTNAME_0",
        "STORM_WEBDAV_HTTP_PORT",
        "STORM_WEBDAV_HTTPS_PORT",
        "STORM_WEBDAV_CERTIFICATE_PATH",
        "STORM_WEBDAV_PRIVATE_KEY_PATH",
        "STORM_WEBDAV_TRUST_ANCHORS_DIR",
        "STORM_WEBDAV_REQUIRE_CLIENT_CERT",
        "STORM_WEBDAV_SA_CONFIG_DIR",
        "STORM_WEBDAV_VOMS_TRUST_STORE_DIR",
        "STORM_WEBDAV_JVM_OPTS",
    ];
    for (const deployment of ["rpm", "container"] as const) {
        it(`for the ${deployment}: sets only variables StoRM 1.9.0 reads, and leaves the jar and its logging to the RPM's drop-in`, () => {
            const keys = Object.keys(properties(stormEnvironment({ fqdn, heapMb: 1024, deployment })));
            expect(keys.filter((k) => !readBy190.includes(k))).to.deep.equal([]);
            // storm-webdav.service:15-16 starts ${STORM_WEBDAV_JAR} with ${STORM_WEBDAV_LOG_CONFIGURATION},
            // both from the RPM's storm-webdav.service.d/storm-webdav.conf (:55, :61).
            expect(keys).not.to.include.members(["STORM_WEBDAV_JAR"]);
            expect(keys).not.to.include.members(["STORM_WEBDAV_LOG_CONFIGURATION"]);
        });
    }

    it("takes a quarter of the RAM, between 1024 and 2048 MB, in steps of 256 MB", () => {
        const table: [number, number][] = [
            [0, 1024],
            [1024, 1024],
            [2048, 1024],
            [4096, 1024],
            [5000, 1024],
            [5120, 1280],
            [6144, 1536],
            [7000, 1536],
            [7168, 1792],
            [8192, 2048],
            [16384, 2048],
            [65536, 2048],
        ];
        expect(table.map(([ram]) => [ram, heapMbFor(ram)])).to.deep.equal(table);
    });
});

// ---------------------------------------------------------------------------------------------
// 3. NFS

describe("storage render: NFS", () => {
    const areas = modelOf().storage.areas;
    const header = "# Storage areas exported read-only to the cluster; written by srcnet-site.\n";
    const options = "(ro,root_squash,sync,no_subtree_check,sec=sys)";

    it("exports each area read-only and root squashed to one client network", () => {
        expect(exportsFile(areas, ["10.42.0.0/24"])).to.equal(`${header}/storage/dev 10.42.0.0/24${options}\n/storage/scratch 10.42.0.0/24${options}\n`);
    });

    it("lists every client network on each area's one line", () => {
        expect(exportsFile(areas, ["10.42.0.0/24", "192.168.16.0/20"])).to.equal(
            `${header}/storage/dev 10.42.0.0/24${options} 192.168.16.0/20${options}\n/storage/scratch 10.42.0.0/24${options} 192.168.16.0/20${options}\n`,
        );
    });

    it("exports nothing when no client network is known", () => {
        expect(exportsFile(areas, [])).to.equal(`${header}# No cluster network is known, so nothing is exported.\n`);
    });

    it("serves NFSv4 only", () => {
        expect(nfsConf).to.equal("[nfsd]\nvers3=n\n");
    });
});

// ---------------------------------------------------------------------------------------------
// 4. Shell environment files

describe("storage render: shell environment files", () => {
    let dir: string;
    before(() => (dir = mkdtempSync(join(tmpdir(), "srcnet-render-env-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    /** What bash sees in $key after sourcing the file, with an environment that sets nothing else. */
    const sourced = (file: string, key: string) =>
        execFileSync("bash", ["--norc", "--noprofile", "-c", `source "$1"; printf %s "$${key}"`, "bash", file], {
            encoding: "utf8",
            env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
            stdio: ["ignore", "pipe", "pipe"],
        });

    it("single-quotes every value, a single quote as '\\''", () => {
        expect(shellEnvFile([["A", "plain"], ["B", "it's"], ["C", 2001]])).to.equal("A='plain'\nB='it'\\''s'\nC='2001'\n");
    });

    it("keeps every value literal when bash sources the file", () => {
        const values: Record<string, string> = {
            SRCNET_T_QUOTE: "it's",
            SRCNET_T_QUOTES: "''a'b''",
            SRCNET_T_SHELL: '$HOME `id` $(id) \\ "double" ; & | * ~ !',
            SRCNET_T_LINES: "first\nsecond\n",
            SRCNET_T_EMPTY: "",
            SRCNET_T_SPACE: "  two  spaces  ",
        };
        const file = join(dir, "values.env");
        writeFileSync(file, shellEnvFile(Object.entries(values)));
        for (const [key, value] of Object.entries(values)) {
            expect(sourced(file, key), key).to.equal(value);
        }
    });

    it("writes node.env with the node's fixed facts", () => {
        expect(nodeEnv("container", "provided")).to.equal(
            [
                "DEPLOYMENT='container'",
                "STORM_UID='2001'",
                "STORM_GID='2001'",
                "CERTIFICATE_SOURCE='provided'",
                "LIBEXEC_DIR='/usr/local/libexec/srcnet'",
                "DATA_DIR='/storage'",
                "SYSTEM_DIR='/storage/.srcnet'",
                "LETSENCRYPT_DIR='/storage/.srcnet/letsencrypt'",
                "PROVIDED_CERTIFICATE='/etc/srcnet/provided/hostcert.pem'",
                "PROVIDED_KEY='/etc/srcnet/provided/hostkey.pem'",
                "HOST_CERTIFICATE='/etc/grid-security/storm-webdav/hostcert.pem'",
                "HOST_KEY='/etc/grid-security/storm-webdav/hostkey.pem'",
                "TRUST_ANCHORS_DIR='/etc/grid-security/certificates'",
                "HEALTH_URL='http://localhost:8085/.storm-webdav/actuator/health'",
                "",
            ].join("\n"),
        );
    });

    it("writes storage.env with the changeable facts, and bash reads them back", () => {
        const text = storageEnv({ fqdn, floatingIp: "203.0.113.10", acmeEmail: "o'brien@example.org", acmeDirectoryUrl: "https://acme-v02.api.letsencrypt.org/directory" });
        expect(text).to.equal(
            [
                `STORM_FQDN='${fqdn}'`,
                "FLOATING_IP='203.0.113.10'",
                "ACME_EMAIL='o'\\''brien@example.org'",
                "ACME_SERVER='https://acme-v02.api.letsencrypt.org/directory'",
                "",
            ].join("\n"),
        );
        const file = join(dir, "storage.env");
        writeFileSync(file, text);
        expect(sourced(file, "ACME_EMAIL")).to.equal("o'brien@example.org");
    });
});

// ---------------------------------------------------------------------------------------------
// 5. The configuration bundle of the dev site

describe("storage render: the dev site's configuration bundle", () => {
    const m = modelOf();
    const config: StorageNodeConfig = {
        fqdn: m.hostnames.storm,
        floatingIp: "203.0.113.10",
        deployment: m.config.storage.deployment,
        heapMb: heapMbFor(4096),
        volumeSizeGb: m.config.storage.volume.sizeGb,
        areas: m.storage.areas,
        issuers: m.issuers,
        nfsClients: m.storage.nfsClients,
        acme: { email: m.acme.email, directoryUrl: m.acme.directoryUrl },
    };
    const bundle = storageNodeBundle(config);

    it("is version 1", () => {
        expect(bundle.version).to.equal(1);
    });

    it("creates the trust anchors and VOMS directories, and one directory per storage area, owned by storm, 0755", () => {
        expect(bundle.directories).to.deep.equal([
            { path: "/etc/grid-security/certificates", mode: "0755", owner: "root:root" },
            { path: "/etc/grid-security/vomsdir", mode: "0755", owner: "root:root" },
            { path: "/storage/dev", mode: "0755", owner: "storm:storm" },
            { path: "/storage/scratch", mode: "0755", owner: "storm:storm" },
        ]);
    });

    it("lists the files with their paths, modes, owners and actions", () => {
        expect(bundle.files.map(({ path, mode, owner, then }) => ({ path, mode, owner, then }))).to.deep.equal([
            { path: "/etc/storm/webdav/config/application.yml", mode: "0644", owner: "root:root", then: "restart-storm" },
            { path: "/etc/storm/webdav/sa.d/dev.properties", mode: "0644", owner: "root:root", then: "restart-storm" },
            { path: "/etc/storm/webdav/sa.d/scratch.properties", mode: "0644", owner: "root:root", then: "restart-storm" },
            { path: "/etc/storm/webdav/srcnet.env", mode: "0644", owner: "root:root", then: "restart-storm" },
            { path: "/etc/exports.d/srcnet-storage.exports", mode: "0644", owner: "root:root", then: "reload-exports" },
            { path: "/etc/srcnet/data-volume-size", mode: "0644", owner: "root:root", then: "grow-filesystem" },
            { path: "/etc/srcnet/storage.env", mode: "0644", owner: "root:root", then: "certificate" },
        ]);
    });

    it("holds the rendered contents", () => {
        const [app, dev, scratch, env, exports, volumeSize, storage] = bundle.files.map((f) => f.content);
        expect(app).to.equal(applicationYml([iam, skaIam]));
        expect(dev).to.equal(storageAreaProperties(m.storage.areas[0], m.issuers));
        expect(scratch).to.equal(
            [
                "name=scratch",
                "rootPath=/storage/scratch",
                "accessPoints=/scratch",
                "orgs=https://iam.dev.srcnet.example.org/,https://ska-iam.example.org/",
                "wlcgScopeAuthzEnabled=true",
                "orgsGrantReadPermission=true",
                "orgsGrantWritePermission=false",
                "anonymousReadEnabled=false",
                "authenticatedReadEnabled=false",
                "voMapEnabled=false",
                "fineGrainedAuthzEnabled=false",
                "",
            ].join("\n"),
        );
        expect(env).to.equal(stormEnvironment({ fqdn: "storm.dev.srcnet.example.org", heapMb: 1024, deployment: "rpm" }));
        expect(exports).to.equal(
            "# Storage areas exported read-only to the cluster; written by srcnet-site.\n" +
                "/storage/dev 10.42.0.0/24(ro,root_squash,sync,no_subtree_check,sec=sys)\n" +
                "/storage/scratch 10.42.0.0/24(ro,root_squash,sync,no_subtree_check,sec=sys)\n",
        );
        expect(volumeSize).to.equal("100\n");
        expect(storage).to.equal(
            [
                "STORM_FQDN='storm.dev.srcnet.example.org'",
                "FLOATING_IP='203.0.113.10'",
                "ACME_EMAIL='srcnet-ops@example.org'",
                "ACME_SERVER='https://acme-staging-v02.api.letsencrypt.org/directory'",
                "",
            ].join("\n"),
        );
    });

    it("prunes storage-area files no longer listed, restarting StoRM", () => {
        expect(bundle.prune).to.deep.equal([{ directory: "/etc/storm/webdav/sa.d", suffix: ".properties", then: "restart-storm" }]);
    });

    it("names the command of every action, and every action a file or rule uses exists", () => {
        expect(bundle.actions).to.deep.equal({
            "restart-storm": ["systemctl", "try-restart", "storm-webdav.service"],
            "reload-exports": ["exportfs", "-ra"],
            certificate: ["systemctl", "restart", "--no-block", "storm-webdav-certificate.service"],
            "grow-filesystem": ["xfs_growfs", "/storage"],
        });
        expect(bundle.actions).to.equal(actions);
        const used = [...bundle.files.map((f) => f.then), ...bundle.prune.map((p) => p.then)];
        expect(used.filter((a) => a === undefined || !(a in bundle.actions))).to.deep.equal([]);
    });

    it("renders the container's environment for a container site", () => {
        const env = storageNodeBundle({ ...config, deployment: "container" }).files.find((f) => f.path === "/etc/storm/webdav/srcnet.env");
        expect(env?.content).to.equal(stormEnvironment({ fqdn: "storm.dev.srcnet.example.org", heapMb: 1024, deployment: "container" }));
    });

    it("round-trips through instance metadata", () => {
        const metadata = bundleMetadata(bundle);
        expect(readBundleMetadata(metadata)).to.deep.equal(bundle);
        expect(Object.values(metadata).every((v) => v.length <= 255)).to.equal(true);
        expect(metadata[digestKey]).to.match(/^[0-9a-f]{64}$/);
    });
});

// ---------------------------------------------------------------------------------------------
// 6. cloud-init user-data

const volumeId = "3f9c2a7e-51b4-4d0e-9c6a-8b1f2e3d4c5b";
const dummyCertificate = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUdummydummydummydummydummydummywCgYIKoZIzj0E\n-----END CERTIFICATE-----\n";
const dummyKey = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdummydummydummy\n-----END PRIVATE KEY-----\n";

function certificateFiles(source: CertificateSource, certificate = dummyCertificate): CertificateFiles {
    return source === "provided" ? { source, certificate, key: dummyKey } : { source };
}

function render(deployment: Deployment, source: CertificateSource): string {
    return userData({ hostname: "storm", fqdn, deployment, volumeId, certificate: certificateFiles(source) });
}

/** The user-data after its `#cloud-config` line, parsed. */
function cloudConfig(text: string): any {
    return parse(text.slice(text.indexOf("\n") + 1));
}

interface WriteFile {
    path: string;
    content: string;
    permissions: string;
    owner: string;
}

const filesDir = join(repoRoot, "components", "storage", "files");
const scriptSources = readdirSync(filesDir).sort();
const libexec = "/usr/local/libexec/srcnet";

const combinations: [Deployment, CertificateSource][] = [
    ["rpm", "letsencrypt"],
    ["rpm", "provided"],
    ["container", "letsencrypt"],
    ["container", "provided"],
];

describe("storage render: user-data", function () {
    this.timeout(60000);
    let dir: string;
    before(() => (dir = mkdtempSync(join(tmpdir(), "srcnet-render-userdata-"))));
    after(() => rmSync(dir, { recursive: true, force: true }));

    for (const [deployment, source] of combinations) {
        describe(`${deployment} with a ${source} certificate`, () => {
            const text = render(deployment, source);
            const config = cloudConfig(text);
            const files = config.write_files as WriteFile[];
            const fileAt = (path: string) => files.find((f) => f.path === path);

            it("starts with exactly #cloud-config and stays under the size Nova accepts", () => {
                expect(text.split("\n")[0]).to.equal("#cloud-config");
                expect(Buffer.byteLength(text)).to.be.at.most(maxUserDataBytes);
            });

            it("writes every file's content as a literal block a reviewer can read, never as one quoted line", () => {
                // A tab (or another character js-yaml will not put in a block) would turn a file into "…\n…".
                const contentLines = text.split("\n").filter((l) => /^\s+content: /.test(l));
                expect(contentLines.length).to.equal(files.length);
                for (const line of contentLines) expect(line.trim(), line).to.match(/^content: \|-?$/);
            });

            it("names the host and disables password logins", () => {
                expect(config.hostname).to.equal("storm");
                expect(config.fqdn).to.equal(fqdn);
                expect(config.ssh_pwauth).to.equal(false);
                expect(config.disable_root).to.equal(true);
            });

            it("installs the pinned storm-webdav RPM with dnf's versionlock plugin, or podman; certbot only for Let's Encrypt", () => {
                expect(config.package_upgrade).to.equal(true);
                expect(config.packages).to.deep.equal([
                    ...(deployment === "rpm" ? [`storm-webdav-${versions.stormWebdavRpm}`, "python3-dnf-plugin-versionlock"] : ["podman"]),
                    "nfs-utils",
                    "ca-policy-egi-core",
                    "fetch-crl",
                    "openssl",
                    "python3",
                    "nftables",
                    ...(source === "letsencrypt" ? ["certbot"] : []),
                ]);
            });

            it("adds EPEL and the EGI trust anchors (signed), and StoRM's repository only for the RPM", () => {
                expect(config.yum_repos).to.deep.equal({
                    epel: {
                        name: "Extra Packages for Enterprise Linux 9",
                        baseurl: repositories.epelBaseUrl,
                        metalink: repositories.epelMetalink,
                        enabled: true,
                        gpgcheck: true,
                        gpgkey: repositories.epelKey,
                    },
                    "egi-trustanchors": {
                        name: "EGI IGTF trust anchors",
                        baseurl: repositories.egiTrustAnchors,
                        enabled: true,
                        gpgcheck: true,
                        gpgkey: repositories.egiTrustAnchorsKey,
                    },
                    ...(deployment === "rpm"
                        ? { "storm-stable-el9": { name: "StoRM stable for EL9", baseurl: repositories.stormStable, enabled: true, gpgcheck: false } }
                        : {}),
                });
                expect(config.yum_repos.epel.gpgcheck).to.equal(true);
                expect(config.yum_repos["egi-trustanchors"].gpgcheck).to.equal(true);
            });

            it("formats the data volume, found by its Cinder ID, as xfs labelled storm-data, never overwriting", () => {
                expect(config.fs_setup).to.have.length(1);
                expect(config.fs_setup[0]).to.deep.include({
                    label: "storm-data",
                    filesystem: "xfs",
                    device: `/dev/disk/by-id/virtio-${volumeId.slice(0, 20)}`,
                    overwrite: false,
                });
                expect(config.fs_setup[0].device).to.equal("/dev/disk/by-id/virtio-3f9c2a7e-51b4-4d0e-9");
            });

            it("mounts the data volume by its label on /storage", () => {
                expect(config.mounts).to.deep.equal([["LABEL=storm-data", "/storage", "xfs", "defaults,nofail,x-systemd.device-timeout=60s", "0", "2"]]);
            });

            it("writes exactly these files", () => {
                const systemd = "/etc/systemd/system";
                expect(files.map((f) => [f.path, f.permissions, f.owner])).to.deep.equal([
                    ["/etc/srcnet/node.env", "0644", "root:root"],
                    ["/etc/srcnet/storm-secrets.env", "0600", "root:root"],
                    [`${libexec}/srcnet-config-sync`, "0755", "root:root"],
                    [`${libexec}/storage-node-setup`, "0755", "root:root"],
                    [`${libexec}/storm-webdav-certificate`, "0755", "root:root"],
                    [`${libexec}/storm-webdav-install-certificate`, "0755", "root:root"],
                    [`${libexec}/storm-webdav-wait-healthy`, "0755", "root:root"],
                    ["/etc/nfs.conf.d/srcnet.conf", "0644", "root:root"],
                    [`${systemd}/srcnet-config-sync.service`, "0644", "root:root"],
                    [`${systemd}/srcnet-config-sync.timer`, "0644", "root:root"],
                    [`${systemd}/storm-webdav-certificate.service`, "0644", "root:root"],
                    deployment === "rpm"
                        ? [`${systemd}/storm-webdav.service.d/srcnet.conf`, "0644", "root:root"]
                        : ["/etc/containers/systemd/storm-webdav.container", "0644", "root:root"],
                    ...(source === "letsencrypt"
                        ? [
                              [`${systemd}/storm-webdav-certificate-renew.service`, "0644", "root:root"],
                              [`${systemd}/storm-webdav-certificate-renew.timer`, "0644", "root:root"],
                          ]
                        : [
                              ["/etc/srcnet/provided/hostcert.pem", "0644", "root:root"],
                              ["/etc/srcnet/provided/hostkey.pem", "0400", "root:root"],
                          ]),
                    ["/etc/srcnet/metadata-guard.nft", "0644", "root:root"],
                    [`${systemd}/srcnet-metadata-guard.service`, "0644", "root:root"],
                    ...(deployment === "rpm" ? [["/etc/dnf/plugins/versionlock.list", "0644", "root:root"]] : []),
                ]);
                // Written before the packages, like every file: rpm keeps it over the plugin's %config(noreplace) list.
                expect(files.some((f) => "defer" in f)).to.equal(false);
                expect(fileAt("/etc/srcnet/node.env")?.content).to.equal(nodeEnv(deployment, source));
                expect(fileAt("/etc/nfs.conf.d/srcnet.conf")?.content).to.equal("[nfsd]\nvers3=n\n");
                expect(fileAt("/etc/systemd/system/srcnet-config-sync.service")?.content).to.equal(units.configSyncService);
                expect(fileAt("/etc/systemd/system/srcnet-config-sync.timer")?.content).to.equal(units.configSyncTimer);
                expect(fileAt("/etc/systemd/system/storm-webdav-certificate.service")?.content).to.equal(units.certificateService);
            });

            it("embeds every script of components/storage/files byte for byte, executable, without its extension", () => {
                expect(scriptSources).to.have.length(5);
                for (const name of scriptSources) {
                    const file = fileAt(`${libexec}/${name.slice(0, name.length - extname(name).length)}`);
                    expect(file, name).to.not.equal(undefined);
                    expect(file!.content, name).to.equal(readFileSync(join(filesDir, name), "utf8"));
                    expect(file!.permissions, name).to.equal("0755");
                }
                expect(files.filter((f) => f.permissions === "0755").map((f) => f.path)).to.have.length(scriptSources.length);
            });

            if (deployment === "rpm") {
                it("adds the drop-in to the RPM's unit and no container", () => {
                    expect(fileAt("/etc/systemd/system/storm-webdav.service.d/srcnet.conf")?.content).to.equal(units.rpmDropIn);
                    expect(fileAt("/etc/containers/systemd/storm-webdav.container")).to.equal(undefined);
                });
            } else {
                it("adds the Quadlet container with the pinned image, run as uid 2001, and no drop-in", () => {
                    const quadlet = fileAt("/etc/containers/systemd/storm-webdav.container")?.content;
                    expect(quadlet).to.equal(units.quadletContainer);
                    expect(section(quadlet!, "Container")).to.include.members([`Image=${versions.stormWebdavImage}`, "User=2001", "Group=2001"]);
                    expect(fileAt("/etc/systemd/system/storm-webdav.service.d/srcnet.conf")).to.equal(undefined);
                });
            }

            if (source === "letsencrypt") {
                it("renews the certificate with a timer, and ships no certificate", () => {
                    expect(fileAt("/etc/systemd/system/storm-webdav-certificate-renew.service")?.content).to.equal(units.renewService);
                    expect(fileAt("/etc/systemd/system/storm-webdav-certificate-renew.timer")?.content).to.equal(units.renewTimer);
                    expect(fileAt("/etc/srcnet/provided/hostcert.pem")).to.equal(undefined);
                    expect(fileAt("/etc/srcnet/provided/hostkey.pem")).to.equal(undefined);
                });
            } else {
                it("ships the provided certificate and key (0400), and no renewal", () => {
                    expect(fileAt("/etc/srcnet/provided/hostcert.pem")).to.deep.equal({ path: "/etc/srcnet/provided/hostcert.pem", content: dummyCertificate, permissions: "0644", owner: "root:root" });
                    expect(fileAt("/etc/srcnet/provided/hostkey.pem")).to.deep.equal({ path: "/etc/srcnet/provided/hostkey.pem", content: dummyKey, permissions: "0400", owner: "root:root" });
                    expect(fileAt("/etc/systemd/system/storm-webdav-certificate-renew.service")).to.equal(undefined);
                    expect(fileAt("/etc/systemd/system/storm-webdav-certificate-renew.timer")).to.equal(undefined);
                });
            }

            if (deployment === "rpm") {
                // dnf-plugins-core 4.3.0 plugins/versionlock.py: the list skips lines starting with # and
                // blank ones (:226-238); `dnf versionlock add` writes name-epoch:version-release.* (:317-319).
                it("locks storm-webdav at the version it installs, as dnf's versionlock plugin reads the lock", () => {
                    const lock = fileAt("/etc/dnf/plugins/versionlock.list"); // the plugin's locklist (versionlock.conf:3)
                    expect(lock, "the lock list").to.not.equal(undefined);
                    const entries = lock!.content.split("\n").filter((l) => !l.startsWith("#") && l.trim() !== "").map((l) => l.trim());
                    const installed = (config.packages as string[]).find((p) => p.startsWith("storm-webdav-"))!;
                    // name-version-release: the last two dashes part version and release; the spec has no Epoch.
                    const [, name, version, release] = /^(.+)-([^-]+)-([^-]+)$/.exec(installed)!;
                    expect(entries).to.deep.equal([`${name}-0:${version}-${release}.*`]);
                    expect(config.packages).to.include("python3-dnf-plugin-versionlock");
                    // What the lock admits, matched as the plugin's glob does (noarch: storm-webdav.spec:20).
                    const matches = python(
                        "import fnmatch, json, sys\nprint(json.dumps([fnmatch.fnmatchcase(n, sys.argv[1]) for n in sys.argv[2:]]))",
                        entries[0],
                        `${name}-0:${version}-${release}.noarch`,
                        `${name}-0:1.11.0-1.el9.noarch`,
                        `${name}-0:${version}-2.el9.noarch`,
                    );
                    expect(matches).to.deep.equal([true, false, false]);
                });
            }

            it("ships the secrets file StoRM's units read, holding no secret without a login", () => {
                expect(fileAt("/etc/srcnet/storm-secrets.env")?.content).to.equal("# No StoRM login is configured: no secret settings.\n");
            });

            it("runs storage-node-setup once", () => {
                expect(config.runcmd).to.deep.equal([[`${libexec}/storage-node-setup`]]);
            });

            it("has only the keys it means to set", () => {
                expect(Object.keys(config)).to.deep.equal([
                    "hostname",
                    "fqdn",
                    "ssh_pwauth",
                    "disable_root",
                    "bootcmd",
                    "fs_setup",
                    "mounts",
                    "yum_repos",
                    "package_upgrade",
                    "packages",
                    "write_files",
                    "runcmd",
                ]);
            });

            it("is valid for cloud-init's schema check", () => {
                const file = join(dir, `user-data-${deployment}-${source}.yaml`);
                writeFileSync(file, text);
                const result = spawnSync(toolPath("cloud-init"), ["schema", "--config-file", file], { encoding: "utf8" });
                expect(result.status, `${result.stdout}${result.stderr}`).to.equal(0);
                expect(result.stdout.split("\n")).to.include(`Valid cloud-config: ${file}`);
            });

            it("reads the same with cloud-init's own YAML parser (PyYAML, YAML 1.1)", () => {
                const file = join(dir, `user-data-${deployment}-${source}.pyyaml.yaml`);
                writeFileSync(file, text);
                const read = python("import json, sys, yaml\nprint(json.dumps(yaml.safe_load(open(sys.argv[1]))))", file);
                expect(read).to.deep.equal(config);
            });
        });
    }

    it("deploys storm-webdav 1.9.0 in both deployments, the newest release whose files were checked", () => {
        expect(versions.stormWebdavRpm).to.equal("1.9.0-1.el9");
        expect(versions.stormWebdavImage).to.equal("ghcr.io/italiangrid/storm-webdav:v1.9.0");
        expect(cloudConfig(render("rpm", "letsencrypt")).packages).to.include("storm-webdav-1.9.0-1.el9");
    });

    for (const deployment of ["rpm", "container"] as const) {
        it(`${deployment} with a login client: carries its secret once, in the root-only secrets file only`, () => {
            const secret = "Lq2w9XkV7mT4login";
            const text = userData({ hostname: "storm", fqdn, deployment, volumeId, certificate: certificateFiles("letsencrypt"), stormLoginSecret: secret });
            expect(text.split(secret)).to.have.length(2);
            const holding = (cloudConfig(text).write_files as WriteFile[]).filter((f) => f.content.includes(secret));
            expect(holding).to.deep.equal([
                { path: "/etc/srcnet/storm-secrets.env", content: `SPRING_SECURITY_OAUTH2_CLIENT_REGISTRATION_IAM_CLIENTSECRET=${secret}\n`, permissions: "0600", owner: "root:root" },
            ]);
            const unit = deployment === "rpm" ? units.rpmDropIn : units.quadletContainer;
            expect(section(unit, deployment === "rpm" ? "Service" : "Container")).to.include("EnvironmentFile=/etc/srcnet/storm-secrets.env");
        });
    }

    it("is limited to what Nova takes once base64-encoded (65535 bytes)", () => {
        expect(maxUserDataBytes).to.equal(46080);
        expect(Math.ceil(maxUserDataBytes / 3) * 4).to.be.at.most(65535);
    });

    it("refuses a provided certificate that makes it too large, naming the limit", () => {
        const huge = `-----BEGIN CERTIFICATE-----\n${"A".repeat(64).concat("\n").repeat(960)}-----END CERTIFICATE-----\n`;
        expect(huge.length).to.be.above(60 * 1024);
        let message = "";
        try {
            userData({ hostname: "storm", fqdn, deployment: "rpm", volumeId, certificate: certificateFiles("provided", huge) });
        } catch (e) {
            message = (e as Error).message;
        }
        const match = /^the storage node's user-data is (\d+) bytes, more than the 46080 Nova takes$/.exec(message);
        expect(match, message).to.not.equal(null);
        expect(Number(match![1])).to.be.above(60 * 1024);
    });

    it("mounts by label through cloud-init's mounts module (an fstab line LABEL=storm-data on /storage)", () => {
        // cc_mounts logs "Ignoring nonexistent named mount" for LABEL=, yet keeps the entry as written.
        const file = join(dir, "user-data-mounts.yaml");
        writeFileSync(file, render("rpm", "letsencrypt"));
        const result = python(mountsSimulation, file, join(dir, "fstab"));
        expect(result.fstab).to.equal("LABEL=storm-data\t/storage\txfs\tdefaults,nofail,x-systemd.device-timeout=60s,comment=cloudconfig\t0\t2\n");
    });

    // cloud-init documents that `partition: none` "will always write the filesystem, even when the
    // label and filesystem are matched, and overwrite is false": mkfs.xfs -f runs on every new
    // instance, so a rebuilt VM would wipe the data volume; fs_setup uses partition "auto".
    it("leaves a data volume that holds a filesystem alone, formatting only an empty one (cloud-init's disk_setup)", () => {
        const file = join(dir, "user-data-fs.yaml");
        writeFileSync(file, render("rpm", "letsencrypt"));
        const ran = python(diskSetupSimulation, file) as Record<string, string[][]>;
        expect(ran.empty, "an empty volume is formatted").to.have.length(1);
        expect(ran.empty[0][0]).to.match(/mkfs\.xfs$/);
        expect(ran.empty[0].slice(1, 3)).to.deep.equal(["-L", "storm-data"]);
        expect(ran.empty[0][ran.empty[0].length - 1]).to.equal("/dev/vdb");
        expect(ran["storm-data"], "a volume holding storm-data is kept").to.deep.equal([]);
        expect(ran.other, "a volume holding another filesystem is kept").to.deep.equal([]);
    });
});

/** cloud-init's cc_mounts.handle on the user-data, with a scratch fstab and no command run; prints the fstab. */
const mountsSimulation = [
    "import inspect, json, logging, sys, yaml",
    "from cloudinit.config import cc_mounts",
    "from cloudinit import subp, util",
    "cfg = yaml.safe_load(open(sys.argv[1]))",
    "cc_mounts.FSTAB_PATH = sys.argv[2]",
    "subp.subp = lambda *a, **k: ('', '')",
    "cc_mounts.subp.subp = subp.subp",
    "util.ensure_dir = lambda *a, **k: None",
    "class Distro:",
    "    def uses_systemd(self): return True",
    "class Cloud:",
    "    distro = Distro()",
    "    def device_name_to_device(self, name): return None",
    "args = ['mounts', cfg, Cloud(), logging.getLogger(), []]",
    "if len(inspect.signature(cc_mounts.handle).parameters) == 4: del args[3]",
    "cc_mounts.handle(*args)",
    "print(json.dumps({'fstab': open(sys.argv[2]).read()}))",
].join("\n");

/**
 * cloud-init's cc_disk_setup.mkfs on each fs_setup entry, for a volume (/dev/vdb behind its by-id
 * link) that is empty, holds xfs labelled storm-data, or holds another filesystem; prints the
 * commands it would run for each.
 */
const diskSetupSimulation = [
    "import json, sys, yaml",
    "from cloudinit.config import cc_disk_setup as ds",
    "cfg = yaml.safe_load(open(sys.argv[1]))",
    "ds.assert_and_settle_device = lambda device: None",
    "ds.os.path.realpath = lambda p: '/dev/vdb' if p.startswith('/dev/disk/by-id/') else p",
    "ds.device_type = lambda device: 'disk'",
    "ds.subp.which = lambda name: '/usr/sbin/' + name",
    "results = {}",
    "for state, fs in {'empty': None, 'storm-data': ('storm-data', 'xfs'), 'other': ('backup', 'ext4')}.items():",
    "    ran = []",
    "    ds.check_fs = lambda device, fs=fs: (fs[0], fs[1], 'uuid') if fs else (None, None, None)",
    "    def enumerate_disk(device, nodeps=False, fs=fs):",
    "        yield {'name': device.split('/')[-1], 'type': 'disk', 'fstype': fs[1] if fs else None, 'label': fs[0] if fs else None}",
    "    ds.enumerate_disk = enumerate_disk",
    "    ds.subp.subp = lambda cmd, ran=ran, **k: (ran.append(cmd), ('', ''))[1]",
    "    for entry in cfg['fs_setup']:",
    "        ds.mkfs(dict(entry))",
    "    results[state] = ran",
    "print(json.dumps(results))",
].join("\n");

// ---------------------------------------------------------------------------------------------
// 7. systemd units

describe("storage render: systemd units", () => {
    const gate = [
        "Wants=storm-webdav-certificate.service network-online.target",
        "After=storm-webdav-certificate.service network-online.target",
        "Requires=srcnet-metadata-guard.service",
        "After=srcnet-metadata-guard.service",
        "RequiresMountsFor=/storage",
        "ConditionPathExists=/etc/grid-security/storm-webdav/hostcert.pem",
        "ConditionPathExists=/etc/grid-security/storm-webdav/hostkey.pem",
    ];

    it("the RPM's drop-in: our environment file, started only with the host certificate and key and /storage", () => {
        expect(units.rpmDropIn).to.equal(
            [
                "[Unit]",
                ...gate,
                "",
                "[Service]",
                "EnvironmentFile=/etc/storm/webdav/srcnet.env",
                "EnvironmentFile=/etc/srcnet/storm-secrets.env",
                "StandardOutput=journal",
                "StandardError=journal",
                "",
            ].join("\n"),
        );
    });

    it("the Quadlet container: pinned image, host network, uid 2001, read-only config, the same gate", () => {
        expect(units.quadletContainer).to.equal(
            [
                "[Unit]",
                "Description=StoRM-WebDAV (container)",
                ...gate,
                "",
                "[Container]",
                "ContainerName=storm-webdav",
                `Image=${versions.stormWebdavImage}`,
                "Network=host",
                "User=2001",
                "Group=2001",
                "EnvironmentFile=/etc/storm/webdav/srcnet.env",
                "EnvironmentFile=/etc/srcnet/storm-secrets.env",
                "Volume=/etc/storm/webdav:/etc/storm/webdav:ro",
                "Volume=/etc/grid-security:/etc/grid-security:ro",
                "Volume=/storage:/storage",
                "SecurityLabelDisable=true",
                "",
                "[Service]",
                "Restart=always",
                "TimeoutStartSec=900",
                "",
                "[Install]",
                "WantedBy=multi-user.target",
                "",
            ].join("\n"),
        );
        expect(versions.stormWebdavImage).to.equal("ghcr.io/italiangrid/storm-webdav:v1.9.0");
    });

    for (const [name, unit] of [
        ["the RPM's drop-in", units.rpmDropIn],
        ["the Quadlet container", units.quadletContainer],
    ] as const) {
        it(`${name} gates on the host certificate and key and requires the /storage mount`, () => {
            expect(section(unit, "Unit")).to.include.members([
                "ConditionPathExists=/etc/grid-security/storm-webdav/hostcert.pem",
                "ConditionPathExists=/etc/grid-security/storm-webdav/hostkey.pem",
                "RequiresMountsFor=/storage",
            ]);
        });
    }

    it("the certificate service: a oneshot that keeps trying until it succeeds", () => {
        expect(units.certificateService).to.equal(
            [
                "[Unit]",
                "Description=Host certificate of StoRM-WebDAV: obtain or check it, and install it",
                "Wants=network-online.target",
                "After=network-online.target",
                "RequiresMountsFor=/storage",
                "",
                "[Service]",
                "Type=oneshot",
                "RemainAfterExit=yes",
                "ExecStart=/usr/local/libexec/srcnet/storm-webdav-certificate",
                "Restart=on-failure",
                "RestartSec=60",
                "",
                "[Install]",
                "WantedBy=multi-user.target",
                "",
            ].join("\n"),
        );
        expect(section(units.certificateService, "Service")).to.include.members(["Restart=on-failure", "RestartSec=60"]);
    });

    // storm-webdav is ordered After= the certificate service, whose ExecStart runs the installer; a
    // synchronous `systemctl restart storm-webdav.service` there waits for a start job that waits for
    // the still-running oneshot (no start timeout): a deadlock, which --no-block avoids.
    it("the certificate installer does not wait on a restart that waits on the certificate service", () => {
        const orderedAfter = [units.rpmDropIn, units.quadletContainer].some((unit) =>
            section(unit, "Unit").some((l) => l.startsWith("After=") && l.slice("After=".length).split(" ").includes("storm-webdav-certificate.service")),
        );
        const installer = readFileSync(join(filesDir, "storm-webdav-install-certificate.sh"), "utf8");
        const restarts = installer.split("\n").filter((l) => /\bsystemctl\b.*\brestart\b.*\bstorm-webdav\.service\b/.test(l));
        expect(orderedAfter).to.equal(true);
        expect(restarts).to.have.length.above(0);
        for (const line of restarts) expect(line).to.match(/--no-block/);
    });
});

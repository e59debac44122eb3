// The site the smoke checks' tests check: the dev site under another name and domain, its IAM and
// ports where the tests' servers are, and its stack outputs as SrcSite would export them for
// those servers (every hostname at 127.0.0.1).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { deriveSite, type SiteModel } from "../../config/derive";
import { secretKeyNames } from "../../config/secrets";
import { validateStackConfig } from "../../config/validate";
import { yamlText } from "../../components/yaml-text";
import { keysWith, siteOf } from "../harness";

export const domain = "smoke.srcnet.example.org";
export const host = { storm: `storm.${domain}`, jupyter: `jupyter.${domain}`, rucio: `rucio.${domain}`, rucioWebui: `rucio-ui.${domain}` } as const;
export const checksClient = { clientId: "smoke-checks", clientSecret: "smoke checks+secret/value" };
/** The RSE's storage area, as the site below has it. */
export const area = "data";
/** The test site's RSE as the stack registered it: storage.rse with a test site's suffix. */
export const rseName = "SMOKE_STORM_T3ST42";

/** The site object: dev's, renamed, with its IAM at `issuer` and the checks client. */
export function smokeSite(issuer: string, change: (site: any) => void = () => undefined): any {
    const site = siteOf("dev");
    site.name = "smoke";
    site.domain = domain;
    site.iam.issuer = issuer;
    site.iam.trustedIssuers = [];
    site.storage.rse = "SMOKE_STORM";
    site.storage.storageAreas = [{ name: area, quotaGb: 80 }];
    site.checks = { clientId: checksClient.clientId };
    change(site);
    return site;
}

export function modelOf(site: unknown): SiteModel {
    const v = validateStackConfig({ site, keys: keysWith(secretKeyNames) });
    if (!v.ok) throw new Error(`the test site is not valid: ${JSON.stringify(v.problems)}`);
    return deriveSite(v.site);
}

/** A stack file for the site in `dir`; `secure:` values that no provider can decrypt, as the committed stacks have. */
export function writeStackFile(dir: string, site: unknown, opts: { checksSecretInStack?: boolean } = {}): string {
    const config: Record<string, unknown> = {
        "srcnet-site:site": site,
        "srcnet-site:iamAdminClientSecret": { secure: "v1:ZXhhbXBsZQ==:c21va2UtdGVzdA==" },
        ...(opts.checksSecretInStack ? { "srcnet-site:checksClientSecret": { secure: "v1:ZXhhbXBsZQ==:c21va2UtY2hlY2tz" } } : {}),
    };
    const file = join(dir, "Pulumi.smoke.yaml");
    writeFileSync(file, yamlText({ config }));
    return file;
}

export interface Ports {
    readonly storm: number;
    /** The ingress: JupyterHub, Rucio and its web UI. */
    readonly rucio: number;
    readonly jupyter?: number;
}

/** The stack outputs of the site (components/site/index.ts stackOutputs), its services on loopback. */
export function smokeOutputs(ports: Ports, change: (outputs: any) => void = () => undefined): any {
    const outputs: any = {
        site: "smoke",
        environment: "test",
        hostnames: { ...host },
        dnsRecords: [host.storm, ...(ports.jupyter ? [host.jupyter] : []), host.rucio, host.rucioWebui].map((h) => `${h}. 300 IN A 127.0.0.1`),
        storage: {
            fqdn: host.storm,
            floatingIp: "127.0.0.1",
            fixedIp: "127.0.0.1",
            webdavUrl: `davs://${host.storm}:${ports.storm}`,
            healthUrl: "http://127.0.0.1:8085/.storm-webdav/actuator/health",
            areas: [{ name: area, url: `davs://${host.storm}:${ports.storm}/${area}`, rucio: { prefix: `/${area}/`, oidcBasePath: `/${area}` } }],
        },
        rse: { name: rseName, protocol: { scheme: "davs", hostname: host.storm, port: ports.storm, prefix: `/${area}/` }, oidcBasePath: `/${area}` },
        rucio: { mode: "deploy", serverUrl: `https://${host.rucio}:${ports.rucio}`, authUrl: `https://${host.rucio}:${ports.rucio}`, namespace: "rucio" },
        ...(ports.jupyter ? { jupyterhub: { url: `https://${host.jupyter}:${ports.jupyter}`, namespace: "jupyterhub" } } : {}),
        identity: { registration: "admin", clientIds: { jupyterhub: "smoke-jupyterhub", tokenExchange: "smoke-token-exchange", rucio: "smoke-rucio" } },
    };
    change(outputs);
    return outputs;
}

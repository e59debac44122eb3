// What the checks of one site look for, as data: derived from the site model (the stack's config,
// validated and derived as pulumi up does it) and the stack outputs (what pulumi up made). Every
// expected value comes from the program's own functions: the RSE from planRse, the CAs a client
// of Rucio trusts from rucioCaCertificates, IAM's endpoints from iamEndpoints, the hub's callback
// from hubOauthCallback. Pure, so what is checked is tested without a server.
import type { SiteModel } from "../../config/derive";
import { acmeRoots } from "../../components/certs/render/issuers";
import { iamEndpoints } from "../../components/identity/iam-endpoints";
import { notebookExchangeScopes } from "../../components/identity/plan";
import { hubOauthCallback } from "../../components/jupyterhub/plan";
import { planRse } from "../../components/rucio/plan";
import { rucioAudience, rucioExpectedScopes } from "../../components/rucio/render/server-config";
import type { RseSpec } from "../../components/rucio/rse-registration";
import { rucioCaCertificates, suffixesRseName } from "../../components/site/rucio-args";
import { healthPath } from "../../components/storage/render/paths";
import type { SiteOutputs } from "../site-access/outputs";

export interface TlsEndpoint {
    /** The service, as outputs.hostnames names it (rucioAuth for a separate auth server). */
    readonly service: string;
    readonly host: string;
    readonly port: number;
    /** CA certificates trusted besides the public roots. */
    readonly ca: readonly string[];
}

export interface TokenPlan {
    readonly tokenUrl: string;
    readonly clientId: string;
    readonly scope: string;
    readonly audience?: string;
    readonly ca: readonly string[];
}

export interface StoragePlan {
    /** https://<StoRM host>:<port>: where davs:// URLs are served. */
    readonly base: string;
    readonly healthUrl: string;
    /** The RSE's storage area, with a trailing slash: the protocol's prefix under base. */
    readonly areaUrl: string;
    /** The area lets anyone read (storage.storageAreas[].anonymousRead): an anonymous read is then no fault. */
    readonly anonymousRead: boolean;
    readonly ca: readonly string[];
}

export interface RucioPlan {
    readonly serverUrl: string;
    readonly ca: readonly string[];
    /** What the registration makes Rucio hold, under the name the stack registered (outputs.rse.name). */
    readonly expected: RseSpec;
    /** The name planRse gives; a test site's registered name adds a suffix to it. */
    readonly plannedName: string;
    readonly suffixed: boolean;
    readonly account?: string;
}

export interface HubPlan {
    readonly url: string;
    readonly ca: readonly string[];
    /** IAM's authorization endpoint, where the login must send the browser. */
    readonly authorize: string;
    readonly clientId?: string;
    /** The callback the identity part registered for the login client. */
    readonly callback: string;
}

export interface SmokePlan {
    readonly site: string;
    readonly environment: string;
    readonly production: boolean;
    readonly endpoints: readonly TlsEndpoint[];
    /** Without site.checks, no token: the checks that need one are skipped. */
    readonly token?: TokenPlan;
    readonly storage: StoragePlan;
    readonly rucio: RucioPlan;
    readonly jupyterhub?: HubPlan;
}

/** The RSE's storage scopes, as the notebooks' tokens carry them (identity/plan.ts). */
const storageScopes = notebookExchangeScopes.filter((s) => s.startsWith("storage."));

const unique = (items: readonly string[]) => [...new Set(items)];

/**
 * The token's scope and audience when site.checks does not say: the storage's scopes, and what
 * the site's Rucio expects of a token. The site's own Rucio expects Rucio's defaults, openid
 * profile and audience rucio (components/rucio/render/server-config.ts); a central Rucio expects
 * what the registration's IAM login asks for when it names it (rucio.auth.scope and audience),
 * else, the config knowing nothing else of it, Rucio's defaults too: without them, a Rucio that
 * checks them (every one: rucio@40.4.1:lib/rucio/core/oidc.py:65-66) refuses the token.
 */
export function tokenRequestOf(model: SiteModel): { scope: string; audience?: string } {
    const r = model.config.rucio;
    const checks = model.config.checks;
    const externalOidc = r.mode === "external" && r.auth.method === "oidc" ? r.auth : undefined;
    const loginScopes = externalOidc?.scope?.split(/\s+/).filter(Boolean) ?? [];
    const rucioScopes = loginScopes.length > 0 ? loginScopes : rucioExpectedScopes;
    return {
        scope: checks?.scope ?? unique([...rucioScopes, ...storageScopes]).join(" "),
        audience: checks?.audience ?? externalOidc?.audience ?? rucioAudience,
    };
}

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
    const u = new URL(url);
    return { host: u.hostname.replace(/^\[|\]$/g, ""), port: u.port ? Number(u.port) : defaultPort };
}

export function smokePlan(model: SiteModel, outputs: SiteOutputs, extraCa: readonly string[] = []): SmokePlan {
    // The outputs are the site's: loadOutputs (tools/site-access/outputs.ts) checked it.
    const config = model.config;
    const acme = acmeRoots(model.acme.server);
    const withCa = (...lists: readonly (readonly string[] | undefined)[]) => unique([...extraCa, ...lists.flatMap((l) => l ?? [])]);
    const stormCa = withCa(config.certificates.storm === "letsencrypt" ? acme : []);
    const ingressCa = withCa(acme);
    const rucioCa = withCa(rucioCaCertificates(model));

    const storm = hostPort(outputs.storage.webdavUrl.replace(/^davs:/, "https:"), 443);
    const endpoints: TlsEndpoint[] = [{ service: "storm", ...storm, ca: stormCa }];
    if (outputs.jupyterhub) endpoints.push({ service: "jupyter", ...hostPort(outputs.jupyterhub.url, 443), ca: ingressCa });
    const rucioServer = hostPort(outputs.rucio.serverUrl, 443);
    endpoints.push({ service: "rucio", ...rucioServer, ca: rucioCa });
    if (outputs.rucio.authUrl && outputs.rucio.authUrl !== outputs.rucio.serverUrl) endpoints.push({ service: "rucioAuth", ...hostPort(outputs.rucio.authUrl, 443), ca: rucioCa });
    // The web UI is behind the same ingress as the server (ingressValues in components/rucio/render/charts.ts): the same port.
    if (config.rucio.mode === "deploy" && outputs.hostnames.rucioWebui) endpoints.push({ service: "rucioWebui", host: outputs.hostnames.rucioWebui, port: rucioServer.port, ca: ingressCa });

    const p = outputs.rse.protocol;
    const base = `https://${p.hostname}:${p.port}`;
    const planned = planRse(model);
    const checks = config.checks;
    const request = tokenRequestOf(model);
    return {
        site: model.name,
        environment: outputs.environment,
        production: outputs.environment === "production",
        endpoints,
        token: checks
            ? { tokenUrl: iamEndpoints(config.iam.issuer).token, clientId: checks.clientId, scope: request.scope, audience: request.audience, ca: rucioCa }
            : undefined,
        storage: { base, healthUrl: `${base}${healthPath}`, areaUrl: `${base}${p.prefix.endsWith("/") ? p.prefix : `${p.prefix}/`}`, anonymousRead: model.storage.rse.area.anonymousRead, ca: stormCa },
        rucio: {
            serverUrl: outputs.rucio.serverUrl.replace(/\/+$/, ""),
            ca: rucioCa,
            expected: { ...planned, name: outputs.rse.name },
            plannedName: planned.name,
            // SiteRucio: a test site's RSE is registered as <storage.rse>_<6 characters>.
            suffixed: suffixesRseName(model),
            account: checks?.rucioAccount,
        },
        jupyterhub: outputs.jupyterhub
            ? {
                  url: outputs.jupyterhub.url.replace(/\/+$/, ""),
                  ca: ingressCa,
                  authorize: iamEndpoints(config.iam.issuer).authorize,
                  clientId: outputs.identity?.clientIds.jupyterhub,
                  callback: hubOauthCallback(outputs.jupyterhub.url.replace(/\/+$/, "")),
              }
            : undefined,
    };
}

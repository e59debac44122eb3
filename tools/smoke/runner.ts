// Runs every check family of a site in order: DNS, TLS, the token, the storage, Rucio, JupyterHub.
// A check whose prerequisite failed is skipped with the reason; the failure itself is already a line.
import { redact } from "../../components/rucio/rucio-api";
import { dnsChecks } from "./dns";
import { jupyterhubChecks } from "./jupyterhub";
import type { DnsResolver, Network } from "./net";
import type { SmokePlan } from "./plan";
import { fail, pass, skip, timed, type CheckResult, type SmokeReport } from "./result";
import { rucioChecks } from "./rucio";
import type { SiteOutputs } from "../site-access/outputs";
import { storageChecks } from "./storage";
import { tlsChecks } from "./tls";
import { clientCredentialsToken } from "./token";

export interface SmokeInput {
    readonly plan: SmokePlan;
    readonly outputs: Pick<SiteOutputs, "hostnames" | "dnsRecords">;
    /** The checks client's secret; undefined when the site has no site.checks. */
    readonly clientSecret?: string;
    /** A certificate that ends sooner is a fault. */
    readonly minDays: number;
    readonly now?: Date;
}

export interface SmokeDeps {
    /** Asked by the DNS checks. */
    readonly resolver: DnsResolver;
    /** How connections find their addresses (the system's, or the same resolver). */
    readonly net: Network;
}

export async function runSmoke(input: SmokeInput, deps: SmokeDeps): Promise<SmokeReport> {
    const { plan } = input;
    const now = input.now ?? new Date();
    const results: CheckResult[] = [];
    results.push(...(await dnsChecks(input.outputs, deps.resolver)));
    results.push(...(await tlsChecks(plan.endpoints, deps.net, { production: plan.production, minDays: input.minDays, now })));

    let token: string | undefined;
    let noToken = "no site.checks in the config: no IAM client to get a token with";
    if (plan.token) {
        const t = plan.token;
        if (input.clientSecret === undefined) {
            noToken = "no token: the checks client's secret is not set";
            results.push(fail("iam", "token", t.tokenUrl, "no secret for the checks client: set SRCNET_CHECKS_CLIENT_SECRET or pulumi config set --secret checksClientSecret"));
        } else {
            const secret = input.clientSecret;
            const r = await timed("iam", "token", t.tokenUrl, async () => {
                const issued = await clientCredentialsToken(t, secret, deps.net);
                token = issued.token;
                return pass("iam", "token", t.tokenUrl, `client ${t.clientId}, scope ${issued.scope ?? t.scope}${t.audience ? `, audience ${t.audience}` : ""}`);
            });
            results.push(r);
            if (!token) noToken = "no token: IAM did not give one";
        }
    } else {
        results.push(skip("iam", "token", "site.checks", noToken));
    }

    results.push(...(await storageChecks({ plan: plan.storage, net: deps.net, token, noToken })));
    results.push(...(await rucioChecks({ plan: plan.rucio, net: deps.net, token, noToken })));
    if (plan.jupyterhub) results.push(...(await jupyterhubChecks(plan.jupyterhub, deps.net)));
    else results.push(skip("jupyterhub", "api", "jupyterhub", "the site runs no JupyterHub"));

    // Belt and braces: no line carries the secret or the token, whatever a server echoed.
    const secrets = [input.clientSecret, token].filter((s): s is string => !!s);
    return { site: plan.site, environment: plan.environment, results: results.map((r) => ({ ...r, detail: redact(r.detail, secrets), target: redact(r.target, secrets) })) };
}

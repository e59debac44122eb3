// Rucio: the server answers /ping, takes the checks' IAM token, and holds the RSE as the site's
// plan says (planRse, under the name the stack registered). The comparison is the registration's
// own (planRseOps in components/rucio/rse-drift.ts): any operation it would run to mend Rucio is a
// difference, and its reason is the check's message.
//
// The token goes to Rucio as X-Rucio-Auth-Token, which is the only header Rucio reads a token from
// (rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/common.py:148-162). Rucio takes a JWT it does not
// know (rucio@40.4.1:lib/rucio/core/authentication.py:520-531), validates it against its IAM,
// checks its scope and audience, and maps "SUB=<sub>, ISS=<iss>" to an account
// (validate_jwt and oidc_identity_string, rucio@40.4.1:lib/rucio/core/oidc.py:933-1010);
// /accounts/whoami answers with a redirect to that account (accountOfWhoami in
// components/rucio/rucio-api.ts). /ping answers {"version": ...} (rucio@40.4.1:.../v1/ping.py:44-69).
// The RSE is read as the registration reads it (observeRse, through a session that sends the
// checks' token), one attempt a request like every check's.
import { isRegisteredRseName } from "../../components/rucio";
import { planRseOps, type ObservedRse, type RseOp } from "../../components/rucio/rse-drift";
import { headerOf } from "../../components/http/retrying-request";
import { accountOfWhoami, bearerSession, describeError, jwtIdentity, redact, rucioErrorOf } from "../../components/rucio/rucio-api";
import { observeRse, type RseSpec } from "../../components/rucio/rse-registration";
import type { RucioPlan } from "./plan";
import { jsonField, probe, singleAttempt, type Network } from "./net";
import { fail, pass, skipAll, timed, type CheckResult } from "./result";

export interface RucioRun {
    readonly plan: RucioPlan;
    readonly net: Network;
    readonly token?: string;
    readonly noToken: string;
}

type OpKind = "rse" | "protocol" | "attributes";

/** The checks of the RSE, one per part. */
const rseParts: readonly OpKind[] = ["rse", "protocol", "attributes"];

const kindOf = (op: RseOp): OpKind | undefined =>
    op.op === "updateRse" ? "rse" : op.op.endsWith("Protocol") ? "protocol" : op.op.endsWith("Attribute") ? "attributes" : undefined;

/** The differences between what Rucio holds and the spec, by part, as the registration would name them. Pure. */
export function rseDifferences(want: RseSpec, have: ObservedRse): Record<OpKind, string[]> {
    // Only the RSE, its protocol and its attributes are read here: distances and accounts are left out of both sides.
    const ops = planRseOps({ ...want, peers: [], accounts: [] }, { ...have, distances: [], accounts: [] });
    const out: Record<OpKind, string[]> = { rse: [], protocol: [], attributes: [] };
    for (const { op, why } of ops) {
        const kind = kindOf(op);
        if (kind) out[kind].push(why);
    }
    return out;
}

/** Whether the registered name is the planned one (with a test site's suffix, SiteRucio in components/rucio/index.ts). */
export function registeredNameProblem(plan: Pick<RucioPlan, "expected" | "plannedName" | "suffixed">): string | undefined {
    const name = plan.expected.name;
    const ok = isRegisteredRseName(plan.plannedName, name, plan.suffixed);
    if (ok) return undefined;
    return `outputs.rse.name ${name} is not the planned ${plan.suffixed ? `${plan.plannedName}_<6 characters> of a test site` : plan.plannedName}`;
}

export async function rucioChecks(run: RucioRun): Promise<CheckResult[]> {
    const { plan, net, token } = run;
    const results: CheckResult[] = [];
    const secrets = token ? [token] : [];
    const get = (path: string, headers: Record<string, string> = {}) => probe(net, { method: "GET", url: `${plan.serverUrl}${path}`, headers: { accept: "application/json", ...headers }, ca: plan.ca });
    const withToken = (path: string) => get(path, { "x-rucio-auth-token": token! });
    const errorOf = (a: Awaited<ReturnType<typeof get>>) => describeError(rucioErrorOf(a, secrets));
    const check = async (check: string, target: string, f: () => Promise<CheckResult>) => {
        const r = await timed("rucio", check, target, f);
        results.push({ ...r, detail: redact(r.detail, secrets) });
        return r.status === "pass";
    };

    const pingUrl = `${plan.serverUrl}/ping`;
    await check("ping", pingUrl, async () => {
        const a = await get("/ping");
        const version = jsonField(a, "version");
        return a.status === 200 && typeof version === "string" ? pass("rucio", "ping", pingUrl, `Rucio ${version}`) : fail("rucio", "ping", pingUrl, `HTTP ${a.status}${typeof version === "string" ? "" : ", not Rucio's ping answer"}`);
    });

    const rse = plan.expected.name;
    const rseTarget = `${plan.serverUrl}/rses/${rse}`;
    const whoamiUrl = `${plan.serverUrl}/accounts/whoami`;
    if (!token) {
        results.push(...skipAll("rucio", ["whoami"], whoamiUrl, run.noToken), ...skipAll("rucio", rseParts, rseTarget, run.noToken));
        return results;
    }
    const loggedIn = await check("whoami", whoamiUrl, async () => {
        const target = whoamiUrl;
        const a = await withToken("/accounts/whoami");
        const identity = jwtIdentity(token) ?? "the token's identity";
        if (a.status === 401) return fail("rucio", "whoami", target, `Rucio refused the IAM token: HTTP 401 ${errorOf(a)}; Rucio must trust its issuer, expect its scope and audience, and map ${identity} to an account`);
        if (a.status !== 302 && a.status !== 303) return fail("rucio", "whoami", target, `HTTP ${a.status}${errorOf(a) ? ` ${errorOf(a)}` : ""}, not a redirect to the token's account`);
        const account = accountOfWhoami(headerOf(a, "location"));
        if (!account) return fail("rucio", "whoami", target, "the redirect names no account");
        if (plan.account && account !== plan.account) return fail("rucio", "whoami", target, `Rucio maps ${identity} to account ${account}, not ${plan.account} (site.checks.rucioAccount)`);
        return pass("rucio", "whoami", target, `account ${account} (${identity})`);
    });
    if (!loggedIn) {
        results.push(...skipAll("rucio", rseParts, rseTarget, "Rucio did not take the token"));
        return results;
    }

    // The differences of the RSE Rucio holds, once read: its protocol and attributes are lines of their own.
    let diffs: Record<OpKind, string[]> | undefined;
    await check("rse", rseTarget, async () => {
        const session = bearerSession({ serverUrl: plan.serverUrl, authUrl: plan.serverUrl, caCertificates: plan.ca }, token, singleAttempt(net), net.lookup);
        // Only the RSE, its protocol and its attributes: no peers' distances, no accounts.
        const observed = await observeRse(session, rse, [{ ...plan.expected, peers: [], accounts: [] }]);
        if (!observed) return fail("rucio", "rse", rseTarget, `Rucio has no RSE ${rse}: RSENotFound`);
        diffs = rseDifferences(plan.expected, observed);
        const problems = [...diffs.rse];
        const nameProblem = registeredNameProblem(plan);
        if (nameProblem) problems.unshift(nameProblem);
        return problems.length > 0 ? fail("rucio", "rse", rseTarget, problems.join("; ")) : pass("rucio", "rse", rseTarget, `${observed.rseType}, deterministic ${observed.deterministic}`);
    });
    if (diffs) results.push(...partResults(plan, diffs));
    else results.push(...skipAll("rucio", ["protocol", "attributes"], rseTarget, "the RSE could not be read"));
    return results;
}

function partResults(plan: RucioPlan, diffs: Record<OpKind, string[]>): CheckResult[] {
    const p = plan.expected.protocol;
    const where = `${plan.serverUrl}/rses/${plan.expected.name}`;
    return [
        diffs.protocol.length > 0
            ? fail("rucio", "protocol", `${where}/protocols`, diffs.protocol.join("; "))
            : pass("rucio", "protocol", `${where}/protocols`, `${p.scheme}://${p.hostname}:${p.port}${p.prefix} (${p.impl})`),
        diffs.attributes.length > 0
            ? fail("rucio", "attributes", `${where}/attr/`, diffs.attributes.join("; "))
            : pass("rucio", "attributes", `${where}/attr/`, Object.keys(plan.expected.attributes).sort().join(", ")),
    ];
}

// JupyterHub: its REST API answers, and its login sends the browser to the site's IAM.
//
// GET /hub/api/ answers {"version": ...} to anyone (jupyterhub@5.5.0, the release the site's chart
// runs: jupyterhub/apihandlers/hub.py:69-76, routed at :111). The hub's authenticator is oauthenticator's (components/jupyterhub/hub/srcnet_iam_auth.py,
// a GenericOAuthenticator): its login URL is <hub>/hub/oauth_login
// (oauthenticator@17.4.0:oauthenticator/oauth2.py:914-915, the handler at :938-941), which
// redirects to authorize_url with response_type code, client_id, redirect_uri and the state
// (OAuthLoginHandler.get, :123-151); the site sets authorize_url to IAM's authorize endpoint
// (components/jupyterhub/render/hub-auth.ts, components/identity/iam-endpoints.ts).
import { headerOf } from "../../components/http/retrying-request";
import type { HubPlan } from "./plan";
import { jsonField, probe, type Network } from "./net";
import { fail, pass, timed, type CheckResult } from "./result";

/** What is wrong with where the login sends the browser: nothing when it is the site's IAM. Pure. */
export function loginProblems(plan: Pick<HubPlan, "authorize" | "clientId">, status: number, location: string | undefined): string[] {
    if (status !== 302 && status !== 303) return [`HTTP ${status}, not a redirect to IAM`];
    if (!location) return ["a redirect without a Location"];
    if (!location.startsWith(`${plan.authorize}?`)) return [`redirects to ${location.split("?")[0]}, not to the site IAM's ${plan.authorize}`];
    const query = new URL(location).searchParams;
    const problems: string[] = [];
    if (query.get("response_type") !== "code") problems.push(`asks for response_type ${JSON.stringify(query.get("response_type"))}, not code`);
    if (plan.clientId && query.get("client_id") !== plan.clientId) problems.push(`logs in as client ${JSON.stringify(query.get("client_id"))}, not the site's ${plan.clientId}`);
    return problems;
}

export async function jupyterhubChecks(plan: HubPlan, net: Network): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    const api = `${plan.url}/hub/api/`;
    results.push(
        await timed("jupyterhub", "api", api, async () => {
            const a = await probe(net, { method: "GET", url: api, headers: { accept: "application/json" }, ca: plan.ca });
            const version = jsonField(a, "version");
            return a.status === 200 && typeof version === "string" ? pass("jupyterhub", "api", api, `JupyterHub ${version}`) : fail("jupyterhub", "api", api, `HTTP ${a.status}${typeof version === "string" ? "" : ", not JupyterHub's API answer"}`);
        }),
    );
    const login = `${plan.url}/hub/oauth_login`;
    results.push(
        await timed("jupyterhub", "login", login, async () => {
            const a = await probe(net, { method: "GET", url: login, ca: plan.ca });
            const location = headerOf(a, "location");
            const problems = loginProblems(plan, a.status, location);
            if (problems.length > 0) return fail("jupyterhub", "login", login, problems.join("; "));
            const query = new URL(location!).searchParams;
            const back = query.get("redirect_uri");
            // The callback IAM sends the browser back to must be the registered one (IAM compares it exactly).
            const note = back === plan.callback ? "" : ` (redirect_uri ${back}, the identity part registers ${plan.callback})`;
            return pass("jupyterhub", "login", login, `to ${plan.authorize} as client ${query.get("client_id")}${note}`);
        }),
    );
    return results;
}

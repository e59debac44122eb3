// The JupyterHub checks against Debian's real JupyterHub with the site's authenticator, configured
// by hubAuthConfig as the chart's hub is (test/jupyterhub/hub-process.ts), behind a TLS front for
// the site's hub name: one whose login goes to the site's IAM, and one whose login goes elsewhere.
import { expect } from "chai";
import { Resolver } from "node:dns/promises";
import { notebookExchangeScopes } from "../components/identity/plan";
import { defaultTokenTiming } from "../components/jupyterhub/render/hub-auth";
import { jupyterhubChecks } from "../tools/smoke/jupyterhub";
import { lookupVia, type Network } from "../tools/smoke/net";
import { readOutputs } from "../tools/site-access/outputs";
import { smokePlan, type HubPlan } from "../tools/smoke/plan";
import type { CheckResult } from "../tools/smoke/result";
import { startHub, type RunningHub } from "./jupyterhub/hub-process";
import { TestCa } from "./smoke/certs";
import { startDnsServer, type DnsServer } from "./smoke/dns-server";
import { host, modelOf, smokeOutputs, smokeSite } from "./smoke/site";
import { startTlsFront, type TlsFront } from "./smoke/tls-front";

const issuer = "https://iam.smoke.srcnet.example.org/";
const statuses = (results: readonly CheckResult[]) => results.map((r) => `${r.name} ${r.status}`);

function hubFor(iamIssuer: string): Promise<RunningHub> {
    return startHub({
        auth: { issuer: iamIssuer, loginClientId: "smoke-jupyterhub", exchangeClientId: "smoke-token-exchange", exchangeScopes: notebookExchangeScopes, audience: "rucio", allowedGroups: [], admins: [] },
        timing: defaultTokenTiming,
        loginClientSecret: "smoke login secret",
        exchangeClientSecret: "smoke exchange secret",
    });
}

describe("smoke checks: JupyterHub", function () {
    this.timeout(120_000);
    let ca: TestCa;
    let dns: DnsServer;
    let net: Network;
    const hubs: RunningHub[] = [];
    const fronts: TlsFront[] = [];

    /** The hub as the site's checks see it: https://jupyter.<domain>:<front port>. */
    async function planFor(hub: RunningHub): Promise<HubPlan> {
        const front = await startTlsFront(ca.issue([host.jupyter]), () => hub.url);
        fronts.push(front);
        return smokePlan(modelOf(smokeSite(issuer)), readOutputs(smokeOutputs({ storm: 8443, rucio: 443, jupyter: front.port })), [ca.pem]).jupyterhub!;
    }

    before(async () => {
        ca = new TestCa("srcnet-site smoke hub CA");
        dns = await startDnsServer({ [host.jupyter]: ["127.0.0.1"] });
        const resolver = new Resolver({ timeout: 2000, tries: 1 });
        resolver.setServers([dns.address]);
        net = { lookup: lookupVia(resolver), timeoutMs: 10_000 };
        hubs.push(...(await Promise.all([hubFor(issuer), hubFor("https://iam.elsewhere.example.org/")])));
    });
    after(async () => {
        await Promise.all(fronts.map((f) => f.stop()));
        await Promise.all(hubs.map((h) => h.stop()));
        await dns?.stop();
        ca?.dispose();
    });

    it("passes a hub whose API answers and whose login sends the browser to the site IAM's authorize endpoint as the site's client", async () => {
        const plan = await planFor(hubs[0]);
        const results = await jupyterhubChecks(plan, net);
        expect(statuses(results)).to.deep.equal(["api pass", "login pass"]);
        expect(results[0].detail).to.match(/^JupyterHub \d+\.\d+\.\d+/);
        // This hub's callback is its loopback address; a callback other than the registered one is named, not failed.
        expect(results[1].detail).to.equal(`to https://iam.smoke.srcnet.example.org/authorize as client smoke-jupyterhub (redirect_uri ${hubs[0].url}/hub/oauth_callback, the identity part registers ${plan.callback})`);
    });

    it("fails a hub whose login sends the browser to another IAM", async () => {
        const plan = await planFor(hubs[1]);
        const results = await jupyterhubChecks(plan, net);
        expect(statuses(results)).to.deep.equal(["api pass", "login fail"]);
        expect(results[1].detail).to.equal("redirects to https://iam.elsewhere.example.org/authorize, not to the site IAM's https://iam.smoke.srcnet.example.org/authorize");
    });

    it("fails a hub that logs in as another client than the site registered", async () => {
        const plan = await planFor(hubs[0]);
        const results = await jupyterhubChecks({ ...plan, clientId: "someone-else" }, net);
        expect(results[1]).to.include({ status: "fail", detail: 'logs in as client "smoke-jupyterhub", not the site\'s someone-else' });
    });

    it("fails an address that is not a JupyterHub", async () => {
        const front = await startTlsFront(ca.issue([host.jupyter]), () => "http://127.0.0.1:9");
        fronts.push(front);
        const plan = await planFor(hubs[0]);
        const results = await jupyterhubChecks({ ...plan, url: `https://${host.jupyter}:${front.port}` }, net);
        expect(statuses(results)).to.deep.equal(["api fail", "login fail"]);
        expect(results[0].detail).to.equal("HTTP 502, not JupyterHub's API answer");
    });
});

// The Rucio checks against the real Rucio REST server (test/rucio/test-server.ts) behind a TLS
// front with a certificate for the site's Rucio names, reached through a DNS server on loopback.
// The RSE is registered by the program's own registration (rseRegistrationProvider) from planRse
// of the test site, then changed behind its back: each change must fail the check of its part.
import { expect } from "chai";
import { Resolver } from "node:dns/promises";
import { planRse } from "../components/rucio/plan";
import { rucioSession, setAttribute, updateProtocol, type RucioSession } from "../components/rucio/rucio-api";
import { rseRegistrationProvider, type RseRegistrationInputs } from "../components/rucio/rse-registration";
import { lookupVia, type Network } from "../tools/smoke/net";
import { readOutputs } from "../tools/site-access/outputs";
import { smokePlan, type RucioPlan } from "../tools/smoke/plan";
import type { CheckResult } from "../tools/smoke/result";
import { rucioChecks } from "../tools/smoke/rucio";
import { recordValidatedToken, startRucio, type RucioServer } from "./rucio/test-server";
import { TestCa } from "./smoke/certs";
import { startDnsServer, type DnsServer } from "./smoke/dns-server";
import { checksClient, host, modelOf, rseName, smokeOutputs, smokeSite } from "./smoke/site";
import { startTlsFront, type TlsFront } from "./smoke/tls-front";

const provider = rseRegistrationProvider as Required<typeof rseRegistrationProvider>;
const issuer = "https://iam.smoke.srcnet.example.org/";
/** JWT-shaped, as Rucio tells a JWT from its own tokens; the test server takes it once recorded. */
const jwt = (sub: string) => `e30.${Buffer.from(JSON.stringify({ sub, iss: issuer })).toString("base64url")}.c2lnbmF0dXJl`;
const statuses = (results: readonly CheckResult[]) => results.map((r) => `${r.name} ${r.status}`);
const byName = (results: readonly CheckResult[]) => Object.fromEntries(results.map((r) => [r.name, r]));

describe("smoke checks: Rucio", function () {
    this.timeout(120_000);
    let rucio: RucioServer;
    let front: TlsFront;
    let dns: DnsServer;
    let ca: TestCa;
    let net: Network;
    let plan: RucioPlan;
    let admin: RucioSession;
    const token = jwt(checksClient.clientId);

    before(async () => {
        ca = new TestCa("srcnet-site smoke Rucio CA");
        rucio = await startRucio();
        front = await startTlsFront(ca.issue([host.rucio, host.rucioWebui]), () => rucio.url);
        dns = await startDnsServer({ [host.rucio]: ["127.0.0.1"] });
        const resolver = new Resolver({ timeout: 2000, tries: 1 });
        resolver.setServers([dns.address]);
        net = { lookup: lookupVia(resolver), timeoutMs: 10_000 };
        const model = modelOf(smokeSite(issuer));
        plan = smokePlan(model, readOutputs(smokeOutputs({ storm: 8443, rucio: front.port })), [ca.pem]).rucio;
        const server = { serverUrl: rucio.url, authUrl: rucio.url };
        const auth = { method: "userpass" as const, account: rucio.account, username: rucio.username, password: rucio.password };
        // What pulumi up registers: planRse of the site, under the stack's name.
        const inputs: RseRegistrationInputs = { server, auth, rse: { ...planRse(model), name: rseName }, deadlineSeconds: 30, attemptTimeoutSeconds: 5 };
        await provider.create(inputs);
        admin = rucioSession(server, auth);
        recordValidatedToken(rucio, token, "root", `SUB=${checksClient.clientId}, ISS=${issuer}`, "openid profile");
    });
    after(async () => {
        await front?.stop();
        await dns?.stop();
        await rucio?.stop();
        ca?.dispose();
    });

    it("passes the RSE as the site registered it, reached at the site's Rucio name with the IAM token", async () => {
        const results = await rucioChecks({ plan, net, token, noToken: "-" });
        expect(statuses(results)).to.deep.equal(["ping pass", "whoami pass", "rse pass", "protocol pass", "attributes pass"]);
        const r = byName(results);
        expect(r.ping.detail).to.equal("Rucio 1.31.7");
        expect(r.whoami.detail).to.equal(`account root (SUB=${checksClient.clientId}, ISS=${issuer})`);
        expect(r.protocol.detail).to.equal(`davs://${host.storm}:8443/data/ (rucio.rse.protocols.gfal.Default)`);
        expect(r.attributes.detail).to.equal("fts, lfn2pfn_algorithm, oidc_base_path, oidc_support, site, verify_checksum");
        expect(r.rse.target).to.equal(`https://${host.rucio}:${front.port}/rses/${rseName}`);
        expect(JSON.stringify(results)).not.to.include(token);
    });

    it("fails an attribute that Rucio holds otherwise, naming it", async () => {
        await setAttribute(admin, rseName, "verify_checksum", false);
        try {
            const r = byName(await rucioChecks({ plan, net, token, noToken: "-" }));
            expect(r.attributes).to.include({ status: "fail", detail: 'attribute verify_checksum is "false" instead of "true"' });
            expect(r.protocol.status).to.equal("pass");
        } finally {
            await setAttribute(admin, rseName, "verify_checksum", true);
        }
    });

    it("fails a protocol that differs from the plan", async () => {
        const want = plan.expected.protocol;
        const asRucio = (prefix: string) => ({ scheme: want.scheme, hostname: want.hostname, port: want.port, prefix, impl: want.impl, domains: want.domains });
        expect(await updateProtocol(admin, rseName, asRucio("/elsewhere/"))).to.equal(true);
        try {
            const r = byName(await rucioChecks({ plan, net, token, noToken: "-" }));
            expect(r.protocol).to.include({ status: "fail", detail: `protocol davs://${host.storm}:8443 has prefix "/elsewhere/" instead of "/data/"` });
            expect(r.attributes.status).to.equal("pass");
        } finally {
            await updateProtocol(admin, rseName, asRucio(want.prefix));
        }
    });

    it("fails an RSE Rucio does not have, and one registered under a name the plan does not give", async () => {
        const missing = await rucioChecks({ plan: { ...plan, expected: { ...plan.expected, name: "SMOKE_STORM_N0PE00" } }, net, token, noToken: "-" });
        expect(statuses(missing)).to.deep.equal(["ping pass", "whoami pass", "rse fail", "protocol skip", "attributes skip"]);
        expect(byName(missing).rse.detail).to.match(/^Rucio has no RSE SMOKE_STORM_N0PE00: RSENotFound/);
        const production = byName(await rucioChecks({ plan: { ...plan, suffixed: false }, net, token, noToken: "-" }));
        expect(production.rse).to.include({ status: "fail", detail: `outputs.rse.name ${rseName} is not the planned SMOKE_STORM` });
    });

    it("fails a token Rucio does not take, saying which identity it must map, and one it maps to another account", async () => {
        const stranger = jwt("not-mapped");
        const refused = await rucioChecks({ plan, net, token: stranger, noToken: "-" });
        expect(statuses(refused)).to.deep.equal(["ping pass", "whoami fail", "rse skip", "protocol skip", "attributes skip"]);
        expect(byName(refused).whoami.detail).to.match(/^Rucio refused the IAM token: HTTP 401 CannotAuthenticate.*; Rucio must trust its issuer, expect its scope and audience, and map SUB=not-mapped, ISS=https:\/\/iam\.smoke\.srcnet\.example\.org\/ to an account$/);
        expect(byName(refused).whoami.detail).not.to.include(stranger);
        const other = byName(await rucioChecks({ plan: { ...plan, account: "smoke-service" }, net, token, noToken: "-" }));
        expect(other.whoami).to.include({ status: "fail", detail: `Rucio maps SUB=${checksClient.clientId}, ISS=${issuer} to account root, not smoke-service (site.checks.rucioAccount)` });
    });

    it("without a token, still pings and skips the rest", async () => {
        const results = await rucioChecks({ plan, net, noToken: "no site.checks" });
        expect(statuses(results)).to.deep.equal(["ping pass", "whoami skip", "rse skip", "protocol skip", "attributes skip"]);
    });

    it("fails a ping that Rucio does not answer", async () => {
        const dead = await startTlsFront(ca.issue([host.rucio]), () => "http://127.0.0.1:9");
        try {
            const r = byName(await rucioChecks({ plan: { ...plan, serverUrl: `https://${host.rucio}:${dead.port}` }, net, noToken: "-" }));
            expect(r.ping).to.include({ status: "fail", detail: "HTTP 502, not Rucio's ping answer" });
        } finally {
            await dead.stop();
        }
    });
});

// The smoke checks' pure parts: reading the outputs, what the plan expects from the config, and
// the judgements made of what a server answered.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { acmeRoots } from "../components/certs/render/issuers";
import { planRse } from "../components/rucio/plan";
import type { ObservedRse } from "../components/rucio/rse-drift";
import { formatJson, formatTable } from "../tools/smoke/format";
import { loginProblems } from "../tools/smoke/jupyterhub";
import { accountOfWhoami, jwtIdentity } from "../components/rucio/rucio-api";
import { OutputsError, parseDnsRecord, readOutputs } from "../tools/site-access/outputs";
import { smokePlan, tokenRequestOf } from "../tools/smoke/plan";
import type { SmokeReport } from "../tools/smoke/result";
import { registeredNameProblem, rseDifferences } from "../tools/smoke/rucio";
import { digestValue } from "../tools/smoke/storage";
import { repoRoot } from "./harness";
import { domain, host, modelOf, rseName, smokeOutputs, smokeSite } from "./smoke/site";

const issuer = "https://iam.smoke.srcnet.example.org/";
const ports = { storm: 8443, rucio: 443, jupyter: 443 };

describe("smoke checks: the stack outputs", () => {
    it("reads a site's outputs and names every missing or malformed field at once", () => {
        const outputs = readOutputs(smokeOutputs(ports));
        expect(outputs.rse).to.deep.equal({ name: rseName, protocol: { scheme: "davs", hostname: host.storm, port: 8443, prefix: "/data/" }, oidcBasePath: "/data" });
        expect(outputs.jupyterhub).to.deep.equal({ url: `https://${host.jupyter}:443` });
        const broken = smokeOutputs(ports, (o) => {
            delete o.site;
            o.rse.protocol.port = "8443";
            o.dnsRecords = "storm";
        });
        expect(() => readOutputs(broken)).to.throw(OutputsError, "the stack outputs are not a site's: site is missing; dnsRecords is not a list of strings; rse.protocol.port is not a whole number");
        expect(() => readOutputs([])).to.throw(OutputsError, "not a JSON object");
    });

    it("reads the DNS part's zone-file lines", () => {
        expect(parseDnsRecord("storm.dev.srcnet.example.org. 300 IN A 203.0.113.206")).to.deep.equal({ name: "storm.dev.srcnet.example.org", ttl: 300, type: "A", value: "203.0.113.206" });
        expect(parseDnsRecord("storm 300 A 1.2.3.4")).to.equal(undefined);
    });
});

describe("smoke checks: what the plan expects, from the site's own functions", () => {
    const model = modelOf(smokeSite(issuer));
    const plan = smokePlan(model, readOutputs(smokeOutputs(ports)), ["EXTRA-CA"]);

    it("expects the RSE planRse plans, under the name the stack registered", () => {
        expect(plan.rucio.expected).to.deep.equal({ ...planRse(model), name: rseName });
        expect(plan.rucio.plannedName).to.equal("SMOKE_STORM");
        expect(plan.rucio.suffixed).to.equal(true);
    });

    it("checks every endpoint, trusting the staging roots on a test site and the given CAs everywhere", () => {
        expect(plan.endpoints.map((e) => `${e.service} ${e.host}:${e.port}`)).to.deep.equal([
            `storm ${host.storm}:8443`,
            `jupyter ${host.jupyter}:443`,
            `rucio ${host.rucio}:443`,
            `rucioWebui ${host.rucioWebui}:443`,
        ]);
        const staging = acmeRoots("staging");
        expect(staging).to.have.length(2);
        for (const e of plan.endpoints) expect(e.ca).to.deep.equal(["EXTRA-CA", ...staging]);
        const production = modelOf(
            smokeSite(issuer, (s) => {
                s.environment = "production";
                s.cluster = { backend: "existing", ingressAddress: "127.0.0.1" };
            }),
        );
        const pplan = smokePlan(production, readOutputs(smokeOutputs(ports, (o) => (o.environment = "production"))));
        expect(pplan.production).to.equal(true);
        for (const e of pplan.endpoints) expect(e.ca).to.deep.equal([]);
        expect(pplan.rucio.suffixed).to.equal(false);
    });

    it("asks IAM's token endpoint for the storage scopes and what the site's Rucio expects", () => {
        expect(plan.token).to.deep.equal({ tokenUrl: "https://iam.smoke.srcnet.example.org/token", clientId: "smoke-checks", scope: "openid profile storage.read:/ storage.create:/ storage.modify:/", audience: "rucio", ca: ["EXTRA-CA", ...acmeRoots("staging")] });
        const own = modelOf(smokeSite(issuer, (s) => (s.checks = { clientId: "c", scope: "storage.read:/", audience: "other" })));
        expect(tokenRequestOf(own)).to.deep.equal({ scope: "storage.read:/", audience: "other" });
        const noChecks = smokePlan(modelOf(smokeSite(issuer, (s) => delete s.checks)), readOutputs(smokeOutputs(ports)));
        expect(noChecks.token).to.equal(undefined);
    });

    it("asks for what a central Rucio expects: the registration login's scope and audience, else Rucio's defaults", () => {
        const external = (auth: object) =>
            modelOf(
                smokeSite(issuer, (s) => {
                    s.rucio = { mode: "external", ftsUrl: "https://fts.example.org:8446", serverUrl: "https://rucio.example.org", auth };
                }),
            );
        const storage = "storage.read:/ storage.create:/ storage.modify:/";
        // Rucio refuses a token without its expected scope and audience (openid profile, rucio, unless configured otherwise).
        expect(tokenRequestOf(external({ method: "userpass", account: "ops", username: "ops" }))).to.deep.equal({ scope: `openid profile ${storage}`, audience: "rucio" });
        expect(tokenRequestOf(external({ method: "oidc", issuer: "https://iam.example.org/", clientId: "reg" }))).to.deep.equal({ scope: `openid profile ${storage}`, audience: "rucio" });
        expect(tokenRequestOf(external({ method: "oidc", issuer: "https://iam.example.org/", clientId: "reg", scope: "openid rucio", audience: "central-rucio" }))).to.deep.equal({ scope: `openid rucio ${storage}`, audience: "central-rucio" });
        // What the post-deploy checks' page says the defaults are, for the site's own Rucio and a central one that names none.
        const page = readFileSync(join(repoRoot, "docs", "reviewing-and-deploying.md"), "utf8");
        const documented = { scope: /# scope: "\.\.\."\s+# default: (.+)$/m.exec(page)?.[1], audience: /# audience: \S+\s+# default: (\S+),/m.exec(page)?.[1] };
        expect(tokenRequestOf(model)).to.deep.equal(documented);
        expect(tokenRequestOf(external({ method: "userpass", account: "ops", username: "ops" }))).to.deep.equal(documented);
    });

    it("addresses the storage by the RSE's protocol, and the hub's login by IAM's authorize endpoint", () => {
        expect(plan.storage).to.include({ base: `https://${host.storm}:8443`, healthUrl: `https://${host.storm}:8443/.storm-webdav/actuator/health`, areaUrl: `https://${host.storm}:8443/data/`, anonymousRead: false });
        expect(plan.jupyterhub).to.include({ url: `https://${host.jupyter}:443`, authorize: "https://iam.smoke.srcnet.example.org/authorize", clientId: "smoke-jupyterhub", callback: `https://${host.jupyter}:443/hub/oauth_callback` });
    });

    it("is for the domain the site has", () => {
        expect(model.hostnames.storm).to.equal(`storm.${domain}`);
    });
});

describe("smoke checks: judging the answers", () => {
    it("reads adler32 from a Digest header, whatever the algorithm's case or the other digests", () => {
        expect(digestValue("adler32=0a0b0c0d")).to.equal("0a0b0c0d");
        expect(digestValue("MD5=abc==, ADLER32=0000ffff")).to.equal("0000ffff");
        expect(digestValue(undefined)).to.equal(undefined);
        expect(digestValue("md5=abc")).to.equal(undefined);
    });

    it("finds the account in Rucio's whoami redirect, relative or absolute", () => {
        expect(accountOfWhoami("root")).to.equal("root");
        expect(accountOfWhoami("https://rucio.example.org/accounts/svc-smoke")).to.equal("svc-smoke");
        expect(accountOfWhoami(undefined)).to.equal(undefined);
    });

    it("names each difference of the RSE by part, as the registration would", () => {
        const model = modelOf(smokeSite(issuer));
        const want = { ...planRse(model), name: rseName };
        const held: ObservedRse = {
            deterministic: true,
            rseType: "DISK",
            volatile: false,
            protocols: [want.protocol],
            attributes: Object.fromEntries(Object.entries(want.attributes).map(([k, v]) => [k, String(v)])),
            distances: [],
            accounts: [],
        };
        expect(rseDifferences(want, held)).to.deep.equal({ rse: [], protocol: [], attributes: [] });
        const drifted: ObservedRse = { ...held, rseType: "TAPE", protocols: [{ ...want.protocol, prefix: "/elsewhere/" }], attributes: { ...held.attributes, verify_checksum: "false" } };
        const d = rseDifferences(want, drifted);
        expect(d.rse).to.deep.equal([`RSE ${rseName} has rseType TAPE`]);
        expect(d.protocol).to.deep.equal([`protocol davs://${host.storm}:8443 has prefix "/elsewhere/" instead of "/data/"`]);
        expect(d.attributes).to.deep.equal(['attribute verify_checksum is "false" instead of "true"']);
        expect(rseDifferences(want, { ...held, protocols: [] }).protocol).to.deep.equal([`protocol davs://${host.storm}:8443 is missing`]);
    });

    it("knows a test site's suffixed RSE name from another RSE's", () => {
        const plan = { expected: { name: rseName } as never, plannedName: "SMOKE_STORM", suffixed: true };
        expect(registeredNameProblem(plan)).to.equal(undefined);
        expect(registeredNameProblem({ ...plan, expected: { name: "OTHER_RSE_T3ST42" } as never })).to.match(/is not the planned SMOKE_STORM_<6 characters>/);
        expect(registeredNameProblem({ ...plan, suffixed: false })).to.match(/is not the planned SMOKE_STORM$/);
    });

    it("accepts only a redirect to the site IAM's authorize endpoint, as the site's client, for a code", () => {
        const plan = { authorize: "https://iam.example.org/authorize", clientId: "site-jupyterhub" };
        const to = (base: string, q: Record<string, string>) => `${base}?${new URLSearchParams(q)}`;
        expect(loginProblems(plan, 302, to(plan.authorize, { response_type: "code", client_id: "site-jupyterhub" }))).to.deep.equal([]);
        expect(loginProblems(plan, 302, to("https://iam.example.org.evil/authorize", { response_type: "code", client_id: "site-jupyterhub" }))).to.deep.equal([
            "redirects to https://iam.example.org.evil/authorize, not to the site IAM's https://iam.example.org/authorize",
        ]);
        expect(loginProblems(plan, 302, to(plan.authorize, { response_type: "token", client_id: "other" }))).to.have.length(2);
        expect(loginProblems(plan, 200, undefined)).to.deep.equal(["HTTP 200, not a redirect to IAM"]);
    });

    it("reads who a JWT is for without checking it, as Rucio names the identity, and nothing from a token that is not one", () => {
        const jwt = `e30.${Buffer.from(JSON.stringify({ sub: "smoke-checks", iss: issuer })).toString("base64url")}.c2ln`;
        expect(jwtIdentity(jwt)).to.equal(`SUB=smoke-checks, ISS=${issuer}`);
        expect(jwtIdentity("opaque")).to.equal(undefined);
    });

    it("prints a table and JSON, counting passes, failures and skips", () => {
        const report: SmokeReport = {
            site: "smoke",
            environment: "test",
            results: [
                { family: "dns", name: "storm", target: host.storm, status: "pass", detail: "127.0.0.1", ms: 3 },
                { family: "tls", name: "storm", target: `${host.storm}:8443`, status: "fail", detail: "expires in 3 days" },
                { family: "iam", name: "token", target: "site.checks", status: "skip", detail: "no site.checks" },
            ],
        };
        const table = formatTable(report).split("\n");
        expect(table[0]).to.equal("smoke checks of site smoke (test)");
        expect(table[1]).to.match(/^STATUS\s+CHECK\s+TARGET\s+DETAIL$/);
        expect(table[3]).to.match(/^FAIL\s+tls storm\s+storm\.smoke\.srcnet\.example\.org:8443\s+expires in 3 days$/);
        expect(table.at(-1)).to.equal("1 passed, 1 failed, 1 skipped");
        const json = JSON.parse(formatJson(report));
        expect(json).to.include({ site: "smoke", ok: false, passed: 1, failed: 1, skipped: 1 });
        expect(json.checks[0]).to.deep.equal(report.results[0]);
    });
});

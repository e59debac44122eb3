// The checks' token request as every check's request is made: one attempt, bounded by the
// network's timeout, through the network's lookup (--dns-server), here against a token endpoint
// on loopback reached by the site IAM's name that only the test's DNS server knows.
import { expect } from "chai";
import { Resolver } from "node:dns/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { lookupVia, type Network } from "../tools/smoke/net";
import type { TokenPlan } from "../tools/smoke/plan";
import { clientCredentialsToken } from "../tools/smoke/token";
import { rejection } from "./harness";
import { startDnsServer, type DnsServer } from "./smoke/dns-server";

const iamHost = "iam.smoke.srcnet.example.org";
const secret = "checks secret/with+chars";

describe("smoke checks: the token request", function () {
    this.timeout(30_000);
    let dns: DnsServer;
    let net: Network;
    let server: Server;
    let port = 0;
    /** What the endpoint answers next, by the number of requests so far. */
    let answers: ((n: number) => { status: number; body: unknown } | undefined)[] = [];
    const seen: { auth: string; form: URLSearchParams }[] = [];

    before(async () => {
        dns = await startDnsServer({ [iamHost]: ["127.0.0.1"] });
        const resolver = new Resolver({ timeout: 2000, tries: 1 });
        resolver.setServers([dns.address]);
        net = { lookup: lookupVia(resolver), timeoutMs: 5000 };
        server = createServer((req: IncomingMessage, res) => {
            const chunks: Buffer[] = [];
            req.on("data", (c: Buffer) => chunks.push(c));
            req.on("end", () => {
                seen.push({ auth: String(req.headers.authorization), form: new URLSearchParams(Buffer.concat(chunks).toString("utf8")) });
                const a = answers[0]?.(seen.length);
                if (!a) return; // no answer at all
                res.writeHead(a.status, { "content-type": "application/json" });
                res.end(JSON.stringify(a.body));
            });
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        port = (server.address() as AddressInfo).port;
    });
    beforeEach(() => {
        seen.length = 0;
        answers = [];
    });
    after(async () => {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await dns.stop();
    });

    const plan = (): TokenPlan => ({ tokenUrl: `http://${iamHost}:${port}/token`, clientId: "smoke-checks", scope: "openid profile storage.read:/", audience: "rucio", ca: [] });
    const failure = async (p: Promise<unknown>) => (await rejection(p)).message;

    it("reaches IAM by the name the given lookup resolves, with the grant, scope and audience", async () => {
        answers = [() => ({ status: 200, body: { access_token: "tok-3f9a", scope: "openid profile storage.read:/", expires_in: 300 } })];
        const issued = await clientCredentialsToken(plan(), secret, net);
        expect(issued).to.deep.equal({ token: "tok-3f9a", scope: "openid profile storage.read:/", expiresIn: 300 });
        expect(seen).to.have.length(1);
        expect(seen[0].auth).to.equal(`Basic ${Buffer.from(`smoke-checks:${secret}`).toString("base64")}`);
        expect(Object.fromEntries(seen[0].form)).to.deep.equal({ grant_type: "client_credentials", scope: "openid profile storage.read:/", audience: "rucio" });
        expect(dns.asked).to.include(iamHost);
    });

    it("asks once: an answer IAM would be asked again for elsewhere (503) is the check's failure", async () => {
        answers = [(n) => (n === 1 ? { status: 503, body: { error: "temporarily_unavailable" } } : { status: 200, body: { access_token: "too-late" } })];
        const message = await failure(clientCredentialsToken(plan(), secret, net));
        expect(message).to.match(/^IAM's token endpoint http:\/\/iam\.smoke\.srcnet\.example\.org:\d+\/token refused a client_credentials token to client smoke-checks: HTTP 503 temporarily_unavailable;/);
        expect(seen).to.have.length(1);
    });

    it("gives up after the network's timeout, and never shows the secret IAM echoes", async () => {
        answers = [() => undefined];
        const started = Date.now();
        const message = await failure(clientCredentialsToken(plan(), secret, { ...net, timeoutMs: 400 }));
        expect(message).to.equal(`no answer from ${iamHost}:${port} within 0.4 s`);
        expect(Date.now() - started).to.be.below(3000);
        expect(seen).to.have.length(1);
        answers = [() => ({ status: 401, body: { error: "invalid_client", error_description: `bad secret ${secret}` } })];
        const refused = await failure(clientCredentialsToken(plan(), secret, net));
        expect(refused).to.include("HTTP 401 invalid_client: bad secret [redacted]").and.not.include(secret);
    });
});

import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request, type Server as HttpServer } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
    defaultRetry,
    deleteRse,
    getLocalLimit,
    parseJsonLines,
    parseRucioJson,
    redact,
    rucioCall,
    rucioSession,
    rucioToken,
    setLocalLimit,
    tokenExpiry,
    type RucioSession,
} from "../components/rucio/rucio-api";
import type { RucioAuth, RucioServerSpec } from "../components/rucio/rse-registration";
import { FakeIam, adminClient } from "./iam/fake-iam";
import { FaultProxy } from "./iam/fault-proxy";
import { recordValidatedToken, startRucio, type RucioServer } from "./rucio/test-server";
import { toolPath } from "./tools";
import { rejection } from "./harness";

type Server = HttpServer | HttpsServer;

const listen = async (server: Server): Promise<string> => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
};

const close = (server: Server) => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
};

describe("Rucio's answers as the client reads them", () => {
    it("reads Rucio's bare Infinity (an account limit of -1) and NaN, but not inside strings", () => {
        expect(parseRucioJson('{"SITE": Infinity}')).to.deep.equal({ SITE: Infinity });
        expect(parseRucioJson('[-Infinity, NaN, 1]')).to.deep.equal([-Infinity, null, 1]);
        expect(parseRucioJson('{"note": "Infinity and NaN \\" Infinity"}')).to.deep.equal({ note: 'Infinity and NaN " Infinity' });
        expect(() => JSON.parse('{"SITE": Infinity}')).to.throw();
    });

    it("reads a list as one JSON value a line, or as one array", () => {
        expect(parseJsonLines('{"rse": "A"}\n{"rse": "B", "used": Infinity}\n')).to.deep.equal([{ rse: "A" }, { rse: "B", used: Infinity }]);
        expect(parseJsonLines('["a", "b"]\n')).to.deep.equal(["a", "b"]);
        expect(parseJsonLines("")).to.deep.equal([]);
    });

    it("reads X-Rucio-Auth-Token-Expires as Rucio writes it, and assumes an hour when it is missing or unreadable", () => {
        expect(tokenExpiry("Tue, 01 Dec 2026 11:01:58 UTC")).to.equal(Date.UTC(2026, 11, 1, 11, 1, 58));
        expect(tokenExpiry(undefined, 1_000)).to.equal(1_000 + 3600_000);
        expect(tokenExpiry("soon", 1_000)).to.equal(1_000 + 3600_000);
    });

    it("cuts every secret out of a text", () => {
        expect(redact("token abcd1234 and pw hunter22", ["abcd1234", "hunter22", undefined])).to.equal("token [redacted] and pw [redacted]");
    });
});

describe("Rucio REST API client against the real Rucio server", function () {
    this.timeout(60_000);
    let rucio: RucioServer;
    const proxy = new FaultProxy(() => rucio.url);
    const fast = { ...defaultRetry, deadlineMs: 10_000, attemptTimeoutMs: 1_000, baseDelayMs: 100, maxDelayMs: 500 };
    const userpass = (password = rucio.password): RucioAuth => ({ method: "userpass", account: rucio.account, username: rucio.username, password });
    const viaProxy = (): RucioServerSpec => ({ serverUrl: proxy.url, authUrl: proxy.url });
    const session = (auth = userpass(), server = viaProxy(), policy = fast): RucioSession => rucioSession(server, auth, policy);
    const logins = () => proxy.seen.filter((s) => s === "GET /auth/userpass").length;

    before(async () => {
        rucio = await startRucio();
        await proxy.start();
    });
    after(async () => {
        await proxy.stop();
        await rucio?.stop();
    });
    beforeEach(() => proxy.clear());

    it("logs in with userpass once and keeps the token until it expires", async () => {
        const s = session();
        await rucioCall(s, "GET", "/accounts/root");
        await rucioCall(s, "GET", "/rses/", { stream: true });
        expect(logins()).to.equal(1);
        // Rucio's userpass tokens live an hour, and the client read when this one ends.
        expect(s.token!.expiresAt - Date.now()).to.be.within(3500_000, 3600_000);
    });

    it("logs in again, once, when Rucio no longer takes a kept token", async () => {
        const s = session();
        await rucioToken(s);
        // A token Rucio forgot (a revocation, a new database): it answers 401 CannotAuthenticate.
        s.token = { value: "root-ddmlab-unknown-0123456789abcdef0123456789abcdef", expiresAt: Date.now() + 3600_000 };
        const answer = await rucioCall(s, "GET", "/accounts/root");
        expect(answer.status).to.equal(200);
        expect(logins()).to.equal(2);
    });

    it("refuses a wrong password with a message that names the account and the auth URL, and carries no password", async () => {
        const secret = "wrong-password-3f9a7c";
        const err = await rejection(rucioCall(session(userpass(secret)), "GET", "/accounts/root"));
        // 1.31 answers IdentityNotFound for a wrong pair; Rucio 40, given the account, CannotAuthenticate (auth.py UserPass.get).
        expect(err.message).to.match(new RegExp(`^Rucio at ${proxy.url}/auth/userpass refused the login of Rucio account root \\(userpass, username ddmlab\\): HTTP 401 (IdentityNotFound|CannotAuthenticate): .+; check the account, username and password in the stack's secrets$`));
        expect(err.message).not.to.include(secret);
        // A refusal is final: one attempt, no retries.
        expect(logins()).to.equal(1);
    });

    it("surfaces Rucio's ExceptionClass and message when it refuses a request", async () => {
        const err = await rejection(rucioCall(session(), "POST", "/rses/not_an_rse_name"));
        expect(err.message).to.match(/^Rucio refused POST \/rses\/not_an_rse_name: HTTP 400 InvalidObject: .+/);
    });

    it("sets an account limit of -1 and reads back Rucio's Infinity as -1", async () => {
        const s = session();
        expect((await rucioCall(s, "POST", "/rses/LIMIT-TEST")).status).to.equal(201);
        await setLocalLimit(s, "root", "LIMIT-TEST", -1);
        const raw = await rucioCall(s, "GET", "/accounts/root/limits/local/LIMIT-TEST");
        expect(raw.text).to.match(/"LIMIT-TEST": Infinity/);
        expect(await getLocalLimit(s, "root", "LIMIT-TEST")).to.equal(-1);
        await setLocalLimit(s, "root", "LIMIT-TEST", 5_000);
        expect(await getLocalLimit(s, "root", "LIMIT-TEST")).to.equal(5_000);
    });

    it("reads a streamed list one JSON value a line", async () => {
        const s = session();
        await rucioCall(s, "POST", "/rses/STREAM-TEST");
        const rses = parseJsonLines((await rucioCall(s, "GET", "/rses/", { stream: true })).text).map((r) => r.rse);
        expect(rses).to.include("STREAM-TEST");
    });

    it("says why Rucio refuses to delete an RSE that holds replicas", async () => {
        const s = session();
        await rucioCall(s, "POST", "/rses/FULL-TEST");
        // What the abacus daemon records once it has counted replicas there (del_rse reads it).
        await rucioCall(s, "PUT", "/rses/FULL-TEST/usage", { json: { source: "rucio", used: 100, files: 1 } });
        const err = await rejection(deleteRse(s, "FULL-TEST"));
        expect(err.message).to.match(/^Rucio refuses to delete RSE FULL-TEST: it is not empty \(RSE 'FULL-TEST' is not empty\)\. Rucio deletes only an RSE that holds no replicas/);
        expect((await rucioCall(s, "GET", "/rses/FULL-TEST")).status).to.equal(200);
        // One already gone is fine.
        await deleteRse(s, "NEVER-THERE");
    });

    describe("faults", () => {
        it("retries 5xx answers until Rucio answers", async () => {
            proxy.inject("GET", /^\/accounts\/root$/, { status: 503 }, 3);
            expect((await rucioCall(session(), "GET", "/accounts/root")).status).to.equal(200);
            expect(proxy.seen.filter((r) => r === "GET /accounts/root")).to.have.length(4);
        });

        it("waits as long as Retry-After says on 429", async () => {
            proxy.inject("GET", /^\/accounts\/root$/, { status: 429, retryAfter: "1" });
            const started = Date.now();
            await rucioCall(session(), "GET", "/accounts/root");
            expect(Date.now() - started).to.be.at.least(1000);
        });

        it("repeats a request that got no answer", async () => {
            proxy.inject("GET", /^\/accounts\/root$/, { hang: true });
            expect((await rucioCall(session(), "GET", "/accounts/root")).status).to.equal(200);
            expect(proxy.seen.filter((r) => r === "GET /accounts/root")).to.have.length(2);
        });

        it("gives up at the deadline with what it saw last", async () => {
            proxy.inject("GET", /^\/accounts\/root$/, { status: 502 }, 100);
            const err = await rejection(rucioCall(session(userpass(), viaProxy(), { ...fast, deadlineMs: 2_000 }), "GET", "/accounts/root"));
            expect(err.message).to.equal("Rucio did not answer GET /accounts/root successfully within 2 s; last: HTTP 502");
        });

        it("keeps working across a restart of the server", async () => {
            const s = session(userpass(), viaProxy(), { ...fast, deadlineMs: 30_000 });
            await rucioToken(s);
            const restarted = rucio.restart();
            // Requests while it is down are refused connections: retried until it is back.
            await new Promise((r) => setTimeout(r, 200));
            const answer = await rucioCall(s, "GET", "/accounts/root");
            await restarted;
            expect(answer.status).to.equal(200);
        });
    });

    describe("no secret in any message", () => {
        let echo: Server;
        let echoUrl = "";
        const password = "pw-that-must-not-leak-81c2";
        before(async () => {
            // A server that repeats what it was sent in its errors, as a careless one might.
            echo = createHttpServer((req, res) => {
                const said = `${req.headers["x-rucio-password"] ?? ""} ${req.headers["x-rucio-auth-token"] ?? ""}`;
                if (req.url === "/auth/userpass") {
                    res.writeHead(200, { "x-rucio-auth-token": "tok-that-must-not-leak-77aa" }).end();
                } else if (req.url === "/boom") {
                    res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ ExceptionClass: "DatabaseException", ExceptionMessage: `failed for ${said}` }));
                } else {
                    res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ ExceptionClass: "InvalidObject", ExceptionMessage: `bad request from ${said}` }));
                }
            });
            echoUrl = `http://${await listen(echo)}`;
        });
        after(() => close(echo));

        it("cuts the password and the token out of Rucio's error text", async () => {
            const s = session(userpass(password), { serverUrl: echoUrl, authUrl: echoUrl }, { ...fast, deadlineMs: 1_000 });
            for (const path of ["/refused", "/boom"]) {
                const err = await rejection(rucioCall(s, "GET", path));
                expect(err.message).to.include("[redacted]");
                expect(err.message).not.to.include(password);
                expect(err.message).not.to.include("tok-that-must-not-leak-77aa");
            }
        });
    });

    describe("an https server with a certificate from a private CA", () => {
        let tlsProxy: Server;
        let httpsUrl = "";
        let caPem = "";
        before(() => {
            const dir = mkdtempSync(join(tmpdir(), "srcnet-rucio-ca-"));
            const openssl = (...args: string[]) => execFileSync(toolPath("openssl"), args, { cwd: dir, stdio: "pipe" });
            openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=srcnet test CA", "-days", "1", "-keyout", "ca.key", "-out", "ca.pem");
            openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
            writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
            openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "san.ext", "-out", "server.pem");
            caPem = readFileSync(join(dir, "ca.pem"), "utf8");
            // TLS in front of the plain-http test server, as an ingress would be.
            tlsProxy = createHttpsServer({ key: readFileSync(join(dir, "server.key")), cert: readFileSync(join(dir, "server.pem")) }, (req, res) => {
                const upstream = request(`${rucio.url}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
                    res.writeHead(answer.statusCode ?? 502, answer.headers);
                    answer.pipe(res);
                });
                req.pipe(upstream);
            });
        });
        before(async () => {
            httpsUrl = `https://${await listen(tlsProxy)}`;
        });
        after(() => close(tlsProxy));

        it("trusts the CA only when given its certificate", async () => {
            const server = { serverUrl: httpsUrl, authUrl: httpsUrl };
            const untrusted = await rejection(rucioCall(session(userpass(), server, { ...fast, deadlineMs: 1_000 }), "GET", "/accounts/root"));
            expect(untrusted.message).to.match(/self.signed|unable to verify|unable to get local issuer/i);
            const answer = await rucioCall(session(userpass(), { ...server, caCertificates: [caPem] }), "GET", "/accounts/root");
            expect(answer.status).to.equal(200);
        });
    });

    describe("login with a client-credentials token from IAM", () => {
        const iam = new FakeIam();
        before(() => iam.start());
        after(() => iam.stop());
        const oidc = (clientSecret = adminClient.clientSecret, account?: string): RucioAuth => ({
            method: "oidc",
            issuer: iam.issuer,
            clientId: adminClient.clientId,
            clientSecret,
            scope: "iam:admin.read",
            ...(account ? { account } : {}),
        });

        it("gets a token from IAM's token endpoint and, when Rucio cannot validate it, says what Rucio needs, with no secret or token", async () => {
            const s = session(oidc(adminClient.clientSecret, "root"));
            const err = await rejection(rucioToken(s));
            // The test server cannot validate JWTs: it refuses IAM's token with 401.
            expect(err.message).to.match(new RegExp(`^Rucio at ${proxy.url} did not accept the credentials of IAM client iam-admin for Rucio account root \\(auth at ${iam.issuer}/token\\) on GET /accounts/whoami: HTTP 401 CannotAuthenticate`));
            expect(err.message).to.include(`SUB=iam-admin, ISS=${iam.issuer}`);
            expect(err.message).not.to.include(adminClient.clientSecret);
            const token = s.secrets.find((x) => x.split(".").length === 3);
            expect(token, "the token IAM issued").to.be.a("string");
            expect(err.message).not.to.include(token);
        });

        describe("a token Rucio has validated", () => {
            let tokenEndpoint: Server;
            let issuer = "";
            const clientSecret = "stand-in-client-secret-0c4f";
            const claims = { sub: "site-client", iss: "https://iam.test.example.org/" };
            // JWT-shaped, as Rucio tells a JWT from its own tokens (three dot-separated parts).
            const jwt = `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.c2ln`;
            const asked: string[] = [];
            before(async () => {
                // IAM's discovery and token endpoint as the client uses them, answering one known token.
                tokenEndpoint = createHttpServer((req, res) => {
                    if (req.method === "GET" && req.url === "/.well-known/openid-configuration") {
                        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token` }));
                        return;
                    }
                    let body = "";
                    req.on("data", (c) => (body += c));
                    req.on("end", () => {
                        asked.push(body);
                        const ok = req.headers.authorization === `Basic ${Buffer.from(`site-client:${clientSecret}`).toString("base64")}` && new URLSearchParams(body).get("grant_type") === "client_credentials";
                        res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(JSON.stringify(ok ? { access_token: jwt, token_type: "Bearer", expires_in: 600 } : { error: "invalid_client" }));
                    });
                });
                issuer = `http://${await listen(tokenEndpoint)}`;
                recordValidatedToken(rucio, jwt, "root", `SUB=${claims.sub}, ISS=${claims.iss}`);
            });
            after(() => close(tokenEndpoint));
            const standIn = (account?: string): RucioAuth => ({ method: "oidc", issuer, clientId: "site-client", clientSecret, scope: "openid", audience: "rucio", ...(account ? { account } : {}) });

            it("asks for client_credentials with the scope and audience, and sends the token as X-Rucio-Auth-Token", async () => {
                const s = session(standIn("root"));
                expect((await rucioCall(s, "GET", "/accounts/root")).status).to.equal(200);
                expect(new URLSearchParams(asked.at(-1))).to.deep.equal(new URLSearchParams({ grant_type: "client_credentials", scope: "openid", audience: "rucio" }));
                expect(s.token!.expiresAt - Date.now()).to.be.within(590_000, 600_000);
            });

            it("refuses a token that Rucio maps to another account than the configured one", async () => {
                const err = await rejection(rucioToken(session(standIn("site-service"))));
                expect(err.message).to.equal(`Rucio at ${proxy.url} maps the token of IAM client site-client for Rucio account site-service (SUB=site-client, ISS=https://iam.test.example.org/) to account root, not site-service: map the client's identity to site-service in Rucio`);
            });
        });

        it("refuses a wrong client secret with a message that names the client and the token endpoint, and carries no secret", async () => {
            const secret = "not-the-client-secret-5d1e";
            const err = await rejection(rucioToken(session(oidc(secret))));
            expect(err.message).to.match(new RegExp(`^IAM's token endpoint ${iam.issuer}/token refused a client_credentials token to IAM client iam-admin: HTTP 401`));
            expect(err.message).not.to.include(secret);
        });
    });
});

// The RSE the program registers works as storage: the dev site's RSE, registered in a real Rucio
// server by the program's own provider (only the protocol's hostname and port pointed at a test
// WebDAV storage), takes a file from the real `rucio upload` and gives it back to `rucio download`,
// and the file lies on the storage exactly where the protocol and the hash layout say.
import { expect } from "chai";
import { execFile, execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deriveSite, type SiteModel } from "../config/derive";
import { validateStackConfig } from "../config/validate";
import { planRse } from "../components/rucio/plan";
import { rseRegistrationProvider, type RseRegistrationInputs, type RseSpec } from "../components/rucio/rse-registration";
import { keysWith, secretsOf, siteOf } from "./harness";
import { adler32 } from "../tools/site-access/adler32";
import { rucioToken, startRucio, type RucioServer } from "./rucio/test-server";
import { gfalConfigDir, startWebdav, type WebdavStorage } from "./webdav/apache-dav";

const provider = rseRegistrationProvider as Required<typeof rseRegistrationProvider>;
const python = "/usr/bin/python3";

/** The dev stack's site model, validated as the program validates it. */
function devModel(): SiteModel {
    const result = validateStackConfig({ site: siteOf("dev"), keys: keysWith(Object.keys(secretsOf("dev"))) });
    if (!result.ok) throw new Error(`the dev stack does not validate: ${result.problems.map((p) => `${p.where}: ${p.message}`).join("; ")}`);
    return deriveSite(result.site);
}

/** The program's RSE with only its protocol's hostname and port moved to the test storage. */
function atStorage(spec: RseSpec, storage: WebdavStorage): RseSpec {
    return { ...spec, protocol: { ...spec.protocol, hostname: storage.hostname, port: storage.port } };
}

/**
 * Where Rucio's hash algorithm puts scope:name under a protocol's prefix: <scope>/<md5[0:2]>/<md5[2:4]>/<name>
 * of md5("scope:name"), a user.* or group.* scope with its dots as slashes
 * (rucio@1.31.7:lib/rucio/rse/protocols/protocol.py:94-114, rucio@40.4.1:lib/rucio/rse/translation.py:177-203).
 */
function hashPath(scope: string, name: string): string {
    const md5 = createHash("md5").update(`${scope}:${name}`).digest("hex");
    const dir = /^(user|group)/.test(scope) ? scope.replaceAll(".", "/") : scope;
    return `${dir}/${md5.slice(0, 2)}/${md5.slice(2, 4)}/${name}`;
}

/** The file on the storage's disk behind a URL path. */
const onDisk = (storage: WebdavStorage, urlPath: string) => join(storage.root, ...urlPath.split("/").filter(Boolean));

/** The rucio client (the test server's own, 1.31.7) and gfal2 as it runs them: Debian's python3 modules and gfal2 plugins. */
function checkClient(): void {
    const packages = "python3-gfal2 python3-tabulate gfal2-plugin-http gfal2-plugin-file";
    let plugins: string[];
    try {
        const names = execFileSync(python, ["-c", "import gfal2, tabulate, json; print(json.dumps(gfal2.creat_context().get_plugin_names()))"], { encoding: "utf8", stdio: "pipe" });
        plugins = (JSON.parse(names) as string[]).map((n) => n.replace(/-[\d.]+$/, ""));
    } catch {
        throw new Error(`the rucio client and gfal2 need Debian's ${packages}; run: sudo apt-get install ${packages}`);
    }
    const missing = ["http", "file"].filter((p) => !plugins.includes(p));
    if (missing.length) throw new Error(`gfal2 has no ${missing.join(", ")} plugin; run: sudo apt-get install ${missing.map((p) => `gfal2-plugin-${p}`).join(" ")}`);
}

interface Answer {
    readonly status: number;
    readonly headers: Record<string, string | string[] | undefined>;
}

/** One HTTPS request to the test storage, trusting only its CA. */
function davRequest(storage: WebdavStorage, method: string, path: string, headers: Record<string, string> = {}, body?: Buffer): Promise<Answer> {
    return new Promise((resolve, reject) => {
        const req = request({ host: storage.hostname, port: storage.port, path, method, headers, ca: storage.caPem, agent: false }, (res) => {
            res.resume();
            res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
        });
        req.on("error", reject);
        req.end(body);
    });
}

describe("the registered davs protocol with the real rucio upload and download", function () {
    this.timeout(120_000);
    let rucio: RucioServer;
    let storage: WebdavStorage;
    let work: string;
    let clientEnv: NodeJS.ProcessEnv;
    let token: string;
    const spec = planRse(devModel());
    const scope = "user.root";

    const rucioCall = async (method: string, path: string, body?: unknown) => {
        const answer = await fetch(`${rucio.url}${path}`, { method, headers: { "X-Rucio-Auth-Token": token }, body: body === undefined ? undefined : JSON.stringify(body) });
        return { status: answer.status, text: await answer.text() };
    };

    const register = async (rse: RseSpec) => {
        const inputs: RseRegistrationInputs = {
            server: { serverUrl: rucio.url, authUrl: rucio.url },
            auth: { method: "userpass", account: rucio.account, username: rucio.username, password: rucio.password },
            rse,
            deadlineSeconds: 30,
            attemptTimeoutSeconds: 10,
        };
        await provider.create(inputs);
        // What an upload needs besides the RSE: the uploading account's scope and its limit there,
        // as the account sync gives each user (the dev stack lists no service accounts).
        for (const [path, body] of [
            [`/accountlimits/local/${rucio.account}/${rse.name}`, { bytes: 1_000_000_000 }],
            [`/accounts/${rucio.account}/scopes/${scope}`, undefined],
        ] as const) {
            const answer = await rucioCall("POST", path, body);
            if (answer.status !== 201 && answer.status !== 409) throw new Error(`POST ${path}: HTTP ${answer.status} ${answer.text}`);
        }
    };

    /** Where the program's protocol puts scope:name: its prefix, then the hash layout. */
    const whereTheProtocolSays = (name: string) => `${spec.protocol.prefix.replace(/\/?$/, "/")}${hashPath(scope, name)}`;

    const rucioCli = (...args: string[]): Promise<string> =>
        new Promise((resolve, reject) => {
            execFile(python, [join(rucio.dir, "src", "bin", "rucio"), ...args], { cwd: work, env: clientEnv, timeout: 90_000, encoding: "utf8" }, (error, stdout, stderr) => {
                if (error) reject(new Error(`rucio ${args.join(" ")} failed (${error.code ?? error.signal}):\n${`${stdout}\n${stderr}`.trim().split("\n").slice(-15).join("\n")}`));
                else resolve(`${stdout}\n${stderr}`);
            });
        });

    /** A file of random bytes in the work directory, named so that no two runs share a DID. */
    const newFile = (label: string, bytes: number) => {
        const name = `${label}-${randomBytes(4).toString("hex")}.dat`;
        const data = randomBytes(bytes);
        const dir = join(work, "outbox", name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, name), data);
        return { name, data, path: join(dir, name) };
    };

    before(async () => {
        checkClient();
        [rucio, storage] = await Promise.all([startRucio({ db: "sqlite" }), startWebdav()]);
        work = mkdtempSync(join(tmpdir(), "srcnet-rucio-protocol-"));
        token = await rucioToken(rucio);
        clientEnv = {
            PATH: process.env.PATH,
            HOME: work,
            LANG: "C.UTF-8",
            RUCIO_CONFIG: rucio.env.RUCIO_CONFIG,
            PYTHONPATH: rucio.env.PYTHONPATH,
            // gfal2 trusts only the test CA, and does not ask every URL for a bearer token.
            X509_CERT_DIR: storage.caDir,
            GFAL_CONFIG_DIR: gfalConfigDir(work),
        };
        await register(atStorage(spec, storage));
    });

    after(async () => {
        await Promise.all([rucio?.stop(), storage?.stop()]);
        if (work) rmSync(work, { recursive: true, force: true });
    });

    describe("the test storage answers as StoRM-WebDAV does where Rucio's client depends on it", () => {
        it("gives a file's adler32 in a Digest header on HEAD and GET, and none for a directory", async () => {
            const data = randomBytes(70_000);
            expect((await davRequest(storage, "MKCOL", "/digest-check/")).status).to.equal(201);
            expect((await davRequest(storage, "PUT", "/digest-check/f.bin", {}, data)).status).to.equal(201);
            expect(readFileSync(onDisk(storage, "/digest-check/f.bin")).equals(data)).to.equal(true);
            for (const method of ["HEAD", "GET"]) {
                const answer = await davRequest(storage, method, "/digest-check/f.bin", { "Want-Digest": "adler32" });
                expect(answer.headers.digest, method).to.equal(`adler32=${adler32(data)}`);
            }
            expect((await davRequest(storage, "PROPFIND", "/digest-check/", { Depth: "0" })).headers.digest).to.equal(undefined);
        });

        it("refuses a request without the bearer token when started with one", async () => {
            const guarded = await startWebdav({ bearerTokens: ["test-bearer-token"] });
            try {
                expect((await davRequest(guarded, "PUT", "/f.bin", {}, Buffer.from("x"))).status).to.equal(401);
                expect((await davRequest(guarded, "PUT", "/f.bin", { Authorization: "Bearer another-token" }, Buffer.from("x"))).status).to.equal(401);
                expect(existsSync(onDisk(guarded, "/f.bin"))).to.equal(false);
                expect((await davRequest(guarded, "PUT", "/f.bin", { Authorization: "Bearer test-bearer-token" }, Buffer.from("x"))).status).to.equal(201);
                expect(readFileSync(onDisk(guarded, "/f.bin"), "utf8")).to.equal("x");
            } finally {
                await guarded.stop();
            }
        });
    });

    it("Rucio holds the program's protocol: only the hostname and port differ from the dev site's", async () => {
        // GET /rses/{rse} is what the clients read (rsemgr.get_rse_info) to build a file's URL.
        const answer = await rucioCall("GET", `/rses/${spec.name}`);
        expect(answer.status, answer.text).to.equal(200);
        const info = JSON.parse(answer.text);
        const davs = info.protocols.filter((p: any) => p.scheme === "davs");
        expect(davs).to.have.length(1);
        expect(davs[0]).to.deep.include({ hostname: storage.hostname, port: storage.port, prefix: spec.protocol.prefix, impl: spec.protocol.impl });
        expect(davs[0].domains).to.deep.equal(spec.protocol.domains);
        expect(info).to.include({ deterministic: spec.deterministic, rse_type: spec.rseType, lfn2pfn_algorithm: spec.attributes.lfn2pfn_algorithm });
    });

    it("rucio upload writes the file at prefix + hash path, with the same bytes, and rucio download reads it back", async () => {
        const file = newFile("protocol-proof", 256 * 1024);
        const expected = whereTheProtocolSays(file.name);
        expect(existsSync(onDisk(storage, expected))).to.equal(false);

        await rucioCli("upload", "--rse", spec.name, "--scope", scope, file.path);
        expect(existsSync(onDisk(storage, expected)), `nothing at ${expected}; the storage saw:\n${storage.requests().slice(-20).join("\n")}`).to.equal(true);
        expect(readFileSync(onDisk(storage, expected)).equals(file.data)).to.equal(true);

        // Rucio names the same place for the replica.
        const replicas = await fetch(`${rucio.url}/replicas/${scope}/${file.name}`, { headers: { "X-Rucio-Auth-Token": token, Accept: "application/x-json-stream" } });
        const replica = JSON.parse((await replicas.text()).trim().split("\n")[0]);
        expect(replica.rses[spec.name]).to.deep.equal([`davs://${storage.hostname}:${storage.port}${expected}`]);

        const downloads = join(work, "downloads");
        await rucioCli("download", "--dir", downloads, `${scope}:${file.name}`);
        expect(readFileSync(join(downloads, scope, file.name)).equals(file.data)).to.equal(true);
    });

    it("negative control: an RSE with another prefix puts the file elsewhere, not where the program's protocol says", async () => {
        const otherPrefix = "/elsewhere/";
        expect(spec.protocol.prefix).to.not.equal(otherPrefix);
        const base = atStorage(spec, storage);
        const other: RseSpec = { ...base, name: `${spec.name}-ELSEWHERE`, protocol: { ...base.protocol, prefix: otherPrefix } };
        await register(other);
        const file = newFile("protocol-control", 4 * 1024);
        await rucioCli("upload", "--rse", other.name, "--scope", scope, file.path);
        expect(existsSync(onDisk(storage, whereTheProtocolSays(file.name)))).to.equal(false);
        expect(readFileSync(onDisk(storage, `${otherPrefix}${hashPath(scope, file.name)}`)).equals(file.data)).to.equal(true);
    });
});

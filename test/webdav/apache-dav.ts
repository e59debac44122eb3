// A WebDAV storage over TLS on 127.0.0.1 for tests, made of Debian's apache2 (mod_dav, mod_dav_fs,
// mod_ssl, mod_lua): a throw-away CA, a document root in a temp dir, and the two StoRM-WebDAV
// behaviours that Rucio's and gfal2's clients rely on (an adler32 Digest header, bearer tokens).
// Started in its own session, stopped with its whole process group.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { request } from "node:https";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { testTools, toolPath } from "../tools";
import { freePort } from "../free-port";

export interface WebdavOptions {
    /** When given, a request without `Authorization: Bearer <one of these>` gets 401, as StoRM does for a storage area without anonymous access. */
    readonly bearerTokens?: readonly string[];
    /** Further DNS names the server certificate is valid for, beside localhost and 127.0.0.1 (a site's StoRM host name). */
    readonly serverNames?: readonly string[];
    /**
     * Serve StoRM-WebDAV's health endpoint, /.storm-webdav/actuator/health, to anyone (token or
     * not), answering this status: UP with 200, DOWN with 503, as Spring Boot maps them. Not served
     * when not given.
     */
    readonly health?: "UP" | "DOWN";
    /** The Digest header: StoRM's adler32 (the default), a value that is not the file's ("wrong"), or none. */
    readonly digest?: "adler32" | "wrong" | "none";
    /** Methods answered 403 to everyone, token or not (a storage whose authorization denies them). */
    readonly refuseMethods?: readonly string[];
}

export interface WebdavStorage {
    /** https://127.0.0.1:<port> */
    readonly url: string;
    readonly hostname: string;
    readonly port: number;
    /** The document root: the file at URL path /a/b is `root`/a/b. */
    readonly root: string;
    /** The test CA alone, hashed by `openssl rehash`: what X509_CERT_DIR must name for gfal2 to trust the server. */
    readonly caDir: string;
    readonly caPem: string;
    /** Each request as "METHOD /path STATUS", oldest first (the access log). */
    requests(): string[];
    /** Accepts one more bearer token from now on (a storage started with bearerTokens). */
    acceptBearerToken(token: string): void;
    stop(): Promise<void>;
}

const modules = "/usr/lib/apache2/modules";
const runUser = "www-data";

/**
 * A program from a Debian package: through toolPath() once tools/setup/test-tools.txt lists it,
 * else found the same way (on PATH, with the sbin directories a non-root PATH may lack).
 */
export function debianProgram(command: string, debianPackage: string): string {
    if (testTools().some((t) => t.command === command)) return toolPath(command);
    try {
        return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8", env: { ...process.env, PATH: `${process.env.PATH ?? ""}:/usr/sbin:/sbin` } }).trim();
    } catch {
        throw new Error(`${command} is not installed; run: sudo apt-get install ${debianPackage} (and list it in tools/setup/test-tools.txt)`);
    }
}

/** The Debian packages the storage needs, checked before anything starts so that a missing one is named. */
function checkInstalled(): string {
    const apache = debianProgram("apache2", "apache2");
    for (const m of ["mod_mpm_prefork", "mod_authz_core", "mod_dav", "mod_dav_fs", "mod_ssl", "mod_lua"]) {
        if (!existsSync(join(modules, `${m}.so`))) throw new Error(`${modules}/${m}.so is missing; run: sudo apt-get install apache2-bin`);
    }
    return apache;
}

/** A CA and a server certificate for localhost and 127.0.0.1 (and `names`) signed by it (gfal2 checks both trust and the name). */
function makeCertificates(tls: string, caDir: string, names: readonly string[]): void {
    const openssl = (...args: string[]) => execFileSync(toolPath("openssl"), args, { cwd: tls, stdio: "pipe" });
    const days = ["-days", "2"];
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=srcnet-site test storage CA", ...days, "-keyout", "ca.key", "-out", "ca.pem",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr");
    writeFileSync(join(tls, "server.ext"), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${["DNS:localhost", "IP:127.0.0.1", ...names.map((n) => `DNS:${n}`)].join(",")}\n`);
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", "2", ...days, "-extfile", "server.ext", "-out", "server.pem");
    cpSync(join(tls, "ca.pem"), join(caDir, "srcnet-test-ca.pem"));
    // OpenSSL-style trust directories are looked up by subject hash (<hash>.0).
    execFileSync(toolPath("openssl"), ["rehash", caDir], { stdio: "pipe" });
}

const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");

/**
 * The request hooks in Lua. The Digest header is StoRM-WebDAV's: on HEAD and GET of a regular file,
 * `Digest: adler32=<value>`, whatever the request's Want-Digest says, the value 8 lower-case hex
 * digits, zero-padded. Sources (the same files at v1.9.0-rc3):
 *   italiangrid/storm-webdav@v1.8.1:src/main/java/org/italiangrid/storm/webdav/server/servlet/ChecksumFilter.java:65,115-116
 *   italiangrid/storm-webdav@v1.8.1:src/main/java/org/italiangrid/storm/webdav/utils/ChecksumHelper.java:9-12
 *   italiangrid/storm-webdav@v1.8.1:src/main/java/org/italiangrid/storm/webdav/checksum/Adler32ChecksumInputStream.java:22-23
 * It is computed on each request, which suits test-sized files. Bearer tokens are compared by their
 * SHA-1, so that the script, readable by the workers, holds no token; tokens accepted after the
 * start are in `extraTokens`, one digest a line, read on each request.
 *
 * The health endpoint is StoRM's: Spring Boot's actuator under /.storm-webdav/actuator on every
 * connector, open to anyone, answering {"status": ...} with 200 for UP and 503 for DOWN
 * (italiangrid/storm-webdav@v1.9.0-rc3:src/main/java/org/italiangrid/storm/webdav/web/PathConstants.java:15-16,
 * spring/AppConfig.java:471-477, spring/web/SecurityConfig.java:151-166, the same at the 1.9.0 bump;
 * spring-boot@v3.4.5:spring-boot-project/spring-boot-actuator/src/main/java/org/springframework/boot/actuate/health/SimpleHttpCodeStatusMapper.java:40-41).
 */
function luaHooks(tokenDigests: readonly string[], extraTokens: string, digest: NonNullable<WebdavOptions["digest"]>, health: WebdavOptions["health"], refused: readonly string[]): string {
    return `-- Written by the srcnet-site test storage.
local tokens = { ${tokenDigests.map((d) => `["${d}"] = true`).join(", ")} }
local extra_tokens = "${extraTokens}"
local digest_mode = "${digest}"
local health_served = ${health !== undefined}
local health_status = "${health ?? "UP"}"
local refused = { ${refused.map((m) => `["${m}"] = true`).join(", ")} }

local function adler32(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local a, b = 1, 0
  while true do
    local chunk = f:read(65536)
    if not chunk then break end
    for i = 1, #chunk do
      a = (a + chunk:byte(i)) % 65521
      b = (b + a) % 65521
    end
  end
  f:close()
  return string.format("%08x", (b << 16) | a)
end

function add_digest(r)
  if digest_mode == "none" then return apache2.DECLINED end
  if r.method ~= "GET" and r.method ~= "HEAD" then return apache2.DECLINED end
  local info = r:stat(r.filename)
  -- filetype 1 is APR_REG: a regular file (directories and missing paths get no checksum).
  if not info or info.filetype ~= 1 then return apache2.DECLINED end
  local value = adler32(r.filename)
  if value and digest_mode == "wrong" then value = string.format("%08x", tonumber(value, 16) ~ 1) end
  if value then r.headers_out["Digest"] = "adler32=" .. value end
  return apache2.DECLINED
end

local function known(digest)
  if tokens[digest] then return true end
  local f = io.open(extra_tokens, "r")
  if not f then return false end
  for line in f:lines() do
    if line == digest then
      f:close()
      return true
    end
  end
  f:close()
  return false
end

function health(r)
  r.content_type = "application/json"
  if health_status ~= "UP" then r.status = 503 end
  r:puts('{"status":"' .. health_status .. '"}')
  return apache2.OK
end

function refuse_methods(r)
  if refused[r.method] then return 403 end
  return apache2.DECLINED
end

function require_bearer(r)
  if health_served and r.uri == "/.storm-webdav/actuator/health" then return apache2.DECLINED end
  local header = r.headers_in["Authorization"] or ""
  local token = header:match("^[Bb]earer%s+(%S+)%s*$")
  if token and known(r:sha1(token)) then return apache2.DECLINED end
  r.err_headers_out["WWW-Authenticate"] = "Bearer"
  return 401
end
`;
}

function apacheConfig(p: { port: number; run: string; tls: string; root: string; lock: string; asRoot: boolean; bearer: boolean; health: boolean; refuse: boolean }): string {
    const lua = join(p.run, "hooks.lua");
    return `# Written by the srcnet-site test storage.
ServerRoot ${p.run}
ServerName 127.0.0.1
Listen 127.0.0.1:${p.port}
PidFile ${p.run}/httpd.pid
DefaultRuntimeDir ${p.run}
ErrorLog ${p.run}/error.log
LogLevel warn
LogFormat "%m %U %>s" requests
CustomLog ${p.run}/requests.log requests
LoadModule mpm_prefork_module ${modules}/mod_mpm_prefork.so
LoadModule authz_core_module ${modules}/mod_authz_core.so
LoadModule dav_module ${modules}/mod_dav.so
LoadModule dav_fs_module ${modules}/mod_dav_fs.so
LoadModule ssl_module ${modules}/mod_ssl.so
LoadModule lua_module ${modules}/mod_lua.so
${p.asRoot ? `User ${runUser}\nGroup ${runUser}` : ""}
StartServers 2
MinSpareServers 1
MaxSpareServers 4
# gfal2 opens a new connection per operation; with keep-alive each one waits for the previous to time out.
KeepAlive Off
SSLEngine on
SSLSessionCache none
SSLCertificateFile ${p.tls}/server.pem
SSLCertificateKeyFile ${p.tls}/server.key
DocumentRoot ${p.root}
DavLockDB ${p.lock}/davlock
<Directory />
    Require all denied
</Directory>
<Directory ${p.root}>
    Dav On
    Options None
    AllowOverride None
    Require all granted
</Directory>
LuaHookFixups ${lua} add_digest
${p.bearer ? `LuaHookAccessChecker ${lua} require_bearer early` : ""}
${p.refuse ? `LuaHookAccessChecker ${lua} refuse_methods early` : ""}
${p.health ? `LuaMapHandler "^/\\.storm-webdav/actuator/health$" ${lua} health` : ""}
`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `p`, at most `ms`; the timer does not outlive it (a pending one would hold mocha's exit). */
async function atMost(p: Promise<unknown>, ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([p, new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
}

/** Any HTTP answer at all from the server, trusting only the test CA. */
function answers(port: number, caPem: string): Promise<boolean> {
    return new Promise((resolve) => {
        const req = request({ host: "127.0.0.1", port, path: "/", method: "HEAD", ca: caPem, timeout: 1000, agent: false }, (res) => {
            res.resume();
            resolve(true);
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(false));
        req.end();
    });
}

function exited(child: ChildProcess): boolean {
    return child.exitCode !== null || child.signalCode !== null;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        /* already gone */
    }
}

export async function startWebdav(opts: WebdavOptions = {}): Promise<WebdavStorage> {
    const apache = checkInstalled();
    const base = mkdtempSync(join(tmpdir(), "srcnet-webdav-"));
    // The server's workers run as www-data when started by root: they must reach the document root.
    chmodSync(base, 0o755);
    const [tls, caDir, run, root, lock] = ["tls", "ca", "run", "root", "lock"].map((d) => join(base, d));
    mkdirSync(tls, { mode: 0o700 });
    for (const d of [caDir, run, root, lock]) mkdirSync(d, { mode: 0o755 });
    makeCertificates(tls, caDir, opts.serverNames ?? []);
    const caPem = readFileSync(join(tls, "ca.pem"), "utf8");
    const asRoot = userInfo().uid === 0;
    if (asRoot) {
        const { uid, gid } = ownerOf(runUser);
        chownSync(root, uid, gid);
        chownSync(lock, uid, gid);
    }
    const extraTokens = join(run, "bearer-tokens");
    writeFileSync(join(run, "hooks.lua"), luaHooks((opts.bearerTokens ?? []).map(sha1), extraTokens, opts.digest ?? "adler32", opts.health, opts.refuseMethods ?? []), { mode: 0o644 });

    let lastError = "";
    for (let attempt = 0; attempt < 3; attempt++) {
        const port = await freePort();
        writeFileSync(join(run, "httpd.conf"), apacheConfig({ port, run, tls, root, lock, asRoot, bearer: opts.bearerTokens !== undefined, health: opts.health !== undefined, refuse: (opts.refuseMethods ?? []).length > 0 }));
        const out = openSync(join(run, "stderr.log"), "a");
        // detached: its own session (setsid), since a prefork apache signals its whole process group on SIGTERM.
        const child = spawn(apache, ["-DFOREGROUND", "-f", join(run, "httpd.conf")], { detached: true, stdio: ["ignore", out, out], env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", LANG: "C" } });
        closeSync(out);
        child.unref();
        const sweep = () => killGroup(child.pid!, "SIGKILL");
        // A test run that ends without stop() must not leave the server running.
        process.once("exit", sweep);
        for (let i = 0; i < 100 && !exited(child); i++) {
            if (await answers(port, caPem)) {
                return storage({ base, root, caDir, caPem, port, run, extraTokens, child, sweep });
            }
            await sleep(100);
        }
        process.removeListener("exit", sweep);
        if (!exited(child)) {
            child.kill("SIGTERM");
            await sleep(200);
            sweep();
        }
        lastError = logTail(run);
        // Another process may have taken the free port between the probe and apache's bind: try another.
        if (!/Address already in use/.test(lastError)) break;
    }
    rmSync(base, { recursive: true, force: true });
    throw new Error(`the test WebDAV storage (apache2) did not start:\n${lastError}`);
}

function ownerOf(user: string): { uid: number; gid: number } {
    const line = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith(`${user}:`));
    if (!line) throw new Error(`no ${user} user to run apache2's workers as root; install apache2 (its base-passwd user)`);
    const [, , uid, gid] = line.split(":");
    return { uid: Number(uid), gid: Number(gid) };
}

function logTail(run: string): string {
    return ["stderr.log", "error.log"]
        .filter((f) => existsSync(join(run, f)))
        .map((f) => readFileSync(join(run, f), "utf8").trim().split("\n").slice(-8).join("\n"))
        .filter(Boolean)
        .join("\n");
}

function storage(s: { base: string; root: string; caDir: string; caPem: string; port: number; run: string; extraTokens: string; child: ChildProcess; sweep: () => void }): WebdavStorage {
    let stopped = false;
    return {
        url: `https://127.0.0.1:${s.port}`,
        hostname: "127.0.0.1",
        port: s.port,
        root: s.root,
        caDir: s.caDir,
        caPem: s.caPem,
        requests: () => {
            const log = join(s.run, "requests.log");
            return existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : [];
        },
        acceptBearerToken: (token) => appendFileSync(s.extraTokens, `${sha1(token)}\n`, { mode: 0o644 }),
        async stop() {
            if (stopped) return;
            stopped = true;
            if (!exited(s.child)) {
                const gone = new Promise<void>((r) => s.child.once("exit", () => r()));
                s.child.kill("SIGTERM");
                await atMost(gone, 10_000);
            }
            // Workers that outlive the parent are in its process group.
            s.sweep();
            process.removeListener("exit", s.sweep);
            rmSync(s.base, { recursive: true, force: true });
        },
    };
}

/**
 * A gfal2 configuration directory for clients of this storage: Debian's /etc/gfal2.d with the HTTP
 * plugin's RETRIEVE_BEARER_TOKEN off, so that gfal2 does not POST to every URL asking for a token.
 * Name it in GFAL_CONFIG_DIR.
 */
export function gfalConfigDir(parent: string): string {
    const source = "/etc/gfal2.d";
    if (!existsSync(join(source, "http_plugin.conf"))) throw new Error(`${source}/http_plugin.conf is missing; run: sudo apt-get install python3-gfal2 gfal2-plugin-http gfal2-plugin-file`);
    const dir = join(parent, "gfal2.d");
    mkdirSync(dir, { recursive: true });
    for (const f of readdirSync(source)) cpSync(join(source, f), join(dir, f));
    const http = join(dir, "http_plugin.conf");
    const text = readFileSync(http, "utf8");
    if (!/^RETRIEVE_BEARER_TOKEN\s*=/m.test(text)) throw new Error(`${source}/http_plugin.conf has no RETRIEVE_BEARER_TOKEN line to turn off`);
    writeFileSync(http, text.replace(/^RETRIEVE_BEARER_TOKEN\s*=.*$/m, "RETRIEVE_BEARER_TOKEN=false"));
    return dir;
}

// A real Rucio REST server (the shared rucio-test-server, Rucio 1.31.7) on loopback for tests:
// started once per test file, restartable in place (same port, same database) for the
// restart-in-the-middle cases. A server that cannot start fails the test with the reason.
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { referenceDir } from "../../tools/render/reference";

export interface RucioServer {
    /** The REST server, also its auth server: http://127.0.0.1:<port>. */
    readonly url: string;
    readonly account: string;
    readonly username: string;
    readonly password: string;
    /** Where everything of this server lives (DIR of `start DIR`). */
    readonly dir: string;
    /** DIR/env parsed: RUCIO_CONFIG and PYTHONPATH run DIR/src/bin/rucio with /usr/bin/python3. */
    readonly env: Record<string, string>;
    stop(): Promise<void>;
    /** Stops the REST server process and starts it again on the same port and database. */
    restart(): Promise<void>;
}

const python = "/usr/bin/python3";

/** The directory of the `start` and `stop` scripts: SRCNET_RUCIO_TEST_SERVER, or beside the reference material. */
export function rucioTestServerDir(): string {
    const dir = process.env.SRCNET_RUCIO_TEST_SERVER ?? join(dirname(referenceDir()), "rucio-test-server");
    if (!existsSync(join(dir, "start"))) throw new Error(`no Rucio test server at ${dir} (its start script is missing); set SRCNET_RUCIO_TEST_SERVER`);
    return dir;
}

function parseEnv(text: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const at = line.indexOf("=");
        if (at > 0) env[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return env;
}

function run(script: string, args: string[], timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
        execFile(script, args, { timeout: timeoutMs, encoding: "utf8" }, (error, _stdout, stderr) => {
            if (error) reject(new Error(`${script} ${args.join(" ")} failed (${error.code ?? error.signal ?? error.message}): ${stderr.trim() || error.message}`));
            else resolve();
        });
    });
}

async function answersPing(url: string): Promise<boolean> {
    try {
        return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })).ok;
    } catch {
        return false;
    }
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startRucio(opts: { db?: "sqlite" | "postgres" } = {}): Promise<RucioServer> {
    const scripts = rucioTestServerDir();
    const dir = mkdtempSync(join(tmpdir(), "srcnet-rucio-"));
    // mkdtemp makes it 0700; PostgreSQL runs as its own user (start as root) and must reach DIR/pg.
    chmodSync(dir, 0o755);
    await run(join(scripts, "start"), [dir, "--db", opts.db ?? "sqlite"], 120_000);
    const envFile = join(dir, "env");
    const env = parseEnv(readFileSync(envFile, "utf8"));
    const url = env.RUCIO_URL;
    const port = new URL(url).port;
    // A server this process started (after a restart) must be waited for, not polled: a killed
    // child stays a zombie, alive to kill(0), until node reaps it.
    let child: ChildProcess | undefined;
    let stopped = false;

    const stopServerProcess = async () => {
        const pid = Number(env.RUCIO_SERVER_PID);
        if (child && child.exitCode === null && child.signalCode === null) {
            const exited = new Promise<void>((r) => child!.once("exit", () => r()));
            child.kill("SIGTERM");
            await Promise.race([exited, sleep(10_000)]);
            if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
            return;
        }
        if (!pid || !alive(pid)) return;
        process.kill(pid, "SIGTERM");
        for (let i = 0; i < 100 && alive(pid); i++) await sleep(100);
        if (alive(pid)) process.kill(pid, "SIGKILL");
    };

    const stopAll = () => {
        if (stopped) return;
        stopped = true;
        try {
            execFileSync(join(scripts, "stop"), [dir], { timeout: 30_000, stdio: "ignore" });
        } catch {
            /* best effort at exit */
        }
        if (child && child.exitCode === null) child.kill("SIGKILL");
    };
    // A test run that ends without stop() (a crash, ^C) must not leave the server running.
    process.once("exit", stopAll);

    const server: RucioServer = {
        url,
        account: env.RUCIO_ACCOUNT,
        username: env.RUCIO_USERNAME,
        password: env.RUCIO_PASSWORD,
        dir,
        env,
        async stop() {
            if (stopped) return;
            await stopServerProcess();
            await run(join(scripts, "stop"), [dir], 60_000);
            stopped = true;
            process.removeListener("exit", stopAll);
            // Everything of the server (its database too) lives in DIR.
            rmSync(dir, { recursive: true, force: true });
        },
        async restart() {
            await stopServerProcess();
            for (let i = 0; i < 50 && (await answersPing(url)); i++) await sleep(100);
            // The same command and environment as the start script (its last lines), same port and database.
            const log = openSync(join(dir, "run", "server.log"), "a");
            child = spawn(python, ["-m", "flask", "--app", "rucio.web.rest.flaskapi.v1.main", "run", "--host", "127.0.0.1", "--port", port], {
                cwd: join(dir, "run"),
                env: { ...process.env, RUCIO_CONFIG: env.RUCIO_CONFIG, PYTHONPATH: env.PYTHONPATH },
                stdio: ["ignore", log, log],
            });
            closeSync(log);
            child.unref();
            env.RUCIO_SERVER_PID = String(child.pid);
            // `stop DIR` reads the PID from DIR/env.
            const text = readFileSync(envFile, "utf8").replace(/^RUCIO_SERVER_PID=.*$/m, `RUCIO_SERVER_PID=${child.pid}`);
            writeFileSync(envFile, text);
            for (let i = 0; i < 300; i++) {
                if (await answersPing(url)) return;
                if (child.exitCode !== null) break;
                await sleep(100);
            }
            const tail = readFileSync(join(dir, "run", "server.log"), "utf8").split("\n").slice(-8).join("\n");
            throw new Error(`the Rucio test server did not come back on ${url} after a restart:\n${tail}`);
        },
    };
    return server;
}

/** A userpass token of the server's root account. */
export async function rucioToken(server: Pick<RucioServer, "url" | "account" | "username" | "password">): Promise<string> {
    const answer = await fetch(`${server.url}/auth/userpass`, {
        headers: { "X-Rucio-Account": server.account, "X-Rucio-Username": server.username, "X-Rucio-Password": server.password },
    });
    const token = answer.headers.get("x-rucio-auth-token");
    if (answer.status !== 200 || !token) throw new Error(`no Rucio token from ${server.url}/auth/userpass: HTTP ${answer.status}`);
    return token;
}

/**
 * Makes a token known to the server as Rucio's JWT validation does once it has checked one
 * (oidc.py __save_validated_token stores it in the tokens table, rucio@1.31.7): the test server
 * cannot validate JWTs itself (no pyjwkest), so a test that needs an IAM token accepted records it
 * so, with the scope the token was validated for.
 */
export function recordValidatedToken(rucio: RucioServer, token: string, account: string, identity: string, oidcScope = "openid"): void {
    const script = [
        "import sys, datetime",
        "from rucio.db.sqla.session import get_session",
        "from rucio.db.sqla import models",
        "from rucio.common.types import InternalAccount",
        "s = get_session()",
        "models.Token(account=InternalAccount(sys.argv[1]), token=sys.argv[2], identity=sys.argv[3], expired_at=datetime.datetime.utcnow() + datetime.timedelta(hours=1), audience='rucio', oidc_scope=sys.argv[4]).save(session=s)",
        "s.commit()",
    ].join("\n");
    execFileSync(python, ["-c", script, account, token, identity, oidcScope], { env: { ...process.env, ...rucio.env }, cwd: join(rucio.dir, "run"), stdio: "pipe" });
}

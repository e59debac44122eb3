// A real JupyterHub on loopback: Debian's jupyterhub 3.0 with oauthenticator 17.4 from
// shared/reference/python, configured by hubAuthConfig (the same text the chart gets) plus what
// only a loopback run needs: ports, a temporary database, and a spawner without Kubernetes that
// starts the real notebook command (the token agent, then Debian's jupyterhub-singleuser).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { hubAuthConfig, hubFiles, hubSecretEnv, notebookCommand, notebookTokenEnv, notebookTokenFiles, type HubAuthSettings, type TokenTiming } from "../../components/jupyterhub/render/hub-auth";
import { repoRoot } from "../harness";
import { toolPath } from "../tools";
import { alive, kill, processesWithEnv } from "./processes";
import { freePort } from "../free-port";

/** oauthenticator's source (shared/reference/NOTICE.md, "python/oauthenticator-17.4.0"). */
export const oauthenticatorDir = join(repoRoot, "..", "shared", "reference", "python", "oauthenticator-17.4.0");
/** Debian's Python, the one jupyterhub is installed for (a pyenv python3 on PATH has none). */
export const debianPython = "/usr/bin/python3";

export interface HubOptions {
    readonly auth: Omit<HubAuthSettings, "hubUrl" | "authModuleDir" | "timing">;
    readonly timing: TokenTiming;
    readonly loginClientSecret: string;
    readonly exchangeClientSecret: string;
}

export interface RunningHub {
    /** The public URL (the proxy), http://127.0.0.1:PORT. */
    readonly url: string;
    readonly dir: string;
    /** The notebook's token file (in the temporary directory). */
    readonly tokenFile: string;
    /** The last lines of the hub's log, for a failure message. */
    logTail(lines?: number): string;
    /** The notebook server's API token, as the agent in it has it (undefined when none runs). */
    serverApiToken(): string | undefined;
    stop(): Promise<void>;
}

const py = (v: unknown) => JSON.stringify(v);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The configuration only a loopback run needs, after the site's own. */
function loopbackConfig(dir: string, ports: { proxy: number; hub: number; api: number }, timing: TokenTiming, tokenFile: string, agentPath: string): string {
    return [
        "",
        "# --- the loopback test's own: ports, state in a temporary directory, a local spawner ---",
        `c.JupyterHub.bind_url = ${py(`http://127.0.0.1:${ports.proxy}`)}`,
        `c.JupyterHub.hub_bind_url = ${py(`http://127.0.0.1:${ports.hub}`)}`,
        `c.ConfigurableHTTPProxy.api_url = ${py(`http://127.0.0.1:${ports.api}`)}`,
        `c.ConfigurableHTTPProxy.command = [${py(toolPath("configurable-http-proxy"))}]`,
        `c.JupyterHub.db_url = ${py(`sqlite:///${join(dir, "jupyterhub.sqlite")}`)}`,
        `c.JupyterHub.cookie_secret_file = ${py(join(dir, "cookie_secret"))}`,
        `c.JupyterHub.pid_file = ${py(join(dir, "jupyterhub.pid"))}`,
        'c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"',
        `c.SimpleLocalProcessSpawner.home_dir_template = ${py(join(dir, "home", "{username}"))}`,
        `c.Spawner.cmd = ${py(notebookCommand(agentPath))}`,
        `c.Spawner.environment = ${py({ ...notebookTokenEnv(timing, tokenFile), PATH: "/usr/bin:/bin" })}`,
        // The single-user server refuses root, which a test container often is.
        ...(process.getuid?.() === 0 ? ['c.Spawner.args = ["--allow-root"]'] : []),
        "c.Spawner.start_timeout = 30",
        "c.Spawner.http_timeout = 30",
        "",
    ].join("\n");
}

export async function startHub(opts: HubOptions): Promise<RunningHub> {
    const dir = mkdtempSync(join(tmpdir(), "srcnet-jupyterhub-"));
    const ports = { proxy: await freePort(), hub: await freePort(), api: await freePort() };
    const url = `http://127.0.0.1:${ports.proxy}`;
    // The hub's module and the notebook's agent, as the chart mounts them, under the temporary directory.
    const moduleFile = join(dir, "hub", Object.values(hubFiles())[0].mountPath.split("/").pop()!);
    const agent = Object.values(notebookTokenFiles())[0];
    const agentPath = join(dir, "bin", agent.mountPath.split("/").pop()!);
    for (const [path, file] of [
        [moduleFile, Object.values(hubFiles())[0]],
        [agentPath, agent],
    ] as const) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, file.content);
        chmodSync(path, file.mode);
    }
    const tokenFile = join(dir, "run", "srcnet", "access_token");
    mkdirSync(dirname(tokenFile), { recursive: true, mode: 0o700 });
    const config = hubAuthConfig({ ...opts.auth, hubUrl: url, authModuleDir: dirname(moduleFile), timing: opts.timing }) + loopbackConfig(dir, ports, opts.timing, tokenFile, agentPath);
    writeFileSync(join(dir, "jupyterhub_config.py"), config);

    const logFile = join(dir, "hub.log");
    const log = openSync(logFile, "a");
    const child: ChildProcess = spawn(debianPython, ["-m", "jupyterhub", "-f", join(dir, "jupyterhub_config.py")], {
        cwd: dir,
        env: {
            PATH: "/usr/bin:/bin",
            HOME: dir,
            PYTHONPATH: oauthenticatorDir,
            // Debian's configurable-http-proxy finds its modules there; a Node not built by Debian does not look.
            NODE_PATH: "/usr/share/nodejs",
            [hubSecretEnv.loginClientSecret]: opts.loginClientSecret,
            [hubSecretEnv.exchangeClientSecret]: opts.exchangeClientSecret,
            [hubSecretEnv.cryptKey]: randomBytes(32).toString("hex"),
        },
        stdio: ["ignore", log, log],
        detached: true,
    });
    closeSync(log);
    const logTail = (lines = 30) => readFileSync(logFile, "utf8").split("\n").slice(-lines).join("\n");
    const notebookProcesses = () => processesWithEnv("SRCNET_TOKEN_FILE", tokenFile);

    let stopped = false;
    const stopNow = () => {
        for (const p of notebookProcesses()) kill(p.pid, "SIGKILL");
        if (child.pid && alive(child.pid)) kill(-child.pid, "SIGKILL");
    };
    process.once("exit", stopNow);

    const hub: RunningHub = {
        url,
        dir,
        tokenFile,
        logTail,
        serverApiToken: () => notebookProcesses().find((p) => p.env.JUPYTERHUB_API_TOKEN)?.env.JUPYTERHUB_API_TOKEN,
        async stop() {
            if (stopped) return;
            stopped = true;
            process.removeListener("exit", stopNow);
            const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", () => r())));
            // SIGTERM: the hub stops the servers it spawned and its proxy (cleanup_servers, cleanup_proxy).
            if (child.pid) kill(-child.pid, "SIGTERM");
            await Promise.race([exited, sleep(10_000)]);
            stopNow();
            rmSync(dir, { recursive: true, force: true });
        },
    };
    // Ready when the hub answers through its proxy.
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
        if (child.exitCode !== null) break;
        try {
            const res = await fetch(`${url}/hub/api`);
            if (res.ok) return hub;
        } catch {
            // Not listening yet.
        }
        await sleep(200);
    }
    const tail = logTail();
    await hub.stop();
    throw new Error(`JupyterHub did not come up on ${url}:\n${tail}`);
}

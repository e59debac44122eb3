// The processes a test started, found by a marker in their environment (/proc/PID/environ, which
// a process of the same user may read): the notebook server and its token agent, whose API token
// the test uses as the agent does, and which the test stops by their IDs at the end.
import { readdirSync, readFileSync } from "node:fs";

export interface MarkedProcess {
    readonly pid: number;
    readonly env: Record<string, string>;
    readonly cmdline: string[];
}

/** Processes whose environment has `name` set to `value`. */
export function processesWithEnv(name: string, value: string): MarkedProcess[] {
    const found: MarkedProcess[] = [];
    for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        try {
            const env = Object.fromEntries(
                readFileSync(`/proc/${entry}/environ`, "utf8")
                    .split("\0")
                    .filter(Boolean)
                    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
            );
            if (env[name] !== value) continue;
            const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").filter(Boolean);
            found.push({ pid: Number(entry), env, cmdline });
        } catch {
            // Gone meanwhile, or not ours.
        }
    }
    return found;
}

export function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

export function kill(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(pid, signal);
    } catch {
        // Already gone.
    }
}

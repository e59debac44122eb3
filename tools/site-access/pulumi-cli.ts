// The Pulumi CLI as the operator tools run it, in the project: its stdout is the answer and is
// never shown (`stack output --show-secrets`, `config get` and `stack export --show-secrets` print
// secrets there); a failure is told by one line of its error output. No command line here holds a
// secret, so no message does.
import { spawnSync } from "node:child_process";
import { projectRoot } from "../../components/project-files";
import { SiteInputError } from "./site-config";

export interface RunResult {
    /** The exit code; null when a signal ended it. */
    readonly status: number | null;
    readonly signal?: string | null;
    readonly stdout: string;
    readonly stderr: string;
    /** It could not be run at all (not installed). */
    readonly error?: Error;
}

/** Runs the pulumi CLI; injected, so that tests give their own. */
export type PulumiRunner = (args: readonly string[]) => RunResult;

export function pulumiRunner(cwd: string = projectRoot()): PulumiRunner {
    return (args) => {
        const r = spawnSync("pulumi", args, { cwd, encoding: "utf8", maxBuffer: 512 * 1024 * 1024, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
        return { status: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ...(r.error ? { error: r.error } : {}) };
    };
}

/** The line of pulumi's error output that says what went wrong: its last `error:` line, else its last line. */
export function errorLine(stderr: string): string | undefined {
    const lines = stderr
        .split("\n")
        .map((l) => l.trim())
        .filter(Boolean);
    const line = [...lines].reverse().find((l) => l.startsWith("error:")) ?? lines.at(-1);
    return line === undefined ? undefined : line.slice(0, 300);
}

/** Why a run failed, for `what` it was to read ("the outputs of stack dev"); undefined when it did not. */
export function pulumiFailure(args: readonly string[], r: RunResult, what: string): string | undefined {
    if (r.error) {
        const code = (r.error as NodeJS.ErrnoException).code;
        return `cannot run pulumi to read ${what}: ${code === "ENOENT" ? "it is not installed (or not on PATH)" : r.error.message}`;
    }
    if (r.status === 0) return undefined;
    const how = r.status !== null ? `exit ${r.status}` : `ended by ${r.signal ?? "a signal"}`;
    return `pulumi ${args.slice(0, 2).join(" ")} failed (${how}) reading ${what}: ${errorLine(r.stderr) ?? "it wrote no error output"}`;
}

/** pulumi's stdout, or a SiteInputError naming what it was to read and why it could not. */
export function runPulumi(run: PulumiRunner, args: readonly string[], what: string): string {
    const r = run(args);
    const failure = pulumiFailure(args, r, what);
    if (failure) throw new SiteInputError(failure);
    return r.stdout;
}

/** A secret config key of the stack, through `pulumi config get` (which prints a secret's value). */
export function configSecret(run: PulumiRunner, stack: string, key: string, envName: string): string {
    const value = runPulumi(run, ["config", "get", key, "--stack", stack], `the secret ${key} (or set ${envName})`).replace(/\r?\n$/, "");
    if (!value) throw new SiteInputError(`stack ${stack} has no value for ${key}; set ${envName} instead`);
    return value;
}

// The two plans `npm run diff` compares: the base revision's, made by that revision's own synth in
// a throw-away git worktree, and the working tree's, made by its own synth. Both record keyed
// digests of their secrets with one key that lives only in this process and its children.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { projectRoot } from "../../components/project-files";
import { secretDigestKeyEnv, type Plan } from "../synth/plan";
import { stackFilePattern } from "../engine/stack-file";

export interface RevisionPlans {
    readonly stack: string;
    readonly base?: Plan;
    readonly head?: Plan;
    /** Why a side has no plan although its stack file exists (its config is invalid there). */
    readonly baseProblems?: readonly string[];
    readonly headProblems?: readonly string[];
}

const git = (repo: string, ...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/** The revision to compare with when none is given: where the change left the main branch. */
export function defaultBase(repo: string): string {
    for (const main of ["origin/main", "main"]) {
        try {
            return git(repo, "merge-base", "HEAD", main);
        } catch {
            // try the next name
        }
    }
    throw new Error("no main branch to compare with (origin/main or main); give --base REF");
}

/** The stack files among a directory's file names, by stack name. */
function stackFiles(names: readonly string[]): Map<string, string> {
    const files = new Map<string, string>();
    for (const name of names) {
        const stack = stackFilePattern.exec(name)?.[1];
        if (stack !== undefined) files.set(stack, name);
    }
    return files;
}

/** The commands running now, stopped with the diff when the diff is stopped. */
const running = new Set<ChildProcess>();

/** Runs a command; its output is shown only when it fails (npm and tsc say much). */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ ok: boolean; output: string }> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        running.add(child);
        let output = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
        child.on("error", (err) => resolve({ ok: false, output: `${output}${err.message}` }));
        child.on("close", (code) => {
            running.delete(child);
            resolve({ ok: code === 0, output });
        });
    });
}

/** Shares this program's node_modules when the lock file is the same, else installs the revision's own. */
async function installModules(into: string, what: string): Promise<void> {
    if (existsSync(join(into, "node_modules"))) return;
    const own = projectRoot();
    const lock = (dir: string) => (existsSync(join(dir, "package-lock.json")) ? readFileSync(join(dir, "package-lock.json"), "utf8") : "");
    if (lock(own) === lock(into) && existsSync(join(own, "node_modules"))) {
        symlinkSync(join(own, "node_modules"), join(into, "node_modules"), "dir");
        return;
    }
    const install = await run("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], into);
    if (!install.ok) throw new Error(`npm ci failed for ${what}:\n${install.output.slice(-2000)}`);
}

/** Builds a checkout with its own compiler; type errors do not stop the emit, a missing synth does. */
async function build(dir: string, what: string): Promise<void> {
    await installModules(dir, what);
    // A synth left from an earlier build must not stand in for one this build failed to make.
    rmSync(join(dir, "bin", "tools", "synth"), { recursive: true, force: true });
    rmSync(join(dir, "bin", ".tsbuildinfo"), { force: true }); // else tsc thinks nothing is to emit
    const compiled = await run(join(dir, "node_modules", ".bin", "tsc"), ["-p", "."], dir);
    if (!existsSync(join(dir, "bin", "tools", "synth", "main.js"))) {
        throw new Error(`${what} does not build a synth (bin/tools/synth/main.js)${compiled.output ? `:\n${compiled.output.slice(-2000)}` : ""}`);
    }
}

/** One stack synthesized by a checkout's own synth, in a child process, with the run's digest key. */
async function synthIn(dir: string, stackFile: string, out: string, key: string): Promise<{ plan?: Plan; problems?: string[] }> {
    const r = await run(process.execPath, [join(dir, "bin", "tools", "synth", "main.js"), "--config-file", stackFile, "--out", out], dir, { ...process.env, [secretDigestKeyEnv]: key });
    if (!r.ok) return { problems: r.output.split("\n").filter((l) => l.length > 0 && !l.startsWith("note: ")) };
    return { plan: JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as Plan };
}

const scratchPrefix = "srcnet-diff-";

/** Whether the run that made a scratch directory is still going (its pid file names a live process). */
function ownerAlive(scratch: string): boolean {
    try {
        const pid = Number(readFileSync(join(scratch, "pid"), "utf8"));
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** Removes a worktree of `repo`; one whose directory is gone already is left to `git worktree prune`. */
function removeWorktree(repo: string, path: string): void {
    try {
        git(repo, "worktree", "remove", "--force", path);
    } catch {
        // already gone: pruned next
    }
}

/** Worktrees an interrupted run left (their directories may be gone already); a running diff's are left alone. */
function pruneStale(repo: string): void {
    const listed = git(repo, "worktree", "list", "--porcelain").split("\n").filter((l) => l.startsWith("worktree ")).map((l) => l.slice("worktree ".length));
    for (const path of listed) {
        if (path.startsWith(join(tmpdir(), scratchPrefix)) && !ownerAlive(dirname(path))) removeWorktree(repo, path);
    }
    git(repo, "worktree", "prune");
    // Scratch directories of runs that were killed outright (no worktree left to name them).
    for (const name of readdirSync(tmpdir())) {
        const dir = join(tmpdir(), name);
        if (name.startsWith(scratchPrefix) && existsSync(join(dir, "pid")) && !ownerAlive(dir)) rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * Plans of the named stacks (every stack of either side when none is named) at `base` and in the
 * working tree of `repo`, each made by that side's own code. The worktree and the synth output
 * are removed afterwards, also when the run is interrupted.
 */
export async function plansToCompare(repo: string, base: string, only: readonly string[]): Promise<RevisionPlans[]> {
    const commit = git(repo, "rev-parse", "--verify", `${base}^{commit}`);
    pruneStale(repo);
    const key = randomBytes(32).toString("hex");
    const scratch = mkdtempSync(join(tmpdir(), scratchPrefix));
    writeFileSync(join(scratch, "pid"), String(process.pid));
    const worktree = join(scratch, "base");
    const cleanUp = () => {
        if (existsSync(worktree)) removeWorktree(repo, worktree);
        rmSync(scratch, { recursive: true, force: true });
        try {
            git(repo, "worktree", "prune");
        } catch {
            // nothing to prune
        }
    };
    const interrupted = (signal: NodeJS.Signals) => {
        for (const child of running) child.kill("SIGKILL");
        cleanUp();
        process.exit(signal === "SIGINT" ? 130 : 143);
    };
    process.once("SIGINT", interrupted);
    process.once("SIGTERM", interrupted);
    try {
        const baseStacks = stackFiles(git(repo, "ls-tree", "--name-only", commit).split("\n"));
        const headStacks = stackFiles(readdirSync(repo));
        const unknown = only.filter((s) => !baseStacks.has(s) && !headStacks.has(s));
        if (unknown.length > 0) throw new Error(`no stack file Pulumi.<stack>.yaml for: ${unknown.join(", ")}`);
        const stacks = (only.length > 0 ? [...only] : [...new Set([...baseStacks.keys(), ...headStacks.keys()])]).sort();
        // The change's plans come from the change's own build, like the base's from the base's:
        // the comparison never runs either side's program in this process.
        if (repo !== projectRoot()) await build(repo, `the checkout ${repo}`);
        if (stacks.some((s) => baseStacks.has(s))) {
            git(repo, "worktree", "add", "--detach", "--force", worktree, commit);
            await build(worktree, `the base revision ${commit}`);
        }
        const out: RevisionPlans[] = [];
        for (const stack of stacks) {
            type Side = { plan?: Plan; problems?: string[] };
            const baseFile = baseStacks.get(stack);
            const headFile = headStacks.get(stack);
            const [b, h] = await Promise.all<Side>([
                baseFile ? synthIn(worktree, join(worktree, baseFile), join(scratch, "out", "base", stack), key) : {},
                headFile ? synthIn(repo, join(repo, headFile), join(scratch, "out", "head", stack), key) : {},
            ]);
            out.push({ stack, base: b.plan, head: h.plan, ...(b.problems ? { baseProblems: b.problems } : {}), ...(h.problems ? { headProblems: h.problems } : {}) });
        }
        return out;
    } finally {
        process.off("SIGINT", interrupted);
        process.off("SIGTERM", interrupted);
        cleanUp();
    }
}

// The two plans `npm run diff` compares: the base revision's, made by that revision's own synth in
// a throw-away git worktree, and the working tree's, made here. Both record keyed digests of their
// secrets with one key that lives only in this process and its children.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Plan } from "../synth/plan";
import { synthesize } from "../synth/synthesize";
import { stackNameOf } from "../engine/stack-file";

export interface RevisionPlans {
    readonly stack: string;
    readonly base?: Plan;
    readonly head?: Plan;
    /** Why a side has no plan although its stack file exists (its config is invalid there). */
    readonly baseProblems?: readonly string[];
    readonly headProblems?: readonly string[];
}

const git = (repo: string, ...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

const stackFilePattern = /^Pulumi\.(.+)\.ya?ml$/;

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

function stacksAt(repo: string, commit: string): string[] {
    return git(repo, "ls-tree", "--name-only", commit).split("\n").filter((f) => stackFilePattern.test(f)).map(stackNameOf);
}

function stacksIn(dir: string): string[] {
    return readdirSync(dir).filter((f) => stackFilePattern.test(f)).map(stackNameOf);
}

/** Runs a command; its output is shown only when it fails (npm and tsc say much). */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): { ok: boolean; output: string } {
    const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return { ok: r.status === 0, output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** Checks out and builds the base revision; node_modules is shared when its lock file is the same. */
function prepareBase(repo: string, commit: string, into: string): void {
    git(repo, "worktree", "add", "--detach", "--force", into, commit);
    const lock = (dir: string) => (existsSync(join(dir, "package-lock.json")) ? readFileSync(join(dir, "package-lock.json"), "utf8") : "");
    if (lock(repo) === lock(into) && existsSync(join(repo, "node_modules"))) {
        symlinkSync(join(repo, "node_modules"), join(into, "node_modules"), "dir");
    } else {
        const install = run("npm", ["ci", "--no-audit", "--no-fund", "--ignore-scripts"], into);
        if (!install.ok) throw new Error(`npm ci failed for the base revision ${commit}:\n${install.output.slice(-2000)}`);
    }
    // Type errors do not stop the emit; what matters is that the base's synth exists afterwards.
    run(join(into, "node_modules", ".bin", "tsc"), ["-p", "."], into);
    if (!existsSync(join(into, "bin", "tools", "synth", "main.js"))) throw new Error(`the base revision ${commit} does not build a synth (bin/tools/synth/main.js)`);
}

function baseSynth(dir: string, stack: string, out: string, key: string): { plan?: Plan; problems?: string[] } {
    const r = run(process.execPath, [join(dir, "bin", "tools", "synth", "main.js"), "--config-file", join(dir, `Pulumi.${stack}.yaml`), "--out", out], dir, { ...process.env, SRCNET_SECRET_DIGEST_KEY: key });
    if (!r.ok) return { problems: r.output.split("\n").filter((l) => l.length > 0 && !l.startsWith("note: ")) };
    return { plan: JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as Plan };
}

/**
 * Plans of the named stacks (every stack of either side when none is named) at `base` and in the
 * working tree of `repo`. The worktree and the synth output are removed afterwards.
 */
export async function plansToCompare(repo: string, base: string, only: readonly string[]): Promise<RevisionPlans[]> {
    const commit = git(repo, "rev-parse", "--verify", `${base}^{commit}`);
    const key = randomBytes(32).toString("hex");
    const scratch = mkdtempSync(join(tmpdir(), "srcnet-diff-"));
    const worktree = join(scratch, "base");
    try {
        const baseStacks = new Set(stacksAt(repo, commit));
        const headStacks = new Set(stacksIn(repo));
        const unknown = only.filter((s) => !baseStacks.has(s) && !headStacks.has(s));
        if (unknown.length > 0) throw new Error(`no stack file Pulumi.<stack>.yaml for: ${unknown.join(", ")}`);
        const stacks = (only.length > 0 ? [...only] : [...new Set([...baseStacks, ...headStacks])]).sort();
        if (stacks.some((s) => baseStacks.has(s))) prepareBase(repo, commit, worktree);
        const out: RevisionPlans[] = [];
        for (const stack of stacks) {
            const b = baseStacks.has(stack) ? baseSynth(worktree, stack, join(scratch, "out", "base", stack), key) : {};
            let head: Plan | undefined;
            let headProblems: readonly string[] | undefined;
            if (headStacks.has(stack)) {
                const result = await synthesize({ configFile: join(repo, `Pulumi.${stack}.yaml`), outDir: join(scratch, "out", "head", stack), secretDigestKey: key });
                if (result.ok) head = result.plan;
                else headProblems = result.problems;
            }
            out.push({ stack, base: b.plan, head, ...(b.problems ? { baseProblems: b.problems } : {}), ...(headProblems ? { headProblems } : {}) });
        }
        return out;
    } finally {
        if (existsSync(worktree)) {
            try {
                git(repo, "worktree", "remove", "--force", worktree);
            } catch {
                // removed with the scratch directory below; `git worktree prune` forgets it
            }
        }
        rmSync(scratch, { recursive: true, force: true });
        try {
            git(repo, "worktree", "prune");
        } catch {
            // nothing to prune
        }
    }
}

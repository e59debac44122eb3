// npm run diff end to end: a checkout whose stack files are changed, compared with its commit, as
// a pull request's job runs it (the base built in a worktree of its own).
import { expect } from "chai";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { secretDigestKeyEnv } from "../tools/synth/plan";
import { repoRoot } from "./harness";

const cli = join(repoRoot, "bin", "tools", "diff", "main.js");
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, [secretDigestKeyEnv]: "" } });

describe("npm run diff (the command)", function () {
    this.timeout(300000);
    let scratch: string;
    let checkout: string;
    before(() => {
        scratch = mkdtempSync(join(tmpdir(), "srcnet-difftest-"));
        checkout = join(scratch, "change");
        execFileSync("git", ["-C", repoRoot, "worktree", "add", "--detach", checkout, "HEAD"], { stdio: "ignore" });
        symlinkSync(join(repoRoot, "node_modules"), join(checkout, "node_modules"), "dir");
    });
    after(() => {
        spawnSync("git", ["-C", repoRoot, "worktree", "remove", "--force", checkout]);
        rmSync(scratch, { recursive: true, force: true });
        spawnSync("git", ["-C", repoRoot, "worktree", "prune"]);
    });

    it("reports each site's change, writes the Markdown, and exits 3 when a production site would replace its data volume", () => {
        const edit = (stack: string, from: string, to: string) => {
            const file = join(checkout, `Pulumi.${stack}.yaml`);
            const text = readFileSync(file, "utf8");
            expect(text).to.include(from);
            writeFileSync(file, text.replace(from, to));
        };
        edit("uksrc", "type: ceph-hdd", "type: ceph-ssd");
        edit("dev", "flavor: m1.medium", "flavor: m1.large");
        const md = join(scratch, "diff.md");
        const json = join(scratch, "diff.json");
        const r = run(["--repo", checkout, "--base", "HEAD", "--markdown", md, "--json", json]);
        expect(r.stderr).to.equal("");
        expect(r.status, r.stdout).to.equal(3);
        expect(r.stdout).to.include("dev (test): 1 updated");
        expect(r.stdout, r.stdout).to.include("uksrc (production): 2 replaced");
        expect(r.stdout).to.include("NEEDS APPROVAL: uksrc-storm-data (openstack:blockstorage/volume:Volume) would be replaced");
        const markdown = readFileSync(md, "utf8");
        expect(markdown).to.include("| uksrc | production | 2 replaced |");
        expect(markdown).to.include('`flavorName`: "m1.medium" → "m1.large"');
        const report = JSON.parse(readFileSync(json, "utf8"));
        expect(report.sites.map((s: any) => s.stack)).to.deep.equal(["dev", "uksrc"]);
        // The base's synth recorded digests with the run's key: secrets were comparable.
        expect(report.sites.flatMap((s: any) => s.warnings)).to.deep.equal([]);
        // Nothing is left behind: no worktree of the base, no synth output in the checkout.
        expect(execFileSync("git", ["-C", repoRoot, "worktree", "list"], { encoding: "utf8" })).not.to.include("srcnet-diff-");
        expect(existsSync(join(checkout, "synth-out"))).to.equal(false);
    });

    it("exits 0 when no production site needs an approval, and 2 for an unknown flag", () => {
        const dev = execFileSync("git", ["-C", checkout, "show", "HEAD:Pulumi.dev.yaml"], { encoding: "utf8" });
        expect(dev).to.include("flavor: m1.medium");
        writeFileSync(join(checkout, "Pulumi.dev.yaml"), dev.replace("flavor: m1.medium", "flavor: m1.large"));
        const r = run(["--repo", checkout, "--base", "HEAD", "--stack", "dev"]);
        expect(r.status, r.stderr).to.equal(0);
        expect(r.stdout).to.include("dev (test): 1 updated");
        expect(r.stdout).not.to.include("NEEDS APPROVAL");
        const usage = run(["--bogus"]);
        expect(usage.status).to.equal(2);
        expect(usage.stderr).to.include("usage: npm run diff");
    });

    it("exits 1 with the config's problems when a stack is invalid in the change, and 2 for a stack that does not exist", () => {
        const invalid = join(checkout, "Pulumi.broken.yaml");
        writeFileSync(invalid, readFileSync(join(checkout, "Pulumi.dev.yaml"), "utf8").replace("environment: test", "environment: staging"));
        try {
            const r = run(["--repo", checkout, "--base", "HEAD", "--stack", "broken"]);
            expect(r.status, r.stderr).to.equal(1);
            expect(r.stderr).to.include("broken: its config is invalid in this change");
            expect(r.stderr).to.include("site.environment");
        } finally {
            rmSync(invalid);
        }
        const missing = run(["--repo", checkout, "--base", "HEAD", "--stack", "nowhere"]);
        expect(missing.status).to.equal(2);
        expect(missing.stderr).to.include("no stack file Pulumi.<stack>.yaml for: nowhere");
    });

    it("exits 2 when the base does not synthesize a stack it has: the change cannot be judged", () => {
        const file = join(checkout, "Pulumi.late.yaml");
        const valid = readFileSync(join(checkout, "Pulumi.dev.yaml"), "utf8");
        writeFileSync(file, valid.replace("environment: test", "environment: staging"));
        const git = (...args: string[]) => execFileSync("git", ["-C", checkout, "-c", "user.name=test", "-c", "user.email=test@example.org", ...args], { encoding: "utf8" });
        git("add", "Pulumi.late.yaml");
        git("commit", "-q", "-m", "a stack file the base cannot synthesize");
        try {
            writeFileSync(file, valid);
            const r = run(["--repo", checkout, "--base", "HEAD", "--stack", "late"]);
            expect(r.status, r.stdout).to.equal(2);
            expect(r.stderr).to.include("late: the base revision HEAD does not synthesize it");
        } finally {
            git("reset", "-q", "--hard", "HEAD~1");
            rmSync(file, { force: true });
        }
    });

    it("removes a worktree an interrupted run left, and leaves a running one's alone", () => {
        const made: string[] = [];
        const worktreeOf = (pid: number) => {
            const scratch = mkdtempSync(join(tmpdir(), "srcnet-diff-"));
            writeFileSync(join(scratch, "pid"), String(pid));
            execFileSync("git", ["-C", repoRoot, "worktree", "add", "--detach", join(scratch, "base"), "HEAD"], { stdio: "ignore" });
            made.push(scratch);
            return join(scratch, "base");
        };
        // A pid above the kernel's limit (4194304) is never a live process.
        const stale = worktreeOf(4194305);
        const live = worktreeOf(process.pid);
        // A run killed outright leaves its scratch directory with no worktree in it.
        const orphan = mkdtempSync(join(tmpdir(), "srcnet-diff-"));
        writeFileSync(join(orphan, "pid"), "4194305");
        made.push(orphan);
        try {
            const r = run(["--repo", checkout, "--base", "HEAD", "--stack", "nowhere"]);
            expect(r.status).to.equal(2);
            const listed = execFileSync("git", ["-C", repoRoot, "worktree", "list"], { encoding: "utf8" });
            expect(listed).not.to.include(stale);
            expect(listed).to.include(live);
            expect(existsSync(orphan)).to.equal(false);
            expect(existsSync(live)).to.equal(true);
        } finally {
            spawnSync("git", ["-C", repoRoot, "worktree", "remove", "--force", live]);
            for (const dir of made) rmSync(dir, { recursive: true, force: true });
            spawnSync("git", ["-C", repoRoot, "worktree", "prune"]);
        }
    });

    it("removes the base's worktree when it is stopped half way", async () => {
        const child = spawn(process.execPath, [cli, "--repo", checkout, "--base", "HEAD"], { stdio: "ignore" });
        const worktrees = () => execFileSync("git", ["-C", repoRoot, "worktree", "list"], { encoding: "utf8" });
        const deadline = Date.now() + 120000;
        let made: RegExpExecArray | null;
        while (!(made = /(\S*srcnet-diff-[^\s/]+)\/base/.exec(worktrees()))) {
            if (Date.now() > deadline || child.exitCode !== null) throw new Error("the diff never made its worktree");
            await new Promise((r) => setTimeout(r, 100));
        }
        const scratch = made[1];
        child.kill("SIGTERM");
        const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
        expect(code).to.equal(143);
        // This run's worktree and scratch directory (other runs may be going on the same machine).
        expect(worktrees()).not.to.include(scratch);
        expect(existsSync(scratch)).to.equal(false);
    });
});

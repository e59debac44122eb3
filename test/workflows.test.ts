// The GitHub workflows, offline: each against GitHub's own workflow parser, actionlint and
// ShellCheck, and each keeping the project's rules (tools/workflows/lint.ts). Every rule is also
// run on a broken copy of a real workflow, to show that it fails when it should. The comment
// workflow's script runs here against a stand-in GitHub API.
import { expect } from "chai";
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import {
    actionlintProblems,
    jobsOf,
    readWorkflows,
    ruleProblems,
    rules,
    schemaProblems,
    shellcheckProblems,
    stepsOf,
    triggers,
    workflowFile,
    type Rule,
    type WorkflowFile,
} from "../tools/workflows/lint";
import { actionPins } from "../tools/workflows/pins";
import { repoRoot } from "./harness";

const workflowsDir = join(repoRoot, ".github", "workflows");
const files = readWorkflows(workflowsDir);
const byName = (name: string): WorkflowFile => {
    const found = files.find((f) => f.name === name);
    if (!found) throw new Error(`no workflow ${name}`);
    return found;
};
/** A copy of a workflow with its text changed; the change must take. */
const edited = (name: string, from: string | RegExp, to: string): WorkflowFile => {
    const file = byName(name);
    const text = file.text.replace(from, to);
    if (text === file.text) throw new Error(`${name} has no ${from}`);
    return workflowFile(name, text);
};
/** A copy of a workflow with its parsed document changed (written back as YAML). */
const changed = (name: string, change: (doc: any) => void): WorkflowFile => {
    const doc = parse(byName(name).text);
    change(doc);
    return workflowFile(name, stringify(doc, { lineWidth: 0 }));
};
const job = (file: WorkflowFile, id: string) => {
    const found = jobsOf(file.doc).find(([j]) => j === id);
    if (!found) throw new Error(`${file.name} has no job ${id}`);
    return found[1];
};
const stepNamed = (file: WorkflowFile, jobId: string, name: string | RegExp) => {
    const found = stepsOf(job(file, jobId)).find((s) => (typeof name === "string" ? s.name === name : name.test(String(s.name ?? s.uses ?? s.run))));
    if (!found) throw new Error(`${file.name} job ${jobId} has no step ${name}`);
    return found;
};

describe("the GitHub workflows", function () {
    this.timeout(120000);

    it("are the six this project has", () => {
        expect(files.map((f) => f.name)).to.have.members([
            "deploy.yml",
            "notebook-image.yml",
            "preview.yml",
            "pull-request-comment.yml",
            "pull-request.yml",
            "test-environment.yml",
        ]);
    });

    for (const file of files) {
        describe(file.name, () => {
            it("is valid to GitHub's workflow parser (@actions/workflow-parser)", async () => {
                expect(await schemaProblems(file)).to.deep.equal([]);
            });
            it("passes actionlint", async () => {
                expect(await actionlintProblems(file)).to.deep.equal([]);
            });
            it("has scripts that pass ShellCheck", () => {
                expect(shellcheckProblems(file)).to.deep.equal([]);
            });
            it("keeps the project's rules", () => {
                expect(ruleProblems(file)).to.deep.equal([]);
            });
        });
    }

    describe("the checks fail on a broken workflow", () => {
        it("GitHub's parser: an unknown key, an unknown event, a bad permission level, a job without runs-on", async () => {
            const broken = edited("deploy.yml", "    runs-on: ubuntu-24.04\n    timeout-minutes: 10", "    runs-onn: ubuntu-24.04\n    timeout-minutes: 10");
            const problems = await schemaProblems(broken);
            expect(problems.join("\n")).to.match(/Unexpected value 'runs-onn'/).and.match(/Required property is missing: runs-on/);
            expect((await schemaProblems(edited("preview.yml", "on:\n  pull_request:", "on:\n  pull_requests:"))).join("\n")).to.match(/pull_requests/);
            expect((await schemaProblems(edited("preview.yml", "  contents: read", "  contents: reed"))).join("\n")).to.match(/reed/);
        });

        it("GitHub's parser: a needs on a job that does not exist", async () => {
            expect((await schemaProblems(edited("deploy.yml", "    needs: stacks\n", "    needs: stack\n"))).join("\n")).to.match(/stack/);
        });

        it("actionlint: an output of a step that does not exist, a script spliced with untrusted input", async () => {
            const problems = await actionlintProblems(edited("pull-request.yml", "${{ steps.diff.outputs.exit-code }}\n    steps:", "${{ steps.dif.outputs.exit-code }}\n    steps:"));
            expect(problems.join("\n")).to.match(/dif/);
            const injected = edited("pull-request.yml", 'run: bash main/.ci/run', 'run: echo "${{ github.event.pull_request.title }}"');
            expect((await actionlintProblems(injected)).join("\n")).to.match(/potentially untrusted/);
        });

        it("actionlint ignores only the environment's deployment: false, which it predates", async () => {
            const unknown = edited("preview.yml", "      deployment: false", "      deployments: false");
            expect((await actionlintProblems(unknown)).join("\n")).to.match(/unexpected key "deployments"/);
            expect(await schemaProblems(unknown)).to.not.deep.equal([]);
        });

        it("ShellCheck: an unquoted variable", () => {
            const broken = edited("test-environment.yml", 'run: npm run --silent leftovers -- --stack "$NAME"', "run: npm run --silent leftovers -- --stack $NAME");
            expect(shellcheckProblems(broken).join("\n")).to.match(/SC2086/);
        });

        const breaks: [keyof typeof rules, () => WorkflowFile, RegExp][] = [
            ["pinnedActions", () => edited("deploy.yml", /actions\/checkout@[0-9a-f]{40} # v7\.0\.1/, "actions/checkout@main"), /not pinned to a release/],
            ["pinnedActions", () => edited("deploy.yml", /actions\/setup-node@[0-9a-f]{40} # v7\.0\.0/, "actions/setup-node@v7"), /not pinned to a release/],
            ["recordedPins", () => edited("preview.yml", /pulumi\/actions@[0-9a-f]{40} # v7\.0\.0/, "pulumi/actions@v7.0.0"), /not pinned to v7\.0\.0's commit/],
            ["recordedPins", () => edited("preview.yml", /(pulumi\/actions@[0-9a-f]{40}) # v7\.0\.0/, "$1 # v6.6.1"), /needs the comment "# v7\.0\.0"/],
            ["recordedPins", () => edited("preview.yml", /pulumi\/actions@8e5e406f4007fca908480587cb9893c07090f58d/, "pulumi/actions@0123456789abcdef0123456789abcdef01234567"), /not pinned/],
            ["recordedPins", () => edited("pull-request.yml", /actions\/upload-artifact@[0-9a-f]{40} # v7\.0\.0/, "someone/upload@v1.0.0"), /not in tools\/workflows\/pins\.ts/],
            ["knownInputs", () => edited("preview.yml", "          diff: true\n          comment-on-summary", "          difff: true\n          comment-on-summary"), /has no input difff/],
            ["knownInputs", () => edited("pull-request-comment.yml", "          script: |", "          scripts: |"), /needs the input script/],
            ["noPullRequestTarget", () => edited("pull-request.yml", "on:\n  pull_request:", "on:\n  pull_request_target:"), /pull_request_target/],
            ["noPullRequestTarget", () => edited("preview.yml", "on:\n  pull_request:", "on: [pull_request, pull_request_target]"), /pull_request_target/],
            ["leastPermissions", () => edited("notebook-image.yml", "permissions:\n  contents: read\n\ndefaults", "defaults"), /no workflow-level permissions/],
            ["leastPermissions", () => edited("notebook-image.yml", "permissions:\n  contents: read\n\ndefaults", "permissions:\n  packages: write\n\ndefaults"), /grants packages: write/],
            ["leastPermissions", () => edited("deploy.yml", "permissions:\n  contents: read", "permissions: write-all"), /write-all/],
            ["privilegedRunsNoCode", () => edited("pull-request-comment.yml", "    steps:\n", "    steps:\n      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n        with:\n          persist-credentials: false\n"), /checks out code/],
            ["privilegedRunsNoCode", () => edited("pull-request-comment.yml", "    steps:\n", "    steps:\n      - run: cat diff.md\n"), /runs a shell script/],
            ["noExpressionsInScripts", () => edited("deploy.yml", 'run: npm run --silent smoke -- --stack "$STACK"', "run: npm run --silent smoke -- --stack ${{ matrix.stack }}"), /run: has an expression/],
            ["noExpressionsInScripts", () => edited("pull-request-comment.yml", "const limit = 60000;", "const limit = ${{ github.run_id }};"), /script: has an expression/],
            ["checkoutWithoutCredentials", () => changed("deploy.yml", (d) => delete d.jobs.deploy.steps[0].with), /persist-credentials/],
            ["jobTimeouts", () => changed("preview.yml", (d) => delete d.jobs.preview["timeout-minutes"]), /job preview has no timeout-minutes/],
            ["secretsOnlyForOwnBranches", () => changed("preview.yml", (d) => (d.jobs.preview.if = "needs.stacks.outputs.production != '[]'")), /job preview runs for forks/],
            ["secretsOnlyForOwnBranches", () => changed("pull-request.yml", (d) => (d.jobs.diff.env = { TOKEN: "${{ secrets.SOMETHING }}" })), /job tests runs for forks/],
            ["teardownAlwaysRuns", () => changed("test-environment.yml", (d) => (stepsOf(d.jobs["test-site"]).find((s) => s.id === "destroy")!.if = "steps.init.outcome == 'success'")), /pulumi destroy step does not run when an earlier step failed/],
            ["teardownAlwaysRuns", () => changed("test-environment.yml", (d) => (stepsOf(d.jobs["test-site"]).find((s) => s.id === "destroy")!.if = "always()")), /does not require steps\.init\.outcome == 'success'/],
            ["teardownAlwaysRuns", () => changed("test-environment.yml", (d) => (d.jobs["test-site"].steps = stepsOf(d.jobs["test-site"]).filter((s) => s.id !== "guard"))), /no step refuses a stack that is not a test site/],
            [
                "teardownAlwaysRuns",
                () =>
                    changed("test-environment.yml", (d) => {
                        const steps = stepsOf(d.jobs["test-site"]);
                        const guard = steps.findIndex((s) => s.id === "guard");
                        const [g] = steps.splice(guard, 1);
                        steps.splice(steps.findIndex((s) => s.id === "destroy"), 0, g);
                    }),
                /pulumi stack init runs before the test-site guard/,
            ],
            ["teardownAlwaysRuns", () => changed("test-environment.yml", (d) => delete stepsOf(d.jobs["test-site"]).find((s) => /leftovers/.test(String(s.run)))!.if), /npm run leftovers step does not run when an earlier step failed/],
            ["deployGated", () => changed("deploy.yml", (d) => (d.jobs.deploy.strategy["max-parallel"] = 2)), /max-parallel must be 1/],
            ["deployGated", () => changed("deploy.yml", (d) => delete d.jobs.deploy.environment), /without the environment production-/],
            ["deployGated", () => changed("deploy.yml", (d) => (d.jobs.deploy.environment = { name: "production-${{ matrix.stack }}", deployment: false })), /makes no deployment record/],
            ["deployGated", () => changed("deploy.yml", (d) => (d.jobs.deploy.concurrency["cancel-in-progress"] = true)), /cancel-in-progress: false/],
            ["deployGated", () => changed("deploy.yml", (d) => (d.jobs.deploy.concurrency.group = "pulumi")), /no concurrency group of its stack/],
            ["deployGated", () => changed("deploy.yml", (d) => (d.concurrency["cancel-in-progress"] = true)), /may cancel a running deployment/],
            ["deployGated", () => edited("deploy.yml", ' --environment production --environment-site "$ENVIRONMENT_SITE"', " --environment production"), /or an environment not set up for it/],
            ["deployGated", () => changed("deploy.yml", (d) => (d.jobs.deploy.steps = stepsOf(d.jobs.deploy).filter((s) => !/guard/.test(String(s.run))))), /no step before pulumi up refuses/],
        ];
        for (const [name, broken, expected] of breaks) {
            it(`${name}: ${expected.source}`, () => {
                const rule: Rule = rules[name];
                const copy = broken();
                const original = byName(copy.name);
                expect(rule(original), `${name} on the real ${copy.name}`).to.deep.equal([]);
                expect(rule(copy).join("\n")).to.match(expected);
            });
        }

        it("every rule is shown to fail on some broken copy", () => {
            expect(new Set(breaks.map(([name]) => name))).to.have.all.keys(...Object.keys(rules));
        });
    });

    describe("what each workflow does", () => {
        const pr = byName("pull-request.yml");
        const comment = byName("pull-request-comment.yml");

        it("pull request: tests and the diff on every pull request, forks' too, with no secret", () => {
            expect(triggers(pr.doc)).to.deep.equal(["pull_request"]);
            expect(pr.text).to.not.match(/\bsecrets\./);
            expect(stepNamed(pr, "tests", ".ci/run").run).to.equal("bash main/.ci/run");
            const checkouts = pr.doc.jobs.diff.steps.filter((s: any) => /^actions\/checkout@/.test(s.uses ?? ""));
            // The change with its history; the judging diff from the base commit.
            expect(checkouts.map((c: any) => [c.with.path, c.with["fetch-depth"], c.with.ref])).to.deep.equal([
                ["change", 0, undefined],
                ["tool", undefined, "${{ github.event.pull_request.base.sha }}"],
            ]);
            expect(stepNamed(pr, "diff", "What the change does to every site").run).to.include('node tool/bin/tools/diff/main.js --repo "$GITHUB_WORKSPACE/change" --base "$base" --markdown report/diff.md');
        });

        it("pull request: uploads the report with the PR number as the artifact the comment workflow downloads", () => {
            const upload = stepNamed(pr, "diff", /actions\/upload-artifact@/);
            const download = stepNamed(comment, "comment", /actions\/download-artifact@/);
            expect(download.with.name).to.equal(upload.with.name);
            expect(upload.with.path).to.equal("report/");
            expect(stepNamed(pr, "diff", "The pull request's number, for the comment").run).to.include('echo "$PR_NUMBER" >report/pr-number');
            expect(download.with["run-id"]).to.equal("${{ github.event.workflow_run.id }}");
        });

        it("pull request: exit 3 waits for a reviewer of data-loss-approval; another failure fails the diff job", () => {
            const approval = job(pr, "data-loss-approval");
            expect(approval.if).to.equal("needs.diff.outputs.exit-code == '3'");
            expect(approval.environment).to.equal("data-loss-approval");
            expect(approval.permissions).to.deep.equal({});
            const fail = stepNamed(pr, "diff", "An error of the diff fails this job");
            expect(fail.run).to.include('[ "$CODE" != 0 ] && [ "$CODE" != 3 ]');
        });

        it("pull request comment: follows the pull request workflow, may write pull requests and nothing else", () => {
            expect(comment.doc.on.workflow_run).to.deep.equal({ workflows: [pr.doc.name], types: ["completed"] });
            expect(comment.doc.permissions).to.deep.equal({});
            expect(job(comment, "comment").permissions).to.deep.equal({ actions: "read", "pull-requests": "write" });
            expect(stepsOf(job(comment, "comment")).map((s) => String(s.uses).split("@")[0])).to.deep.equal(["actions/download-artifact", "actions/github-script"]);
        });

        it("preview: only for this repository's branches, every production site through pulumi/actions", () => {
            const preview = byName("preview.yml");
            for (const [, j] of jobsOf(preview.doc)) expect(j.if).to.match(/^github\.event\.pull_request\.head\.repo\.full_name == github\.repository\b/);
            const p = job(preview, "preview");
            expect(p.strategy.matrix.stack).to.equal("${{ fromJSON(needs.stacks.outputs.production) }}");
            const step = stepNamed(preview, "preview", "pulumi preview --diff");
            expect(step.with).to.include({ command: "preview", diff: true, "stack-name": "${{ matrix.stack }}", "cloud-url": "${{ vars.PULUMI_BACKEND_URL }}" });
            expect(p.environment.name).to.equal("preview-${{ matrix.stack }}");
            // Not the deploy's group: a preview waiting must never replace a deployment waiting.
            expect(p.concurrency.group).to.not.match(/^pulumi-/);
        });

        it("deploy: on a push to main, each production site after its approval, then the post-deploy checks", () => {
            const deploy = byName("deploy.yml");
            expect(deploy.doc.on.push.branches).to.deep.equal(["main"]);
            const d = job(deploy, "deploy");
            expect(d.if).to.include("github.ref == 'refs/heads/main'");
            const names = stepsOf(d).map((s) => s.name ?? String(s.uses).split("@")[0]);
            expect(names.indexOf("pulumi up")).to.be.greaterThan(names.indexOf("The stack is a production site, and the environment is set up for it"));
            expect(names.indexOf("Post-deploy checks (npm run smoke)")).to.be.greaterThan(names.indexOf("pulumi up"));
            expect(stepNamed(deploy, "deploy", "Post-deploy checks (npm run smoke)").env.SRCNET_CHECKS_CLIENT_SECRET).to.equal("${{ secrets.SRCNET_CHECKS_CLIENT_SECRET }}");
        });

        it("test environment: by hand with a name, and weekly; the site is made with npm run test-site", () => {
            const t = byName("test-environment.yml");
            expect(t.doc.on.workflow_dispatch.inputs.name.required).to.equal(true);
            expect(t.doc.on.schedule).to.have.length(1);
            expect(stepNamed(t, "test-site", "The test site's stack file (npm run test-site)").run).to.equal('npm run --silent test-site -- --name "$NAME" --from "$FROM"');
            // The destroy checks once more that it is a test site, right before it acts.
            expect(stepNamed(t, "test-site", "pulumi destroy").run).to.match(/guard --stack "\$NAME" --environment test\npulumi destroy/);
        });

        it("every workflow that runs Pulumi installs the CLI release of the SDK in package.json", () => {
            for (const file of files) {
                for (const [, j] of jobsOf(file.doc)) {
                    for (const step of stepsOf(j).filter((s) => String(s.uses).startsWith("pulumi/actions@"))) {
                        expect(step.with["pulumi-version"], file.name).to.match(/^\$\{\{ (needs\.stacks|steps\.versions)\.outputs\.pulumi-version \}\}$/);
                    }
                }
            }
        });
    });

    describe("the pins (tools/workflows/pins.ts)", () => {
        it("are full releases at full commit SHAs", () => {
            for (const [action, pin] of Object.entries(actionPins)) {
                expect(pin.version, action).to.match(/^v\d+\.\d+\.\d+$/);
                expect(pin.sha, action).to.match(/^[0-9a-f]{40}$/);
                for (const input of pin.required ?? []) expect(pin.inputs, action).to.include(input);
            }
        });
        it("are each used by a workflow (no stale entry)", () => {
            const used = new Set(files.flatMap((f) => jobsOf(f.doc).flatMap(([, j]) => stepsOf(j).map((s) => String(s.uses).split("@")[0]))));
            expect([...used].filter((u) => u !== "undefined")).to.have.members(Object.keys(actionPins));
        });
    });

    describe("the comment workflow's script", () => {
        const script: string = stepNamed(byName("pull-request-comment.yml"), "comment", "Post or update the comment").with.script;
        const marker = "<!-- srcnet-site diff report -->";
        const headSha = "a".repeat(40);
        let dir: string;

        interface Fake {
            calls: string[];
            failed: string[];
            notices: string[];
            created: { issue_number: number; body: string }[];
            updated: { comment_id: number; body: string }[];
        }

        async function runScript(files: Record<string, string>, opts: { comments?: any[]; pr?: any; runSha?: string; links?: Record<string, string> } = {}): Promise<Fake> {
            dir = mkdtempSync(join(tmpdir(), "srcnet-comment-"));
            for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
            for (const [name, target] of Object.entries(opts.links ?? {})) symlinkSync(target, join(dir, name));
            const fake: Fake = { calls: [], failed: [], notices: [], created: [], updated: [] };
            const pr = opts.pr ?? { head: { sha: headSha }, state: "open" };
            const github = {
                rest: {
                    pulls: { get: async (p: any) => (fake.calls.push(`pulls.get ${p.pull_number}`), { data: pr }) },
                    issues: {
                        listComments: "listComments",
                        createComment: async (p: any) => (fake.created.push(p), { data: { id: 99 } }),
                        updateComment: async (p: any) => (fake.updated.push(p), { data: {} }),
                    },
                },
                paginate: async (what: string, p: any) => (fake.calls.push(`${what} ${p.issue_number}`), opts.comments ?? []),
            };
            const context = {
                repo: { owner: "ska", repo: "srcnet-site" },
                payload: { workflow_run: { id: 4242, html_url: "https://github.example/ska/srcnet-site/actions/runs/4242", head_sha: opts.runSha ?? headSha } },
            };
            const core = { setFailed: (m: string) => fake.failed.push(m), notice: (m: string) => fake.notices.push(m), info: () => undefined };
            const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;
            const saved = process.env.REPORT_DIR;
            process.env.REPORT_DIR = dir;
            try {
                await new AsyncFunction("github", "context", "core", "require", script)(github, context, core, require);
            } finally {
                if (saved === undefined) delete process.env.REPORT_DIR;
                else process.env.REPORT_DIR = saved;
            }
            return fake;
        }
        afterEach(() => rmSync(dir, { recursive: true, force: true }));

        it("creates one comment: the marker, the heading of exit 0, the report as it is", async () => {
            const report = "| site | change |\n| --- | --- |\n| uksrc | `$(rm -rf /)` ${{ secrets.X }} |\n";
            const fake = await runScript({ "pr-number": "17\n", "exit-code": "0\n", "diff.md": report });
            expect(fake.failed).to.deep.equal([]);
            expect(fake.calls).to.deep.equal(["pulls.get 17", "listComments 17"]);
            expect(fake.created).to.have.length(1);
            expect(fake.created[0].issue_number).to.equal(17);
            expect(fake.created[0].body.startsWith(marker)).to.equal(true);
            expect(fake.created[0].body).to.include("No production site loses").and.include(report.trim());
        });

        it("updates its own earlier comment, and no one else's that carries the marker", async () => {
            const comments = [
                { id: 1, user: { login: "mallory" }, body: `${marker}\nfake` },
                { id: 2, user: { login: "github-actions[bot]" }, body: "an unrelated comment" },
                { id: 3, user: { login: "github-actions[bot]" }, body: `${marker}\nold report` },
            ];
            const fake = await runScript({ "pr-number": "17", "exit-code": "3", "diff.md": "loses the volume" }, { comments });
            expect(fake.created).to.deep.equal([]);
            expect(fake.updated.map((u) => u.comment_id)).to.deep.equal([3]);
            expect(fake.updated[0].body).to.include("**A production site would lose or replace").and.include("data-loss approval");
        });

        for (const bad of ["17; curl evil", "0", "-3", "1e3", "", "12345678901"]) {
            it(`refuses the PR number ${JSON.stringify(bad)} before any API call`, async () => {
                const fake = await runScript({ "pr-number": bad, "exit-code": "0", "diff.md": "x" });
                expect(fake.failed).to.have.length(1);
                expect(fake.calls).to.deep.equal([]);
            });
        }

        it("posts nothing when the PR's head is not the commit the run built, or the PR is closed", async () => {
            const stale = await runScript({ "pr-number": "17", "exit-code": "0", "diff.md": "x" }, { runSha: "b".repeat(40) });
            expect(stale.created.length + stale.updated.length).to.equal(0);
            expect(stale.notices.join()).to.match(/newer run/);
            const closed = await runScript({ "pr-number": "17", "exit-code": "0", "diff.md": "x" }, { pr: { head: { sha: headSha }, state: "closed" } });
            expect(closed.created.length + closed.updated.length).to.equal(0);
        });

        it("says the diff failed for another exit code or none, and cuts a long report", async () => {
            const fake = await runScript({ "pr-number": "17", "exit-code": "not a number", "diff.md": "y".repeat(70000) });
            const body = fake.created[0].body;
            expect(body).to.include("**The diff failed** (exit code unknown)").and.include("cut at 60000 characters");
            expect(body.length).to.be.below(61000);
            const none = await runScript({ "pr-number": "17", "exit-code": "1" });
            expect(none.created[0].body).to.include("(exit code 1)").and.include("_The diff wrote no report._");
        });

        it("refuses a report that is a link rather than a file", async () => {
            const err = await runScript({ "pr-number": "17", "exit-code": "0" }, { links: { "diff.md": "/etc/passwd" } }).then(
                () => undefined,
                (e: Error) => e,
            );
            expect(err?.message).to.match(/diff\.md is not a regular file/);
        });
    });
});

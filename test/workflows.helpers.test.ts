// The helpers the GitHub workflows run (tools/workflows/): the list of stacks by environment, the
// guard that refuses a production site, the Pulumi CLI release, a test site's secrets, and the
// OpenStack credentials file.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { testSiteFile } from "../tools/test-site/template";
import { SecretsError, applySecrets, maskCommands, neededSecretKeys, secretsPlan } from "../tools/workflows/secrets";
import { StackListError, githubOutputLines, guardStack, listStacks, pulumiCliVersion, stackEnvironment, stacksOf } from "../tools/workflows/stacks";
import { repoRoot } from "./harness";

const helper = join(repoRoot, "bin", "tools", "workflows", "main.js");
const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [helper, ...args], { encoding: "utf8", env: { ...process.env, ...env } });
const thrown = (f: () => unknown): Error => {
    try {
        f();
    } catch (err) {
        return err as Error;
    }
    throw new Error("nothing thrown");
};

/** A project directory of its own: Pulumi.yaml, package.json and the given stack files. */
function project(stacks: Record<string, string>, pulumiVersion = "3.248.0"): string {
    const dir = mkdtempSync(join(tmpdir(), "srcnet-workflows-"));
    copyFileSync(join(repoRoot, "Pulumi.yaml"), join(dir, "Pulumi.yaml"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ dependencies: { "@pulumi/pulumi": pulumiVersion } }));
    for (const [name, text] of Object.entries(stacks)) writeFileSync(join(dir, `Pulumi.${name}.yaml`), text);
    return dir;
}
const siteFile = (environment: unknown, key = "srcnet-site:site") => `config:\n  ${key}:\n    name: x\n    environment: ${JSON.stringify(environment)}\n`;

describe("the workflows' helpers (tools/workflows)", () => {
    const dirs: string[] = [];
    const dirOf = (...args: Parameters<typeof project>) => {
        const dir = project(...args);
        dirs.push(dir);
        return dir;
    };
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

    describe("the stacks", () => {
        it("lists this repository's stacks with their environments: uksrc is production, dev is test", () => {
            const stacks = listStacks(repoRoot);
            expect(stacks).to.deep.include({ stack: "uksrc", environment: "production" });
            expect(stacks).to.deep.include({ stack: "dev", environment: "test" });
            expect(stacksOf(stacks, "production")).to.include("uksrc").and.not.include("dev");
        });

        it("reads the qualified and the unqualified site key, and refuses a file without an environment it knows", () => {
            const dir = dirOf({ a: siteFile("production"), b: siteFile("test", "site"), c: siteFile("staging"), d: "config: {}\n", e: "config:\n  srcnet-site:site: [1]\n" });
            expect(stackEnvironment(dir, "a")).to.equal("production");
            expect(stackEnvironment(dir, "b")).to.equal("test");
            expect(thrown(() => stackEnvironment(dir, "c")).message).to.match(/site\.environment "staging"; it must be one of production, test/);
            expect(thrown(() => stackEnvironment(dir, "d")).message).to.match(/no srcnet-site:site mapping/);
            expect(thrown(() => stackEnvironment(dir, "e")).message).to.match(/no srcnet-site:site mapping/);
            // One broken file fails the whole list: a production site must never drop out of the deploy matrix unseen.
            expect(thrown(() => listStacks(dir))).to.be.instanceOf(StackListError);
        });

        it("refuses a stack name that is no site name, and a stack file that does not exist", () => {
            const dir = dirOf({ a: siteFile("test") });
            for (const name of ["../a", "A", "a b", "-a", ""]) expect(thrown(() => stackEnvironment(dir, name)).message, name).to.match(/is not a stack name/);
            expect(thrown(() => stackEnvironment(dir, "zz")).message).to.match(/no such file/);
        });

        it("guards: a production site is refused where a test site is required, and the other way round", () => {
            const dir = dirOf({ prod: siteFile("production"), tst: siteFile("test") });
            expect(guardStack(dir, "tst", "test")).to.equal("stack tst is a test site");
            expect(thrown(() => guardStack(dir, "prod", "test")).message).to.match(/refusing stack prod: its site\.environment is production.*never created or destroyed/);
            expect(thrown(() => guardStack(dir, "tst", "production")).message).to.match(/refusing stack tst/);
        });

        it("guards: the job's GitHub environment must be the one set up for the site (its variable SRCNET_SITE)", () => {
            const dir = dirOf({ prod: siteFile("production") });
            expect(guardStack(dir, "prod", "production", "prod")).to.equal("stack prod is a production site, and this job's environment is set up for it");
            // An environment GitHub made on first use has no variables (and no reviewers).
            expect(thrown(() => guardStack(dir, "prod", "production", "")).message).to.match(/not set up for it \(its variable SRCNET_SITE is "", not "prod"\)/);
            expect(thrown(() => guardStack(dir, "prod", "production", "other")).message).to.match(/SRCNET_SITE is "other"/);
            const cli = run(["guard", "--stack", "uksrc", "--environment", "production", "--environment-site", ""]);
            expect(cli.status).to.equal(1);
            expect(cli.stderr).to.match(/no required reviewers/);
            expect(run(["guard", "--stack", "uksrc", "--environment", "production", "--environment-site", "uksrc"]).status).to.equal(0);
        });

        it("the CLI release is the SDK's exact version in package.json, and nothing looser", () => {
            const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8"));
            expect(pulumiCliVersion(repoRoot)).to.equal(pkg.dependencies["@pulumi/pulumi"]);
            expect(thrown(() => pulumiCliVersion(dirOf({}, "^3.200.0"))).message).to.match(/exact version/);
        });

        it("writes $GITHUB_OUTPUT lines, and refuses a value with a line break", () => {
            expect(githubOutputLines({ production: '["a","b"]', "pulumi-version": "3.1.2" })).to.equal('production=["a","b"]\npulumi-version=3.1.2\n');
            expect(() => githubOutputLines({ x: "a\nb=c" })).to.throw(/line break/);
        });
    });

    describe("the command line", () => {
        it("stacks --github-output: the production and test stacks as JSON, and the CLI release", () => {
            const dir = dirOf({ b: siteFile("production"), a: siteFile("production"), t: siteFile("test") });
            const out = join(dir, "github-output");
            writeFileSync(out, "earlier=1\n");
            const result = run(["stacks", "--dir", dir, "--github-output", out]);
            expect(result.status, result.stderr).to.equal(0);
            expect(readFileSync(out, "utf8")).to.equal('earlier=1\nproduction=["a","b"]\ntest=["t"]\npulumi-version=3.248.0\n');
        });

        it("guard: exit 0 for a test site, exit 1 with the reason for a production one, exit 2 for a usage error", () => {
            const ok = run(["guard", "--stack", "dev", "--environment", "test"]);
            expect(ok.status, ok.stderr).to.equal(0);
            const refused = run(["guard", "--stack", "uksrc", "--environment", "test"]);
            expect(refused.status).to.equal(1);
            expect(refused.stderr).to.match(/refusing stack uksrc: its site\.environment is production/);
            expect(run(["guard", "--stack", "dev"]).status).to.equal(2);
            expect(run(["guard", "--stack", "dev", "--environment", "staging"]).status).to.equal(2);
            expect(run(["guard", "--stack", "dev", "--environment", "test", "--bogus"]).status).to.equal(2);
            expect(run(["deploy-everything"]).status).to.equal(2);
            expect(run([]).status).to.equal(2);
        });

        it("a test site made by npm run test-site passes the guard as a test site", () => {
            const made = testSiteFile(readFileSync(join(repoRoot, "Pulumi.dev.yaml"), "utf8"), "ci-weekly");
            const dir = dirOf({ "ci-weekly": made.text });
            expect(guardStack(dir, "ci-weekly", "test")).to.equal("stack ci-weekly is a test site");
        });
    });

    describe("a test site's secrets", () => {
        const site = () => parse(readFileSync(join(repoRoot, "Pulumi.dev.yaml"), "utf8")).config["srcnet-site:site"];

        it("the dev site needs the IAM admin client's secret, as the loader says", () => {
            expect(neededSecretKeys(site())).to.include("iamAdminClientSecret");
            expect(neededSecretKeys({ ...site(), iam: { ...site().iam, registration: "static" } })).to.include("iamClientSecrets").and.not.include("iamAdminClientSecret");
        });

        it("sets each value on standard input, never on the command line", () => {
            const plan = secretsPlan("alice", JSON.stringify({ iamAdminClientSecret: "s3cr3t value", iamClientSecrets: { jupyterhub: "hub-value-1", rucio: "rucio-value-2" } }), site());
            expect(plan).to.deep.equal([
                { key: "iamAdminClientSecret", args: ["config", "set", "--stack", "alice", "--secret", "iamAdminClientSecret"], stdin: "s3cr3t value" },
                { key: "iamClientSecrets.jupyterhub", args: ["config", "set", "--stack", "alice", "--secret", "--path", "iamClientSecrets.jupyterhub"], stdin: "hub-value-1" },
                { key: "iamClientSecrets.rucio", args: ["config", "set", "--stack", "alice", "--secret", "--path", "iamClientSecrets.rucio"], stdin: "rucio-value-2" },
            ]);
            for (const set of plan) expect(set.args.join(" ")).to.not.include(set.stdin);
        });

        it("a public value kept beside a secret is set without --secret", () => {
            const plan = secretsPlan("alice", JSON.stringify({ iamAdminClientSecret: "s", stormHostCertificate: "-----BEGIN CERTIFICATE-----" }), site());
            expect(plan[1].args).to.deep.equal(["config", "set", "--stack", "alice", "stormHostCertificate"]);
        });

        it("refuses, naming keys and never a value: bad JSON, an unknown key, a missing needed key, a value of the wrong kind", () => {
            const problems = (json: string) => thrown(() => secretsPlan("alice", json, site()));
            const bad = problems("{not json: hunter2}").message;
            expect(bad).to.match(/not valid JSON/);
            expect(bad).to.not.include("hunter2");
            expect(problems('["hunter2"]').message).to.match(/must be a JSON object/);
            const many = problems(JSON.stringify({ iamAdminClientSecet: "hunter2", iamClientSecrets: "hunter2", kubeconfig: 7 }));
            expect(many).to.be.instanceOf(SecretsError);
            expect(many.message).to.match(/unknown secret keys: iamAdminClientSecet/).and.match(/needs iamAdminClientSecret/).and.match(/iamClientSecrets must be an object/).and.match(/kubeconfig must be a non-empty string/);
            expect(many.message).to.not.include("hunter2");
        });

        it("runs the plan in order and stops at the first failure", () => {
            const plan = secretsPlan("alice", JSON.stringify({ iamAdminClientSecret: "a", rucioPassword: "b" }), site());
            const seen: string[] = [];
            expect(applySecrets(plan, (args, stdin) => (seen.push(`${args.at(-1)}<${stdin}`), 0), () => undefined)).to.deep.equal(["iamAdminClientSecret", "rucioPassword"]);
            expect(seen).to.deep.equal(["iamAdminClientSecret<a", "rucioPassword<b"]);
            expect(() => applySecrets(plan, () => 1, () => undefined)).to.throw(/pulumi config set iamAdminClientSecret failed \(exit 1\)/);
        });

        it("masks every value of the plan, a multi-line one line by line", () => {
            const plan = secretsPlan("alice", JSON.stringify({ iamAdminClientSecret: "a", kubeconfig: "apiVersion: v1\n\n  token: t0k3n\n" }), site());
            expect(maskCommands(plan)).to.deep.equal(["::add-mask::a", "::add-mask::apiVersion: v1", "::add-mask::token: t0k3n"]);
        });

        it("set-secrets runs pulumi config set with the value on standard input, for a test site only", () => {
            const made = testSiteFile(readFileSync(join(repoRoot, "Pulumi.dev.yaml"), "utf8"), "alice");
            const dir = dirOf({ alice: made.text, prod: siteFile("production") });
            // A stand-in pulumi on PATH records its arguments and its standard input.
            const bin = join(dir, "bin");
            mkdirSync(bin);
            const log = join(dir, "pulumi.log");
            writeFileSync(join(bin, "pulumi"), `#!/usr/bin/env bash\nprintf '%s|%s\\n' "$*" "$(cat)" >>"${log}"\n`);
            chmodSync(join(bin, "pulumi"), 0o755);
            const env = { PATH: `${bin}:${process.env.PATH}`, SRCNET_TEST_SITE_SECRETS: JSON.stringify({ iamAdminClientSecret: "the-secret" }) };
            const result = run(["set-secrets", "--stack", "alice", "--dir", dir], env);
            expect(result.status, result.stderr).to.equal(0);
            // The value is masked first (GitHub hides the command and every later occurrence), and appears nowhere else.
            const lines = result.stdout.split("\n");
            expect(lines[0]).to.equal("::add-mask::the-secret");
            expect(lines.slice(1).join("\n")).to.not.include("the-secret");
            expect(readFileSync(log, "utf8")).to.equal("config set --stack alice --secret iamAdminClientSecret|the-secret\n");
            const refused = run(["set-secrets", "--stack", "prod", "--dir", dir], env);
            expect(refused.status).to.equal(1);
            expect(refused.stderr).to.match(/refusing stack prod/);
            const empty = run(["set-secrets", "--stack", "alice", "--dir", dir], { ...env, SRCNET_TEST_SITE_SECRETS: "" });
            expect(empty.status).to.equal(1);
            expect(empty.stderr).to.match(/TEST_SITE_SECRETS/);
        });
    });

    describe("the OpenStack credentials (credentials.sh)", () => {
        const script = join(repoRoot, "tools", "workflows", "credentials.sh");
        const credentials = (clouds: string | undefined) => {
            const dir = mkdtempSync(join(tmpdir(), "srcnet-credentials-"));
            dirs.push(dir);
            const githubEnv = join(dir, "github-env");
            writeFileSync(githubEnv, "");
            const env: Record<string, string> = { PATH: process.env.PATH ?? "", RUNNER_TEMP: dir, GITHUB_ENV: githubEnv };
            if (clouds !== undefined) env.OPENSTACK_CLOUDS_YAML = clouds;
            const result = spawnSync("bash", [script], { encoding: "utf8", env });
            return { dir, githubEnv, result };
        };

        it("writes the clouds.yaml for the runner's user alone and points OS_CLIENT_CONFIG_FILE at it", () => {
            const clouds = "clouds:\n  stfc-srcnet:\n    auth:\n      application_credential_secret: hunter2\n";
            const { dir, githubEnv, result } = credentials(clouds);
            expect(result.status, result.stderr).to.equal(0);
            expect(result.stdout + result.stderr).to.not.include("hunter2");
            const file = join(dir, "openstack", "clouds.yaml");
            expect(readFileSync(file, "utf8")).to.equal(clouds + "\n");
            expect(statSync(file).mode & 0o077).to.equal(0);
            expect(readFileSync(githubEnv, "utf8")).to.equal(`OS_CLIENT_CONFIG_FILE=${file}\n`);
        });

        it("fails when the secret is missing or is not a clouds.yaml", () => {
            expect(credentials(undefined).result.status).to.equal(1);
            expect(credentials("").result.status).to.equal(1);
            const wrong = credentials("OS_AUTH_URL=https://keystone.example.org:5000/v3");
            expect(wrong.result.status).to.equal(1);
            expect(wrong.result.stderr).to.match(/no top-level 'clouds:' key/);
        });

        it("passes ShellCheck", () => {
            const result = spawnSync("shellcheck", [script], { encoding: "utf8" });
            expect(result.status, result.stdout).to.equal(0);
        });
    });
});

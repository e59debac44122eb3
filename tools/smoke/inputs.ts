// What the checks start from: the site model from the stack file (read as the CLI would hand it to
// the program, validated and derived as pulumi up does), the stack outputs (a file, or the Pulumi
// CLI's), and the checks client's secret (the environment, or the Pulumi CLI). No secret value is
// ever part of a message.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { deriveSite, type SiteModel } from "../../config/derive";
import { formatProblem } from "../../config/messages";
import { secretKeyNames, siteKey } from "../../config/secrets";
import { projectName, validateStackConfig, type ConfigKey } from "../../config/validate";
import { projectRoot } from "../../components/project-files";
import { readStackConfig } from "../engine/stack-file";
import { readOutputs, type SiteOutputs } from "./outputs";

/** The checks client's secret, when given this way it comes before the stack's. */
export const clientSecretEnv = "SRCNET_CHECKS_CLIENT_SECRET";
export const clientSecretKey = "checksClientSecret" satisfies (typeof secretKeyNames)[number];

/** Something the checks cannot start without: one message for the user. */
export class InputError extends Error {}

export interface LoadedStack {
    readonly model: SiteModel;
    /** Whether the stack file holds the checks client's secret. */
    readonly holdsClientSecret: boolean;
}

/**
 * The site model of a stack file. `secretGiven`: the checks client's secret comes from elsewhere
 * (the environment), so the stack need not hold it.
 */
export function loadStack(stackFile: string, secretGiven: boolean): LoadedStack {
    const stack = readStackConfig(stackFile);
    const prefix = `${projectName}:`;
    const keys: ConfigKey[] = Object.keys(stack.config)
        .filter((k) => k.startsWith(prefix))
        .map((k) => ({ key: k.slice(prefix.length), secret: stack.secretKeys.includes(k) }));
    const holdsClientSecret = keys.some((k) => k.key === clientSecretKey);
    if (secretGiven && !holdsClientSecret) keys.push({ key: clientSecretKey, secret: true });
    const raw = stack.config[`${prefix}${siteKey}`];
    let site: unknown;
    try {
        site = raw === undefined ? undefined : JSON.parse(raw);
    } catch {
        site = raw;
    }
    const validation = validateStackConfig({ site, keys });
    if (!validation.ok) {
        const lines = validation.problems.map((p) => `  ${formatProblem(p)}`);
        if (validation.problems.some((p) => p.where === `${prefix}${clientSecretKey}`)) lines.push(`  (or give the checks client's secret in the environment variable ${clientSecretEnv})`);
        throw new InputError(`the config of ${stackFile} is not valid:\n${lines.join("\n")}`);
    }
    return { model: deriveSite(validation.site), holdsClientSecret };
}

/** Runs the Pulumi CLI in the project; its first line of error output is the message. */
function pulumi(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile("pulumi", args, { cwd: projectRoot(), maxBuffer: 64 * 1024 * 1024, encoding: "utf8" }, (error, stdout, stderr) => {
            if (!error) return resolve(stdout);
            const why = (error as NodeJS.ErrnoException).code === "ENOENT" ? "the pulumi CLI is not installed" : (stderr.trim().split("\n")[0] ?? error.message);
            // The command line holds no secret; the output is never shown.
            reject(new InputError(`pulumi ${args.filter((a) => a !== "--show-secrets").join(" ")} failed: ${why}`));
        });
    });
}

function parseOutputs(text: string, where: string): SiteOutputs {
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (err) {
        throw new InputError(`${where} is not JSON: ${(err as Error).message}`);
    }
    try {
        return readOutputs(raw);
    } catch (err) {
        throw new InputError(`${where}: ${(err as Error).message}`);
    }
}

/** The stack outputs: from `file`, else `pulumi stack output --json --show-secrets --stack <stack>`. */
export async function loadOutputs(source: { file: string } | { stack: string }): Promise<SiteOutputs> {
    if ("file" in source) {
        let text: string;
        try {
            text = readFileSync(source.file, "utf8");
        } catch (err) {
            throw new InputError(`cannot read the outputs file ${source.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        return parseOutputs(text, source.file);
    }
    return parseOutputs(await pulumi(["stack", "output", "--json", "--show-secrets", "--stack", source.stack]), `the outputs of stack ${source.stack}`);
}

/**
 * The checks client's secret: the environment variable first, else the stack's key through
 * `pulumi config get` (which prints a secret's value), else none.
 */
export async function loadClientSecret(env: NodeJS.ProcessEnv, stack: { name?: string; holdsClientSecret: boolean }): Promise<string | undefined> {
    const fromEnv = env[clientSecretEnv];
    if (fromEnv) return fromEnv;
    if (!stack.name || !stack.holdsClientSecret) return undefined;
    const out = await pulumi(["config", "get", clientSecretKey, "--stack", stack.name]);
    return out.replace(/\r?\n$/, "");
}

// npm run transfers -- --stack NAME [--hours 24] [--test [--wait MINUTES]] [--json]: the transfer
// matrix of the site's RSE and its peers, from what the Rucio the site registers in knows of recent
// transfers: rows are sources, columns destinations, each cell the per cent of finished transfers
// that succeeded in the window, NO DATA where none finished. --test first starts a small test
// transfer in each direction between the site's RSE and each peer. See tools/transfers/*.ts.
//
// Exit codes: 0 the matrix was printed; 1 a test transfer could not be started (the matrix is
// printed still, the reason listed), or Rucio could not be read or refused (a login, the test
// scope, a read: then no matrix is printed, the reason goes to stderr); 2 a usage, config or state
// problem (a flag, the stack file, the outputs, a missing credential).
import { join } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../../components/project-files";
import { acmeRoots } from "../../components/certs/render/issuers";
import { rucioSession } from "../../components/rucio/rucio-api";
import { rucioAccount, rucioScope } from "../../config/fields";
import { readCaFile } from "../site-access/ca-file";
import { loadOutputs } from "../site-access/outputs";
import { pulumiRunner, type PulumiRunner } from "../site-access/pulumi-cli";
import { readSiteConfig, SiteInputError } from "../site-access/site-config";
import { formatMatrix, matrixJson } from "./format";
import { transferMatrix } from "./matrix";
import { missingRses, readTransfers } from "./rucio-transfers";
import { matrixRses, secretEnv, siteAuth, siteServer, UsageError } from "./site";
import { ensureScope, planTestTransfers, randomTag, startTestTransfers, waitForRules, type TestTransferResult } from "./test-transfers";
import { uploadFile } from "./webdav";

export const usage = `usage: npm run transfers -- --stack NAME [--hours 24] [--json]
       [--test [--wait MINUTES] [--lifetime MINUTES] [--scope SCOPE] [--activity NAME] [--account ACCOUNT] [--storage-ca FILE]]
       [--outputs FILE] [--stack-file FILE]`;

const help = `Prints, for the site's RSE and its peers, the per cent of transfers that succeeded in the
last --hours (rows: source, columns: destination; NO DATA where none finished), from the Rucio
the site registers its RSE in. --json writes it as JSON. --test first starts a small test
transfer in each direction between the site's RSE and each peer (rules that expire after
--lifetime minutes; --wait waits for them). Secrets: ${secretEnv.password} or
${secretEnv.clientSecret} (else read with pulumi), ${secretEnv.storageToken} for --test.
Exit codes: 0 printed; 1 a test transfer was not started (the matrix is printed), or Rucio
failed or refused (nothing is printed); 2 usage, config or state problem.
`;

export interface Options {
    readonly stack: string;
    readonly hours: number;
    readonly json: boolean;
    readonly test: boolean;
    readonly waitMinutes: number;
    readonly lifetimeMinutes: number;
    readonly scope: string;
    readonly activity: string;
    readonly account?: string;
    readonly storageCa?: string;
    readonly outputs?: string;
    readonly stackFile?: string;
}

export const defaults = { hours: 24, waitMinutes: 0, lifetimeMinutes: 120, scope: "transfer-tests", activity: "Functional Test" } as const;

function positive(name: string, value: string | undefined, fallback: number, allowZero = false): number {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(n) || (allowZero ? n < 0 : n <= 0)) {
        throw new UsageError(`--${name} must be a number ${allowZero ? "of 0 or more" : "above 0"}, not ${JSON.stringify(value)}`);
    }
    return n;
}

/** The command line as options; a UsageError for anything it cannot be. */
export function parseOptions(argv: readonly string[]): Options {
    let values;
    try {
        values = parseArgs({
            args: [...argv],
            options: {
                stack: { type: "string" },
                hours: { type: "string" },
                json: { type: "boolean", default: false },
                test: { type: "boolean", default: false },
                wait: { type: "string" },
                lifetime: { type: "string" },
                scope: { type: "string" },
                activity: { type: "string" },
                account: { type: "string" },
                "storage-ca": { type: "string" },
                outputs: { type: "string" },
                "stack-file": { type: "string" },
            },
            strict: true,
            allowPositionals: false,
        }).values;
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    if (!values.stack) throw new UsageError("--stack is required");
    if (!values.test) {
        for (const flag of ["wait", "lifetime", "scope", "activity", "account", "storage-ca"] as const) {
            if (values[flag] !== undefined) throw new UsageError(`--${flag} goes with --test`);
        }
    }
    const scope = values.scope ?? defaults.scope;
    if (!rucioScope.safeParse(scope).success) throw new UsageError(`--scope ${JSON.stringify(scope)} is not a Rucio scope name: 1 to 25 of letters, digits, '_', '-' and '.'`);
    if (values.account !== undefined && !rucioAccount.safeParse(values.account).success) throw new UsageError(`--account ${JSON.stringify(values.account)} is not a Rucio account name`);
    const lifetimeMinutes = positive("lifetime", values.lifetime, defaults.lifetimeMinutes);
    const waitMinutes = positive("wait", values.wait, defaults.waitMinutes, true);
    if (waitMinutes >= lifetimeMinutes) throw new UsageError(`--wait (${waitMinutes} minutes) must be shorter than the rules' --lifetime (${lifetimeMinutes} minutes)`);
    return {
        stack: values.stack,
        hours: positive("hours", values.hours, defaults.hours),
        json: values.json ?? false,
        test: values.test ?? false,
        waitMinutes,
        lifetimeMinutes,
        scope,
        activity: values.activity ?? defaults.activity,
        ...(values.account !== undefined ? { account: values.account } : {}),
        ...(values["storage-ca"] !== undefined ? { storageCa: values["storage-ca"] } : {}),
        ...(values.outputs !== undefined ? { outputs: values.outputs } : {}),
        ...(values["stack-file"] !== undefined ? { stackFile: values["stack-file"] } : {}),
    };
}

/** The test transfers as lines before the table. */
export function formatTestTransfers(results: readonly TestTransferResult[], lifetimeMinutes: number): string {
    const lines = [`Test transfers (their rules expire in ${lifetimeMinutes} minutes):`];
    for (const r of results) {
        const what = `${r.source} -> ${r.destination}  ${r.scope}:${r.name}`;
        if (r.error) lines.push(`  ${what}  NOT STARTED: ${r.error}`);
        else lines.push(`  ${what}  rule ${r.destinationRule}${r.ruleState ? ` ${r.ruleState}` : ""}`);
    }
    return `${lines.join("\n")}\n`;
}

export interface Io {
    readonly env: NodeJS.ProcessEnv;
    readonly out: (text: string) => void;
    readonly err: (text: string) => void;
    readonly run: PulumiRunner;
    readonly now: () => number;
}

/** The whole command; its exit code. */
export async function runTransfers(argv: readonly string[], io: Io): Promise<number> {
    if (argv.includes("--help") || argv.includes("-h")) {
        io.out(`${usage}\n\n${help}`);
        return 0;
    }
    let options: Options;
    try {
        options = parseOptions(argv);
    } catch (err) {
        io.err(`${(err as Error).message}\n${usage}\n`);
        return 2;
    }
    try {
        const { model } = readSiteConfig(options.stackFile ?? join(projectRoot(), `Pulumi.${options.stack}.yaml`));
        const outputs = loadOutputs(options.outputs ? { file: options.outputs } : { stack: options.stack, run: io.run }, model);
        const auth = siteAuth(model, { stack: options.stack, env: io.env, run: io.run, outputs });
        const account = options.account ?? auth.account;
        const storageToken = io.env[secretEnv.storageToken];
        if (options.test && !account) throw new UsageError("the stack's Rucio login names no account, which the test rules need: pass --account");
        if (options.test && !storageToken) {
            throw new UsageError(`--test writes its files to the RSEs' storage and needs a token they accept for writing in ${secretEnv.storageToken} (a WLCG token with storage.create:/ and storage.read:/)`);
        }
        const storageCas = [...acmeRoots(model.acme.server), ...(options.storageCa ? readCaFile(options.storageCa, "--storage-ca") : [])];
        const session = rucioSession(siteServer(model, outputs), auth);
        if (storageToken) session.secrets.push(storageToken);
        const rses = matrixRses(model, outputs);

        let tests: TestTransferResult[] | undefined;
        if (options.test) {
            await ensureScope(session, account!, options.scope);
            const plans = planTestTransfers(outputs.rse.name, rses.slice(1), options.scope, io.now(), randomTag());
            tests = await startTestTransfers(session, plans, {
                account: account!,
                lifetimeSeconds: Math.round(options.lifetimeMinutes * 60),
                activity: options.activity,
                upload: (pfn, content) => uploadFile(pfn, content, { token: storageToken!, caCertificates: storageCas }),
                missingRses: await missingRses(session, rses),
            });
            if (options.waitMinutes > 0) tests = await waitForRules(session, tests, options.waitMinutes * 60_000);
        }

        const read = await readTransfers(session, rses);
        const to = io.now();
        const matrix = transferMatrix({ rses, records: read.records, from: to - options.hours * 3600_000, to });
        for (const r of read.missingRses) io.err(`warning: Rucio has no RSE ${r}; its row and column are NO DATA\n`);
        if (options.json) {
            io.out(`${JSON.stringify({ ...matrixJson(matrix, options.hours), site: outputs.rse.name, missingRses: read.missingRses, ...(tests ? { tests } : {}) }, null, 2)}\n`);
        } else {
            if (tests) io.out(`${formatTestTransfers(tests, options.lifetimeMinutes)}\n`);
            io.out(formatMatrix(matrix, options.hours));
        }
        return tests?.some((t) => t.error) ? 1 : 0;
    } catch (err) {
        if (err instanceof UsageError || err instanceof SiteInputError) {
            io.err(`${err.message}\n`);
            return 2;
        }
        io.err(`${(err as Error).message}\n`);
        return 1;
    }
}

if (require.main === module) {
    runTransfers(process.argv.slice(2), {
        env: process.env,
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        run: pulumiRunner(projectRoot()),
        now: () => Date.now(),
    }).then(
        (code) => (process.exitCode = code),
        (err) => {
            process.stderr.write(`${(err as Error).message}\n`);
            process.exitCode = 1;
        },
    );
}

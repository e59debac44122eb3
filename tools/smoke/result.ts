// What one post-deploy check found: a line of the table, an entry of the JSON.
export type Status = "pass" | "fail" | "skip";

export type Family = "dns" | "tls" | "iam" | "storage" | "rucio" | "jupyterhub";

export interface CheckResult {
    readonly family: Family;
    /** What is checked, short: "storm", "write", "whoami". */
    readonly name: string;
    /** Where: a hostname, a URL, an RSE. */
    readonly target: string;
    readonly status: Status;
    /** What was seen (pass) or what is wrong (fail), or why the check did not run (skip). */
    readonly detail: string;
    /** How long the check took. */
    readonly ms?: number;
}

export interface SmokeReport {
    readonly site: string;
    readonly environment: string;
    readonly results: readonly CheckResult[];
}

export const failed = (report: Pick<SmokeReport, "results">) => report.results.filter((r) => r.status === "fail").length;

export const pass = (family: Family, name: string, target: string, detail: string): CheckResult => ({ family, name, target, status: "pass", detail });
export const fail = (family: Family, name: string, target: string, detail: string): CheckResult => ({ family, name, target, status: "fail", detail });
export const skip = (family: Family, name: string, target: string, detail: string): CheckResult => ({ family, name, target, status: "skip", detail });

/** The same skip for each of `names`. */
export const skipAll = (family: Family, names: readonly string[], target: string, detail: string): CheckResult[] => names.map((name) => skip(family, name, target, detail));

/** Runs one check and times it; an exception is the check's failure, with its message. */
export async function timed(family: Family, name: string, target: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
    const started = Date.now();
    let result: CheckResult;
    try {
        result = await check();
    } catch (err) {
        result = fail(family, name, target, err instanceof Error ? err.message : String(err));
    }
    return { ...result, ms: Date.now() - started };
}

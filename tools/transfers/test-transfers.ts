// --test: one small transfer in each direction between the site's RSE and each peer, made the way
// a user makes one: the file written to the source RSE, registered there as a replica, held there
// by a rule, and a rule at the destination that makes Rucio's conveyor copy it. Both rules have a
// lifetime: when they expire, the replicas get a tombstone and the reaper deletes them.
import { createHash, randomBytes } from "node:crypto";
import { addScope, jsonOf, parseJsonLines, rucioCall, seg, unexpected, type RucioSession } from "../../components/rucio/rucio-api";
import { adler32 } from "../site-access/adler32";

/** One test transfer to make: a new file at the source, to be copied to the destination. */
export interface TestTransferPlan {
    readonly source: string;
    readonly destination: string;
    readonly scope: string;
    readonly name: string;
    readonly content: Buffer;
    readonly bytes: number;
    /** Eight lower-case hex digits, as Rucio stores adler32. */
    readonly adler32: string;
    readonly md5: string;
}

/** 2026-12-01T14:30:22.123Z -> 20261201T143022Z */
export const stampOf = (now: number) => new Date(now).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");

/**
 * A file per direction between the site and each peer. Names use only what Rucio's DID name
 * pattern allows in both releases (letters, digits, '.', '-', '_':
 * rucio@1.31.7:lib/rucio/common/schema/generic.py:58-60, rucio@40.4.1:lib/rucio/common/schema/generic.py:56-59)
 * and say what they are: transfer-test.<source>.<destination>.<time>.<tag>.
 */
export function planTestTransfers(site: string, peers: readonly string[], scope: string, now: number, tag: string): TestTransferPlan[] {
    const others = [...new Set(peers)].filter((p) => p !== site);
    const stamp = stampOf(now);
    return others.flatMap((peer) =>
        [
            [site, peer],
            [peer, site],
        ].map(([source, destination]) => {
            const name = `transfer-test.${source}.${destination}.${stamp}.${tag}`;
            const content = Buffer.from(`srcnet-site transfer test ${scope}:${name}\n`, "utf8");
            return { source, destination, scope, name, content, bytes: content.length, adler32: adler32(content), md5: createHash("md5").update(content).digest("hex") };
        }),
    );
}

/** A short random tag that keeps two runs in the same second apart. */
export const randomTag = () => randomBytes(3).toString("hex");

export interface TestTransferOptions {
    /** The account that owns the rules (and the scope, when it is made). */
    readonly account: string;
    readonly lifetimeSeconds: number;
    readonly activity: string;
    /** Writes the file at its PFN on the source RSE. */
    readonly upload: (pfn: string, content: Buffer) => Promise<void>;
    /** RSEs Rucio does not have: a transfer from or to one is not started. */
    readonly missingRses?: readonly string[];
}

export interface TestTransferResult {
    readonly source: string;
    readonly destination: string;
    readonly scope: string;
    readonly name: string;
    readonly sourceRule?: string;
    readonly destinationRule?: string;
    /** The destination rule's state when last read (REPLICATING, OK, STUCK, ...). */
    readonly ruleState?: string;
    /** Why the transfer could not be started. */
    readonly error?: string;
}

/** The scope exists for the rules: made for the account when Rucio has none of that name (409: it exists). */
export async function ensureScope(s: RucioSession, account: string, scope: string): Promise<void> {
    try {
        await addScope(s, account, scope);
    } catch (err) {
        throw new Error(`cannot make scope ${scope} for account ${account}: ${(err as Error).message}; pass --scope with a scope that exists`);
    }
}

/**
 * GET /rses/{rse}/lfns2pfns?lfn=scope:name&operation=write: where Rucio would write the file, by
 * the RSE's own protocol and lfn2pfn algorithm ({"scope:name": pfn};
 * rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/rses.py:865-884, rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/rses.py:899-918).
 */
export async function writePfn(s: RucioSession, rse: string, scope: string, name: string): Promise<string> {
    const lfn = `${scope}:${name}`;
    const a = await rucioCall(s, "GET", `/rses/${seg(rse)}/lfns2pfns?lfn=${seg(lfn)}&operation=write&domain=wan`);
    const pfn = (jsonOf(a) ?? {})[lfn];
    if (typeof pfn !== "string") throw new Error(`Rucio named no PFN for ${lfn} on ${rse}`);
    return pfn;
}

/**
 * POST /replicas {rse, files}: the file at the source, with its size and checksums, so that the
 * transfer is checked (rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/replicas.py:324-334,
 * rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/replicas.py:354-364). 409: already registered (a
 * repeated request).
 */
async function addReplica(s: RucioSession, p: TestTransferPlan): Promise<void> {
    await rucioCall(s, "POST", "/replicas", { json: { rse: p.source, files: [{ scope: p.scope, name: p.name, bytes: p.bytes, adler32: p.adler32, md5: p.md5 }] }, accept: [409] });
}

/**
 * POST /rules/ {dids, account, copies, rse_expression, grouping, lifetime (seconds), ...}: the
 * rule's id (rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/rules.py:343-390,
 * rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/rules.py:374-421). The activity must be one of the
 * policy's; "Functional Test" is one in the generic policy of both releases
 * (rucio@1.31.7:lib/rucio/common/schema/generic.py:37-44, rucio@40.4.1:lib/rucio/common/schema/generic.py:34-41).
 * 409 DuplicateRule (a repeated request whose first answer was lost): the rule that exists.
 */
async function addRule(s: RucioSession, p: TestTransferPlan, rse: string, o: TestTransferOptions, sourceExpression?: string): Promise<string> {
    const json = {
        dids: [{ scope: p.scope, name: p.name }],
        account: o.account,
        copies: 1,
        rse_expression: rse,
        grouping: "NONE",
        lifetime: o.lifetimeSeconds,
        activity: o.activity,
        comment: `srcnet-site transfer test ${p.source} -> ${p.destination}`,
        ...(sourceExpression ? { source_replica_expression: sourceExpression } : {}),
    };
    const a = await rucioCall(s, "POST", "/rules/", { json, accept: [409] });
    if (a.status === 409) {
        if (a.error?.exceptionClass !== "DuplicateRule") throw unexpected(`add a rule for ${p.scope}:${p.name} at ${rse}`, a);
        // GET /dids/{scope}/{name}/rules (rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/dids.py:2165, rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/dids.py:2629-2633).
        const rules = parseJsonLines((await rucioCall(s, "GET", `/dids/${seg(p.scope)}/${seg(p.name)}/rules`, { stream: true })).text);
        const rule = rules.find((r) => r?.rse_expression === rse && r?.account === o.account);
        if (!rule) throw unexpected(`add a rule for ${p.scope}:${p.name} at ${rse}`, a);
        return String(rule.id);
    }
    const ids = jsonOf(a);
    if (!Array.isArray(ids) || typeof ids[0] !== "string") throw new Error(`Rucio answered no rule id for ${p.scope}:${p.name} at ${rse}`);
    return ids[0];
}

/** Makes each test transfer in turn; one that fails is reported with its reason and the others go on. */
export async function startTestTransfers(s: RucioSession, plans: readonly TestTransferPlan[], o: TestTransferOptions): Promise<TestTransferResult[]> {
    const results: TestTransferResult[] = [];
    for (const p of plans) {
        const base = { source: p.source, destination: p.destination, scope: p.scope, name: p.name };
        let sourceRule: string | undefined;
        const missing = [p.source, p.destination].find((r) => o.missingRses?.includes(r));
        if (missing) {
            results.push({ ...base, error: `Rucio has no RSE ${missing}` });
            continue;
        }
        try {
            const pfn = await writePfn(s, p.source, p.scope, p.name);
            await o.upload(pfn, p.content);
            await addReplica(s, p);
            // The source keeps the file until its rule expires, whatever happens to the transfer.
            sourceRule = await addRule(s, p, p.source, o);
            const destinationRule = await addRule(s, p, p.destination, o, p.source);
            results.push({ ...base, sourceRule, destinationRule });
        } catch (err) {
            results.push({ ...base, ...(sourceRule ? { sourceRule } : {}), error: (err as Error).message });
        }
    }
    return results;
}

/** GET /rules/{id}: the rule's state by name (RuleState, rucio@1.31.7:lib/rucio/db/sqla/constants.py:167-173, rucio@40.4.1:lib/rucio/db/sqla/constants.py:183-189). */
export async function ruleState(s: RucioSession, ruleId: string): Promise<string> {
    return String(jsonOf(await rucioCall(s, "GET", `/rules/${seg(ruleId)}`))?.state ?? "");
}

const settled = (state: string | undefined) => state !== undefined && state !== "REPLICATING" && state !== "INJECT" && state !== "WAITING_APPROVAL";

/**
 * Reads the destination rules' states until none is replicating any more, or the time is up; the
 * results with the last state read.
 */
export async function waitForRules(
    s: RucioSession,
    results: readonly TestTransferResult[],
    waitMs: number,
    pollMs = 10_000,
    sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
): Promise<TestTransferResult[]> {
    const deadline = Date.now() + waitMs;
    let current = [...results];
    for (;;) {
        current = await Promise.all(current.map(async (r) => (r.destinationRule ? { ...r, ruleState: await ruleState(s, r.destinationRule) } : r)));
        if (current.every((r) => !r.destinationRule || settled(r.ruleState)) || Date.now() + pollMs > deadline) return current;
        await sleep(pollMs);
    }
}

// What Rucio knows of the transfers between RSEs, read through its REST API with the program's
// Rucio client (components/rucio/rucio-api.ts).
//
// Source: the requests API, in both releases the same:
// - GET /requests/list?src_rse=A&dst_rse=B&request_states=D,F,...: the requests table, requests
//   not yet archived (rucio@1.31.7:lib/rucio/web/rest/flaskapi/v1/requests.py:361-581 and 829,
//   rucio@40.4.1:lib/rucio/web/rest/flaskapi/v1/requests.py:360-582 and 1169).
// - GET /requests/history/list?...&offset=N&limit=M: requests_history, where the finisher moves a
//   request once it has settled it (rucio@1.31.7:.../requests.py:584-818 and 831,
//   rucio@40.4.1:.../requests.py:585-821 and 1171). 1.31 reads offset and limit as strings and 40
//   as ints (rucio@1.31.7:.../requests.py:780-781, rucio@40.4.1:.../requests.py:779-780): digits
//   suit both. Its limit defaults to 100, so it is read in pages.
// Both need src_rse and dst_rse together, stream one JSON object a line (Accept:
// application/x-json-stream), answer 404 RSENotFound for an RSE Rucio does not have, and are for
// root and admin accounts only (rucio@1.31.7:lib/rucio/core/permission/generic.py:757-778,
// rucio@40.4.1:lib/rucio/core/permission/generic.py:770-791). Neither filters by time, nor orders the history
// (rucio@1.31.7:lib/rucio/core/request.py:2147-2197, rucio@40.4.1:lib/rucio/core/request.py:3030-3064):
// the window is applied here, to every request of the pair.
//
// Not used: GET /requests/metrics (Rucio 40 only, from the transfer_stats table, rucio@40.4.1:
// .../requests.py:824-974 and 1173) counts only for the last 1 and 6 hours
// (rucio@40.4.1:lib/rucio/core/request.py:2009-2010), not for any window, and is not in 1.31.
import { getRse, parseJsonLines, rucioCall, seg, unexpected, type RucioSession } from "../../components/rucio/rucio-api";
import { recordOf, type TransferRecord } from "./matrix";
import { activeTableStates, historyTableStates } from "./states";

/** Rows a history page asks for. */
export const historyPageSize = 1000;

const pairQuery = (source: string, destination: string, states: string) => `src_rse=${seg(source)}&dst_rse=${seg(destination)}&request_states=${states}`;

/** A list read for the pair; undefined when Rucio has no RSE of one of the names (404 RSENotFound). */
async function listFor(s: RucioSession, path: string, what: string): Promise<any[] | undefined> {
    const a = await rucioCall(s, "GET", path, { stream: true, accept: [404] });
    if (a.status === 404) {
        if (a.error?.exceptionClass === "RSENotFound") return undefined;
        throw unexpected(what, a);
    }
    return parseJsonLines(a.text);
}

/** The requests of the pair in the requests table (every state). */
export async function activeRequests(s: RucioSession, source: string, destination: string): Promise<TransferRecord[]> {
    const rows = await listFor(s, `/requests/list?${pairQuery(source, destination, activeTableStates)}`, `list the requests from ${source} to ${destination}`);
    return (rows ?? []).flatMap((r) => recordOf(r, source, destination, "requests") ?? []);
}

/** The finished requests of the pair in the history, every page of it. */
export async function historyRequests(s: RucioSession, source: string, destination: string, pageSize = historyPageSize): Promise<TransferRecord[]> {
    const out: TransferRecord[] = [];
    for (let offset = 0; ; offset += pageSize) {
        const rows = await listFor(
            s,
            `/requests/history/list?${pairQuery(source, destination, historyTableStates)}&offset=${offset}&limit=${pageSize}`,
            `list the request history from ${source} to ${destination}`,
        );
        for (const r of rows ?? []) {
            const record = recordOf(r, source, destination, "history");
            if (record) out.push(record);
        }
        if (!rows || rows.length < pageSize) return out;
    }
}

export interface TransfersRead {
    readonly records: readonly TransferRecord[];
    /** Names Rucio has no RSE of: their rows and columns stay NO DATA. */
    readonly missingRses: readonly string[];
}

/** Runs `work` over `items`, at most `limit` at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
    const results: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]);
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

/** The names of the list Rucio has no RSE of (GET /rses/{rse} answers 404 RSENotFound). */
export async function missingRses(s: RucioSession, rses: readonly string[], concurrency = 4): Promise<string[]> {
    const known = await mapLimited(rses, concurrency, async (r) => (await getRse(s, r)) !== undefined);
    return rses.filter((_, i) => !known[i]);
}

/** Every request between every two different RSEs of the list, both tables; an RSE Rucio lacks is reported, not read. */
export async function readTransfers(s: RucioSession, rses: readonly string[], concurrency = 4): Promise<TransfersRead> {
    const missing = await missingRses(s, rses, concurrency);
    const present = rses.filter((r) => !missing.includes(r));
    const pairs = present.flatMap((a) => present.filter((b) => b !== a).map((b) => [a, b] as const));
    const lists = await mapLimited(pairs, concurrency, async ([a, b]) => [...(await activeRequests(s, a, b)), ...(await historyRequests(s, a, b))]);
    return { records: lists.flat(), missingRses: missing };
}

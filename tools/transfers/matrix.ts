// The transfer matrix as data: transfer requests in, per source and destination RSE the counts of
// each outcome in the window and the per cent that succeeded. Pure: no clock, no Rucio.
import { outcomeOf } from "./states";

/** One transfer request as Rucio lists it, reduced to what the matrix needs. */
export interface TransferRecord {
    /** Rucio's request id: the same request seen in both tables (archived between two reads) counts once. */
    readonly id: string;
    readonly source: string;
    readonly destination: string;
    /** RequestState by name, as Rucio's JSON has it. */
    readonly state: string;
    /** When the request reached its state (ms since the epoch); undefined when Rucio says nothing of it. */
    readonly at?: number;
    /** Which table it came from: history holds archived requests, the requests table the rest. */
    readonly table: "requests" | "history";
}

export interface MatrixCell {
    readonly source: string;
    readonly destination: string;
    readonly succeeded: number;
    readonly failed: number;
    /** Requests that ended with nothing run between the two (no usable source or protocol): not counted. */
    readonly notAttempted: number;
    /** Requests on the link without an outcome yet (submitted, not finished), whenever they began. */
    readonly inProgress: number;
    /** Per cent of succeeded among succeeded and failed, rounded down; undefined when none finished. */
    readonly percent?: number;
}

export interface TransferMatrix {
    /** Rows and columns, in this order. */
    readonly rses: readonly string[];
    /** The window, ms since the epoch: a finished request counts when it reached its state in [from, to]. */
    readonly from: number;
    readonly to: number;
    /** Row-major: cells[i][j] is from rses[i] to rses[j]. */
    readonly cells: readonly (readonly MatrixCell[])[];
}

/**
 * Rounded down, so that 100% means every transfer succeeded and 0% that none did; the counts say
 * the rest.
 */
export function percentSucceeded(succeeded: number, failed: number): number | undefined {
    const total = succeeded + failed;
    if (total === 0) return undefined;
    return Math.floor((100 * succeeded) / total);
}

export interface MatrixInput {
    readonly rses: readonly string[];
    readonly records: readonly TransferRecord[];
    readonly from: number;
    readonly to: number;
}

/** The matrix of the RSEs from the records; records of other RSEs, and of unknown states, are left out. */
export function transferMatrix(input: MatrixInput): TransferMatrix {
    const rses = [...new Set(input.rses)];
    const index = new Map(rses.map((r, i) => [r, i]));
    // One record per request: a request archived between the two reads is in both; its history row is the later word.
    const byId = new Map<string, TransferRecord>();
    for (const r of input.records) {
        const seen = byId.get(r.id);
        if (!seen || (seen.table === "requests" && r.table === "history")) byId.set(r.id, r);
    }
    const counts = rses.map(() => rses.map(() => ({ succeeded: 0, failed: 0, notAttempted: 0, inProgress: 0 })));
    for (const r of byId.values()) {
        const i = index.get(r.source);
        const j = index.get(r.destination);
        if (i === undefined || j === undefined) continue;
        const outcome = outcomeOf(r.state);
        if (outcome === undefined) continue;
        const c = counts[i][j];
        if (outcome === "inProgress") {
            // Only a live request is in progress; one archived so was cancelled or retried.
            if (r.table === "requests") c.inProgress++;
            continue;
        }
        if (r.at === undefined || r.at < input.from || r.at > input.to) continue;
        c[outcome]++;
    }
    return {
        rses,
        from: input.from,
        to: input.to,
        cells: counts.map((row, i) =>
            row.map((c, j) => {
                const percent = percentSucceeded(c.succeeded, c.failed);
                return { source: rses[i], destination: rses[j], ...c, ...(percent !== undefined ? { percent } : {}) };
            }),
        ),
    };
}

/**
 * Rucio's dates, '%a, %d %b %Y %H:%M:%S UTC' (RFC 1123 with UTC for GMT: its JSON encoder,
 * rucio@1.31.7:lib/rucio/common/utils.py:388-390, rucio@40.4.1:lib/rucio/common/utils.py:266-268,
 * writes date_to_str). Undefined for null or anything else.
 */
export function parseRucioDate(value: unknown): number | undefined {
    if (typeof value !== "string") return undefined;
    const m = /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) UTC$/.exec(value.trim());
    if (!m) return undefined;
    const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].indexOf(m[2]);
    if (month < 0) return undefined;
    return Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/**
 * A request as GET /requests/list or /requests/history/list answers it (the model's columns:
 * rucio@1.31.7:lib/rucio/db/sqla/models.py:1237-1281 and 1310-1354), listed for the pair
 * source -> destination. When it reached its state: transferred_at when the transfer tool said
 * so, else updated_at (the last change; for a history row, when it was archived, shortly after
 * it ended: rucio@1.31.7:lib/rucio/core/request.py:1011-1042 copies created_at but not
 * updated_at), else created_at.
 */
export function recordOf(raw: any, source: string, destination: string, table: TransferRecord["table"]): TransferRecord | undefined {
    if (typeof raw !== "object" || raw === null || typeof raw.id !== "string" || typeof raw.state !== "string") return undefined;
    const at = parseRucioDate(raw.transferred_at) ?? parseRucioDate(raw.updated_at) ?? parseRucioDate(raw.created_at);
    return { id: raw.id, source, destination, state: raw.state, ...(at !== undefined ? { at } : {}), table };
}

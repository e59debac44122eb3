// The transfer matrix as people and programs read it. Pure: the matrix in, text or JSON out.
import type { MatrixCell, TransferMatrix } from "./matrix";

export const noData = "NO DATA";
/** The corner of the table: rows are sources, columns destinations. */
export const corner = "Src\\Dst";

/** What a cell shows: its per cent, or NO DATA where no transfer finished in the window. */
export const cellText = (c: MatrixCell) => (c.percent === undefined ? noData : `${c.percent}%`);

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** 24 -> "24 hours", 1 -> "1 hour", 0.5 -> "0.5 hours". */
export const hoursText = (hours: number) => plural(hours, "hour");

function table(rows: readonly (readonly string[])[]): string[] {
    const widths = rows[0].map((_, j) => Math.max(...rows.map((r) => r[j].length)));
    return rows.map((r) => r.map((v, j) => v.padEnd(widths[j])).join("  ").trimEnd());
}

function pairs(matrix: TransferMatrix, count: (c: MatrixCell) => number): string {
    return matrix.cells
        .flat()
        .filter((c) => count(c) > 0)
        .map((c) => `${c.source} -> ${c.destination} ${count(c)}`)
        .join(", ");
}

/**
 * The table: a title line naming the window, a header row of destinations, a row per source.
 * Columns are two spaces apart. Then a line for each kind of request not counted, when there are any.
 */
export function formatMatrix(matrix: TransferMatrix, hours: number): string {
    const rows = [[corner, ...matrix.rses], ...matrix.cells.map((row, i) => [matrix.rses[i], ...row.map(cellText)])];
    const lines = [`Transfers in the last ${hoursText(hours)}: per cent of finished transfers that succeeded (rows: source RSE, columns: destination RSE)`, ...table(rows)];
    const inProgress = pairs(matrix, (c) => c.inProgress);
    if (inProgress) lines.push(`In progress, not counted: ${inProgress}`);
    const notAttempted = pairs(matrix, (c) => c.notAttempted);
    if (notAttempted) lines.push(`Ended without a transfer (no usable source or protocol), not counted: ${notAttempted}`);
    return `${lines.join("\n")}\n`;
}

export interface MatrixJson {
    readonly window: { readonly hours: number; readonly from: string; readonly to: string };
    readonly rses: readonly string[];
    /** Row-major like the table: cells[i][j] is from rses[i] to rses[j]; percent is null for NO DATA. */
    readonly cells: readonly (readonly (Omit<MatrixCell, "percent"> & { readonly percent: number | null })[])[];
}

export function matrixJson(matrix: TransferMatrix, hours: number): MatrixJson {
    return {
        window: { hours, from: new Date(matrix.from).toISOString(), to: new Date(matrix.to).toISOString() },
        rses: matrix.rses,
        cells: matrix.cells.map((row) => row.map((c) => ({ ...c, percent: c.percent ?? null }))),
    };
}

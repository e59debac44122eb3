// KEY='value' lines that bash can source; single quotes keep every value literal.
export function shellEnvFile(entries: readonly (readonly [string, string | number])[]): string {
    return `${entries.map(([key, value]) => `${key}='${String(value).replace(/'/g, "'\\''")}'`).join("\n")}\n`;
}

// The two kinds of environment file the node reads.

/** KEY='value' lines that bash can source; single quotes keep every value literal. */
export function shellEnvFile(entries: readonly (readonly [string, string | number])[]): string {
    return `${entries.map(([key, value]) => `${key}='${String(value).replace(/'/g, "'\\''")}'`).join("\n")}\n`;
}

/**
 * KEY=value lines for systemd's EnvironmentFile= and podman's --env-file. systemd undoes quotes and
 * backslashes and trims blanks at either end, podman takes the rest of the line as it is: a value
 * without those characters or a line break reads the same in both, so only such values are written.
 */
export function environmentFile(entries: readonly (readonly [string, string | number])[], options: { readonly secret?: boolean } = {}): string {
    for (const [key, value] of entries) {
        const text = String(value);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || /['"\\\n\r]/.test(text) || text.trim() !== text) {
            // A secret value stays out of the message.
            throw new Error(`the value of ${key}${options.secret ? "" : ` (${text})`} cannot be written to an environment file that systemd and podman read alike`);
        }
    }
    return `${entries.map(([key, value]) => `${key}=${value}`).join("\n")}\n`;
}

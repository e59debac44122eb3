// Adler-32 (RFC 1950 8.2), the checksum StoRM answers in `Digest: adler32=<8 hex digits>` and that
// Rucio stores for a replica and compares after a transfer (verify_checksum).

/** Adler-32 of the bytes as StoRM and Rucio write it: 8 lower-case hex digits. */
export function adler32(data: Uint8Array): string {
    let a = 1;
    let b = 0;
    for (const byte of data) {
        a = (a + byte) % 65521;
        b = (b + a) % 65521;
    }
    return ((b * 65536 + a) >>> 0).toString(16).padStart(8, "0");
}

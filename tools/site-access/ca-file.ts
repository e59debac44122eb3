// CA certificates an operator names on the command line (--ca, --storage-ca): a PEM file, read
// into its certificates, trusted besides the public roots (withPublicRoots in
// components/http/retrying-request.ts).
import { readFileSync } from "node:fs";
import { SiteInputError } from "./site-config";

export const pemCertificates = (text: string): string[] => text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];

/** The certificates of `file`; `flag` names where it was given, for the message. */
export function readCaFile(file: string, flag: string): string[] {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (err) {
        throw new SiteInputError(`cannot read the CA file ${file} (${flag}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const certs = pemCertificates(text);
    if (certs.length === 0) throw new SiteInputError(`the CA file ${file} (${flag}) holds no PEM certificate`);
    return certs;
}

// Throw-away CAs and server certificates made by openssl for the smoke checks' tests: a CA of any
// name (one named as Let's Encrypt's staging CAs are, "(STAGING) ..."), and leaves for chosen DNS
// names and lifetimes.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toolPath } from "../tools";

export interface Leaf {
    readonly cert: string;
    readonly key: string;
}

let serial = 100;

export class TestCa {
    readonly pem: string;
    private readonly dir: string;

    /** A self-signed CA whose subject is O=<org>, CN=<name>. */
    constructor(
        readonly name: string,
        org = "srcnet-site tests",
    ) {
        this.dir = mkdtempSync(join(tmpdir(), "srcnet-smoke-ca-"));
        this.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", `/O=${org}/CN=${name}`, "-days", "30", "-keyout", "ca.key", "-out", "ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        this.pem = readFileSync(join(this.dir, "ca.pem"), "utf8");
    }

    private openssl(...args: string[]): void {
        execFileSync(toolPath("openssl"), args, { cwd: this.dir, stdio: "pipe" });
    }

    /** A server certificate for `names` (and 127.0.0.1) that ends in `days` days. */
    issue(names: readonly string[], days = 20): Leaf {
        const n = ++serial;
        this.openssl("req", "-new", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${names[0]}`, "-keyout", `leaf${n}.key`, "-out", `leaf${n}.csr`);
        writeFileSync(
            join(this.dir, `leaf${n}.ext`),
            `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${[...names.map((d) => `DNS:${d}`), "IP:127.0.0.1"].join(",")}\n`,
        );
        this.openssl("x509", "-req", "-in", `leaf${n}.csr`, "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", String(n), "-days", String(days), "-extfile", `leaf${n}.ext`, "-out", `leaf${n}.pem`);
        return { cert: readFileSync(join(this.dir, `leaf${n}.pem`), "utf8"), key: readFileSync(join(this.dir, `leaf${n}.key`), "utf8") };
    }

    dispose(): void {
        rmSync(this.dir, { recursive: true, force: true });
    }
}

// tools/setup/test-tools.sh, which npm test runs first: it installs what tools/setup/test-tools.txt
// lists and the machine lacks, through apt-get as root or password-less sudo, and otherwise says
// what to install. Run with a PATH of stubs that record what they were asked.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./harness";
import { testTools } from "./tools";

const script = join(repoRoot, "tools", "setup", "test-tools.sh");

interface Machine {
    readonly uid: number;
    /** Tools of test-tools.txt that this machine lacks. */
    readonly missing: readonly string[];
    readonly sudo?: "password-less" | "asks";
    /** The Rucio test server's packages.txt. */
    readonly rucioServerPackages?: readonly string[];
}

function run(machine: Machine): { status: number | null; stderr: string; calls: string[] } {
    const bin = mkdtempSync(join(tmpdir(), "srcnet-test-tools-"));
    const log = join(bin, "calls.log");
    const stub = (name: string, body: string) => {
        writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
    };
    for (const tool of testTools()) if (tool.command !== "-" && !machine.missing.includes(tool.command)) stub(tool.command, "exit 0");
    // Packages without a command, and the Rucio test server's, are asked of dpkg.
    const missingPackages = [...testTools().filter((t) => t.command === "-").map((t) => t.debianPackage), ...(machine.rucioServerPackages ?? [])].filter((p) => machine.missing.includes(p));
    stub("dpkg-query", `for p in ${missingPackages.join(" ") || "-"}; do [ "$3" = "$p" ] && exit 1; done; echo "install ok installed"`);
    stub("grep", `read -r line; case "$line" in *"ok installed"*) exit 0 ;; *) exit 1 ;; esac`);
    writeFileSync(join(bin, "packages.txt"), (machine.rucioServerPackages ?? []).join("\n"));
    for (const real of ["dirname", "env"]) symlinkSync(`/usr/bin/${real}`, join(bin, real));
    stub("id", `[ "$1" = -u ] && echo ${machine.uid}`);
    stub("apt-get", `echo "apt-get $*" >> ${log}`);
    if (machine.sudo) stub("sudo", machine.sudo === "password-less" ? `[ "$1" = -n ] && shift; echo "sudo" >> ${log}; [ "$1" = true ] || "$@"` : "exit 1");
    const result = spawnSync("/bin/bash", [script], { encoding: "utf8", env: { PATH: bin, SRCNET_RUCIO_TEST_SERVER: bin, SRCNET_SBIN_PATH: "" } });
    return { status: result.status, stderr: result.stderr, calls: existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [] };
}

describe("tools/setup/test-tools.sh", () => {
    it("does nothing on a machine that has every tool", () => {
        expect(run({ uid: 0, missing: [] })).to.deep.include({ status: 0, calls: [] });
    });

    it("installs the packages of the missing tools with apt-get as root", () => {
        const r = run({ uid: 0, missing: ["nft", "curl", "unshare", "setpriv"] });
        expect(r.status, r.stderr).to.equal(0);
        // unshare and setpriv both come with util-linux: named once.
        expect(r.calls).to.deep.equal(["apt-get update -qq", "apt-get install -y -qq --no-install-recommends curl nftables util-linux"]);
    });

    it("checks packages without a command, and the Rucio test server's packages, by their names", () => {
        const r = run({ uid: 0, missing: ["gfal2-plugin-http", "python3-flask"], rucioServerPackages: ["python3-flask", "python3-sqlalchemy"] });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.calls).to.deep.equal(["apt-get update -qq", "apt-get install -y -qq --no-install-recommends gfal2-plugin-http python3-flask"]);
        expect(run({ uid: 0, missing: [], rucioServerPackages: ["python3-flask"] })).to.deep.include({ status: 0, calls: [] });
    });

    it("goes through password-less sudo when not root", () => {
        const r = run({ uid: 1000, missing: ["shellcheck"], sudo: "password-less" });
        expect(r.status, r.stderr).to.equal(0);
        expect(r.calls.filter((c) => c.startsWith("apt-get"))).to.deep.equal(["apt-get update -qq", "apt-get install -y -qq --no-install-recommends shellcheck"]);
    });

    it("says what to install, and stops, when it may not install", () => {
        for (const sudo of [undefined, "asks"] as const) {
            const r = run({ uid: 1000, missing: ["cloud-init", "nft"], sudo });
            expect(r.status).to.equal(1);
            expect(r.calls.filter((c) => c.startsWith("apt-get"))).to.deep.equal([]);
            expect(r.stderr).to.equal("the tests need these Debian packages: cloud-init nftables; install them with: sudo apt-get install cloud-init nftables\n");
        }
    });
});

// The storage node's guard of the instance metadata service: nftables rules, checked by nft itself
// and run in a scratch network namespace where a metadata server answers on 169.254.169.254:
// root gets the user-data, the storm user (as StoRM-WebDAV fetching a third-party copy's source) does not.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { metadataAddresses, metadataGuardRules, metadataGuardService } from "../components/storage/render/metadata-guard";
import { stormAccount } from "../components/storage/render/storm-account";
import { nodePaths } from "../components/storage/render/paths";
import { toolPath } from "./tools";

function rulesFile(): string {
    const file = join(mkdtempSync(join(tmpdir(), "srcnet-guard-")), "metadata-guard.nft");
    writeFileSync(file, metadataGuardRules);
    return file;
}

describe("storage: the metadata guard", () => {
    it("is nftables syntax that nft accepts", () => {
        const run = spawnSync(toolPath("nft"), ["-c", "-f", rulesFile()], { encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
    });

    it("is loaded by a unit from the file the user-data writes", () => {
        expect(metadataGuardService).to.include(`ExecStart=/usr/sbin/nft -f ${nodePaths.metadataGuard}\n`);
    });

    it("lets root, and only root, reach the metadata service, and reloads without doubling its rules", function () {
        this.timeout(30000);
        // A network namespace of its own needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN).
        if (process.getuid?.() !== 0) this.skip();
        const script = [
            "set -eu",
            "ip link set lo up",
            `ip addr add ${metadataAddresses.ipv4}/32 dev lo`,
            `mkdir -p "$1/openstack/latest" && printf 'secret user-data' > "$1/openstack/latest/user_data"`,
            `python3 -m http.server 80 --bind ${metadataAddresses.ipv4} --directory "$1" >/dev/null 2>&1 &`,
            `for i in $(seq 50); do curl -fs -o /dev/null http://${metadataAddresses.ipv4}/openstack/latest/user_data && break; sleep 0.1; done`,
            `nft -f "$2" && nft -f "$2"`,
            `echo "rules $(nft list table inet srcnet_metadata_guard | grep -c 'meta skuid != 0')"`,
            `echo "root $(curl -s --max-time 5 http://${metadataAddresses.ipv4}/openstack/latest/user_data || echo refused)"`,
            `echo "storm $(setpriv --reuid=${stormAccount.uid} --regid=${stormAccount.gid} --clear-groups curl -s --max-time 5 http://${metadataAddresses.ipv4}/openstack/latest/user_data || echo refused)"`,
            "kill %1",
        ].join("\n");
        for (const tool of ["unshare", "ip", "nft", "setpriv", "curl", "python3"]) toolPath(tool);
        const run = spawnSync("unshare", ["--net", "bash", "-c", script, "bash", mkdtempSync(join(tmpdir(), "srcnet-metadata-")), rulesFile()], { encoding: "utf8" });
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout.trim().split("\n")).to.deep.equal(["rules 2", "root secret user-data", "storm refused"]);
    });
});

// The storm account on a storage node: the user-data's bootcmd run the way cloud-init runs it,
// then the RPM's %pre, with the real groupadd/useradd against a scratch /etc (a private mount
// namespace), so that what the RPM would do to a node without the bootcmd is seen too.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { userData } from "../components/storage/render/user-data";
import { cloudInitPython } from "./tools";


/** The script cloud-init's bootcmd module writes and runs with /bin/sh (cc_bootcmd: util.shellify). */
function bootcmdScript(bootcmd: unknown): string {
    const run = spawnSync(cloudInitPython(), ["-c", "import json, sys\nfrom cloudinit import util\nsys.stdout.write(util.shellify(json.loads(sys.argv[1])))", JSON.stringify(bootcmd)], { encoding: "utf8" });
    if (run.status !== 0) throw new Error(`shellify failed: ${run.stderr}`);
    return run.stdout;
}

/** storm-webdav.spec %pre at 1.9.0 (:77-80), %{_sysconfdir} being /etc. */
const rpmPre = [
    "getent group storm > /dev/null || groupadd -r storm",
    'getent passwd storm > /dev/null || useradd -r -g storm -d /etc/storm -s /sbin/nologin -c "StoRM server account" storm',
    "",
].join("\n");

/**
 * Runs shell scripts one after the other against a scratch /etc that holds a copy of this host's
 * accounts, in a mount namespace of their own (as root, or as root of a user namespace);
 * returns each script's status and the final passwd and group entries of storm.
 */
function withScratchEtc(scripts: readonly string[]): { statuses: number[]; passwd: string; group: string; out: string } {
    const dir = mkdtempSync(join(tmpdir(), "srcnet-account-"));
    const etc = join(dir, "etc");
    mkdirSync(join(etc, "default"), { recursive: true });
    // World-readable account files only: shadow stays out, which useradd then leaves alone.
    for (const f of ["passwd", "group", "login.defs", "nsswitch.conf", "default/useradd"]) if (existsSync(`/etc/${f}`)) copyFileSync(`/etc/${f}`, join(etc, f));
    const files = scripts.map((script, i) => {
        const file = join(dir, `script-${i}.sh`);
        writeFileSync(file, script);
        return file;
    });
    const inside = [
        'etc="$1"; shift',
        'mount --bind "$etc" /etc || exit 90',
        'for script; do sh "$script" >&2; echo "status $?"; done',
        "echo \"passwd $(getent passwd storm)\"",
        "echo \"group $(getent group storm)\"",
    ].join("\n");
    const asRoot = process.getuid?.() === 0;
    const run = spawnSync("unshare", [...(asRoot ? [] : ["--user", "--map-root-user"]), "--mount", "--propagation", "private", "sh", "-c", inside, "sh", etc, ...files], { encoding: "utf8" });
    if (run.status !== 0) {
        throw new Error(`this test needs a private mount namespace (root, or unprivileged user namespaces) for unshare: ${run.status} ${run.stderr}`);
    }
    const lines = run.stdout.split("\n");
    const value = (prefix: string) => lines.filter((l) => l.startsWith(`${prefix} `)).map((l) => l.slice(prefix.length + 1));
    return { statuses: value("status").map(Number), passwd: value("passwd")[0] ?? "", group: value("group")[0] ?? "", out: run.stderr };
}

const volumeId = "3f9c2a7e-51b4-4d0e-9c6a-8b1f2e3d4c5b";

describe("storage node: the storm account has the same uid and gid on every node", function () {
    this.timeout(30000);

    for (const deployment of ["rpm", "container"] as const) {
        it(`${deployment}: bootcmd creates storm 2001:2001 with the RPM's home and shell, on every boot alike, and the RPM's %pre keeps it`, () => {
            const text = userData({ hostname: "storm", fqdn: "storm.dev.srcnet.example.org", deployment, volumeId, certificate: { source: "letsencrypt" } });
            const bootcmd = bootcmdScript(parse(text.slice(text.indexOf("\n") + 1)).bootcmd ?? []);
            // First boot, a reboot, then the package's scriptlet.
            const result = withScratchEtc([bootcmd, bootcmd, rpmPre]);
            expect(result.statuses, result.out).to.deep.equal([0, 0, 0]);
            // name, uid, gid, comment, home, shell (the password field depends on the host's shadow).
            const [name, , uid, gid, comment, home, shell] = result.passwd.split(":");
            expect({ name, uid, gid, comment, home, shell }, result.out).to.deep.equal({ name: "storm", uid: "2001", gid: "2001", comment: "StoRM server account", home: "/etc/storm", shell: "/sbin/nologin" });
            expect(result.group.split(":").filter((_, i) => i !== 1).slice(0, 2), result.out).to.deep.equal(["storm", "2001"]);
        });
    }

    it("without it, the RPM's %pre picks a system uid of its own (the case this guards against)", () => {
        const result = withScratchEtc([rpmPre]);
        expect(result.statuses, result.out).to.deep.equal([0]);
        expect(result.passwd.split(":")[0]).to.equal("storm");
        expect(result.passwd.split(":")[2]).to.not.equal("2001");
    });
});

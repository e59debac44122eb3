// The storm account, created with the same uid and gid on every storage node and in both
// deployments, before any package is installed: a rebuilt VM then owns the data its predecessor
// wrote on the data volume, and the container's user is the host's.
export const stormAccount = {
    name: "storm",
    uid: 2001,
    gid: 2001,
    // What the RPM's %pre would give it (storm-webdav.spec:76-80 at 1.9.0), which creates the
    // account only when it is missing, with whatever uid `useradd -r` picks.
    home: "/etc/storm",
    shell: "/sbin/nologin",
    comment: "StoRM server account",
} as const;

/**
 * cloud-init bootcmd lines: they run on every boot before the packages are installed (an init
 * module, ahead of the final package_update_upgrade_install: cloud-init 23.4
 * config/cloud.cfg.tmpl:118,191), so each is idempotent.
 */
export function stormAccountBootcmd(): string[] {
    const a = stormAccount;
    return [
        `getent group ${a.name} >/dev/null || groupadd --system --gid ${a.gid} ${a.name}`,
        `getent passwd ${a.name} >/dev/null || useradd --system --uid ${a.uid} --gid ${a.name} --home-dir ${a.home} --no-create-home --shell ${a.shell} --comment '${a.comment}' ${a.name}`,
    ];
}

// NFS exports of the storage areas: read-only, root squashed, to the networks the cluster's
// nodes come from, so that notebooks mount the RSE read-only.
import type { DerivedStorageArea } from "../../../config/derive";

export const exportOptions = "ro,root_squash,sync,no_subtree_check,sec=sys";

export function exportsFile(areas: readonly DerivedStorageArea[], clients: readonly string[]): string {
    const header = "# Storage areas exported read-only to the cluster; written by srcnet-site.\n";
    if (clients.length === 0) return `${header}# No cluster network is known, so nothing is exported.\n`;
    return header + areas.map((a) => `${a.rootPath} ${clients.map((c) => `${c}(${exportOptions})`).join(" ")}\n`).join("");
}

/** NFSv4 only: no rpcbind or mountd ports to open, one TCP port (2049). */
export const nfsConf = "[nfsd]\nvers3=n\n";

// The storage node's changeable configuration as one bundle (see config-bundle.ts): StoRM's
// application.yml, storage areas and environment, the NFS exports and the node's facts, each
// with the action that applies it.
import { dataMountPath, type DerivedStorageArea, type TrustedIssuer } from "../../../config/derive";
import type { ConfigBundle } from "./config-bundle";
import { nodePaths, stormPaths } from "./paths";
import { applicationYml, storageAreaProperties, stormEnvironment } from "./storm-config";
import { exportsFile } from "./nfs";
import { storageEnv, type Deployment } from "./node-env";

export interface StorageNodeConfig {
    readonly fqdn: string;
    readonly floatingIp: string;
    readonly deployment: Deployment;
    readonly heapMb: number;
    readonly volumeSizeGb: number;
    readonly areas: readonly DerivedStorageArea[];
    readonly issuers: readonly TrustedIssuer[];
    readonly nfsClients: readonly string[];
    readonly acme: { readonly email: string; readonly directoryUrl: string };
}

const root = "root:root";

export const actions = {
    "restart-storm": ["systemctl", "try-restart", "storm-webdav.service"],
    "reload-exports": ["exportfs", "-ra"],
    certificate: ["systemctl", "restart", "--no-block", "storm-webdav-certificate.service"],
    "grow-filesystem": ["xfs_growfs", dataMountPath],
} as const;

export function storageNodeBundle(c: StorageNodeConfig): ConfigBundle {
    return {
        version: 1,
        // A storage area removed from the config stops being served; its directory and data stay.
        directories: c.areas.map((a) => ({ path: a.rootPath, mode: "0755", owner: "storm:storm" })),
        files: [
            { path: stormPaths.applicationYml, content: applicationYml(c.issuers), mode: "0644", owner: root, then: "restart-storm" },
            ...c.areas.map((a) => ({
                path: `${stormPaths.storageAreas}/${a.name}.properties`,
                content: storageAreaProperties(a, c.issuers),
                mode: "0644",
                owner: root,
                then: "restart-storm",
            })),
            {
                path: stormPaths.environment,
                content: stormEnvironment({ fqdn: c.fqdn, heapMb: c.heapMb, deployment: c.deployment }),
                mode: "0644",
                owner: root,
                then: "restart-storm",
            },
            { path: nodePaths.exports, content: exportsFile(c.areas, c.nfsClients), mode: "0644", owner: root, then: "reload-exports" },
            { path: nodePaths.dataVolumeSize, content: `${c.volumeSizeGb}\n`, mode: "0644", owner: root, then: "grow-filesystem" },
            {
                path: nodePaths.storageEnvironment,
                content: storageEnv({ fqdn: c.fqdn, floatingIp: c.floatingIp, acmeEmail: c.acme.email, acmeDirectoryUrl: c.acme.directoryUrl }),
                mode: "0644",
                owner: root,
                then: "certificate",
            },
        ],
        prune: [{ directory: stormPaths.storageAreas, suffix: ".properties", then: "restart-storm" }],
        actions,
    };
}

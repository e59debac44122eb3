// The storage node's changeable configuration as one bundle (see config-bundle.ts): StoRM's
// application.yml, storage areas and environment, the NFS exports and the node's facts, each
// with the action that applies it.
import { dataMountPath, type DerivedStorageArea, type TrustedIssuer } from "../../../config/derive";
import type { ConfigBundle } from "./config-bundle";
import { nodePaths, stormPaths } from "./paths";
import { applicationYml, storageAreaProperties, stormEnvironment } from "./storm-config";
import type { StormLoginClient } from "./storm-login";
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
    /** StoRM's IAM client for the browser login (iam.stormLogin); its secret is in user-data. */
    readonly login?: StormLoginClient;
}

const root = "root:root";

export const actions = {
    "restart-storm": ["systemctl", "try-restart", "storm-webdav.service"],
    "reload-exports": ["exportfs", "-ra"],
    certificate: ["systemctl", "restart", "--no-block", "storm-webdav-certificate.service"],
    "grow-filesystem": ["xfs_growfs", dataMountPath],
} as const;

/**
 * Directories StoRM reads at start-up that no package may have made: the VOMS trust store, without
 * which it does not start (paths.ts), and the trust anchors, without which no client certificate
 * or third-party copy validates (AppConfig.java:211-219 at 1.9.0; ca-policy-egi-core fills it, the
 * setup script adds the Let's Encrypt roots). 0755 root:root, as grid CA packages have it, so that
 * storm and the container's uid read and traverse them; the container sees them through its
 * read-only /etc/grid-security mount.
 */
const stormStartupDirectories = [stormPaths.trustAnchors, stormPaths.vomsDir].map((path) => ({ path, mode: "0755", owner: root }));

export function storageNodeBundle(c: StorageNodeConfig): ConfigBundle {
    return {
        version: 1,
        directories: [
            ...stormStartupDirectories,
            // A storage area removed from the config stops being served; its directory and data stay.
            ...c.areas.map((a) => ({ path: a.rootPath, mode: "0755", owner: "storm:storm" })),
        ],
        files: [
            { path: stormPaths.applicationYml, content: applicationYml(c.issuers, c.login), mode: "0644", owner: root, then: "restart-storm" },
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

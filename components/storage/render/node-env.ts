// The two files of facts the node's scripts source: node.env (from user-data, fixed for the VM's
// life) and storage.env (from metadata, updated in place).
import { dataMountPath } from "../../../config/derive";
import { nodePaths, stormPaths } from "./paths";
import { shellEnvFile } from "./env-file";
import { stormAccount } from "./storm-account";
import { versionLockEntry, versionLockList } from "./version-lock";

export type Deployment = "rpm" | "container";
export type CertificateSource = "letsencrypt" | "provided";

export function nodeEnv(deployment: Deployment, certificate: CertificateSource): string {
    return shellEnvFile([
        ["DEPLOYMENT", deployment],
        // The setup script checks that dnf holds storm-webdav at its version (RPM only).
        ...(deployment === "rpm" ? ([["VERSION_LOCK_LIST", versionLockList], ["VERSION_LOCK", versionLockEntry]] as const) : []),
        // The setup script checks that the storm account has them (bootcmd created it).
        ["STORM_UID", stormAccount.uid],
        ["STORM_GID", stormAccount.gid],
        ["CERTIFICATE_SOURCE", certificate],
        ["LIBEXEC_DIR", nodePaths.libexec],
        ["DATA_DIR", dataMountPath],
        ["SYSTEM_DIR", nodePaths.system],
        ["LETSENCRYPT_DIR", nodePaths.letsencrypt],
        ["PROVIDED_CERTIFICATE", nodePaths.providedCertificate],
        ["PROVIDED_KEY", nodePaths.providedKey],
        ["HOST_CERTIFICATE", stormPaths.hostCertificate],
        ["HOST_KEY", stormPaths.hostKey],
        ["TRUST_ANCHORS_DIR", stormPaths.trustAnchors],
        ["HEALTH_URL", stormPaths.healthUrl],
    ]);
}

export interface StorageEnvFacts {
    readonly fqdn: string;
    readonly floatingIp: string;
    readonly acmeEmail: string;
    readonly acmeDirectoryUrl: string;
}

export function storageEnv(facts: StorageEnvFacts): string {
    return shellEnvFile([
        ["STORM_FQDN", facts.fqdn],
        ["FLOATING_IP", facts.floatingIp],
        ["ACME_EMAIL", facts.acmeEmail],
        ["ACME_SERVER", facts.acmeDirectoryUrl],
    ]);
}

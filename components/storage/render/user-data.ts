// cloud-init user-data that turns a bare EL9 VM into the storage node: repositories, packages,
// the data volume (formatted once, mounted by label), scripts and units. What may change during
// the VM's life is not here but in its metadata (bundle.ts): changing user-data rebuilds the VM.
import { yamlText } from "../../yaml-text";
import { projectFile } from "../../project-files";
import { repositories } from "../../../config/versions";
import { dataMountPath, dataVolumeLabel } from "../../../config/derive";
import { nodePaths } from "./paths";
import { nodeEnv, type CertificateSource, type Deployment } from "./node-env";
import { nfsConf } from "./nfs";
import { stormAccountBootcmd } from "./storm-account";
import { stormSecretsFile } from "./storm-login";
import * as units from "./units";
import { stormWebdavPackage, versionLockFile, versionLockList, versionLockPlugin } from "./version-lock";
import { metadataGuardRules, metadataGuardService, metadataGuardUnit } from "./metadata-guard";

export type CertificateFiles =
    | { readonly source: "letsencrypt" }
    | { readonly source: "provided"; readonly certificate: string; readonly key: string };

export interface UserDataFacts {
    readonly hostname: string;
    readonly fqdn: string;
    readonly deployment: Deployment;
    /** The Cinder data volume; its ID names its device (/dev/disk/by-id/virtio-<first 20 characters>). */
    readonly volumeId: string;
    readonly certificate: CertificateFiles;
    /** The secret of StoRM's IAM login client (iam.stormLogin): it makes the user-data a secret. */
    readonly stormLoginSecret?: string;
}

/** Nova refuses user-data over 64 KiB (base64-encoded); this leaves a margin. */
export const maxUserDataBytes = 45 * 1024;

/** The scripts the node runs, shipped from components/storage/files. */
const scripts: Record<string, string> = {
    "srcnet-config-sync": "srcnet-config-sync.py",
    "storage-node-setup": "storage-node-setup.sh",
    "storm-webdav-certificate": "storm-webdav-certificate.sh",
    "storm-webdav-install-certificate": "storm-webdav-install-certificate.sh",
    "storm-webdav-wait-healthy": "storm-webdav-wait-healthy.sh",
};

interface WriteFile {
    path: string;
    content: string;
    permissions: string;
    owner?: string;
}

const file = (path: string, content: string, permissions = "0644"): WriteFile => ({ path, content, permissions, owner: "root:root" });

function repos(deployment: Deployment): Record<string, Record<string, string | boolean>> {
    return {
        // dnf prefers the metalink (nearest mirror) and falls back to the base URL.
        epel: {
            name: "Extra Packages for Enterprise Linux 9",
            baseurl: repositories.epelBaseUrl,
            metalink: repositories.epelMetalink,
            enabled: true,
            gpgcheck: true,
            gpgkey: repositories.epelKey,
        },
        "egi-trustanchors": { name: "EGI IGTF trust anchors", baseurl: repositories.egiTrustAnchors, enabled: true, gpgcheck: true, gpgkey: repositories.egiTrustAnchorsKey },
        ...(deployment === "rpm"
            ? {
                  // The repository publishes no signing key; the package version is pinned and locked instead.
                  "storm-stable-el9": { name: "StoRM stable for EL9", baseurl: repositories.stormStable, enabled: true, gpgcheck: false },
              }
            : {}),
    };
}

function packages(deployment: Deployment, certificate: CertificateSource): string[] {
    return [
        ...(deployment === "rpm" ? [stormWebdavPackage, versionLockPlugin] : ["podman"]),
        "nfs-utils",
        "ca-policy-egi-core",
        "fetch-crl",
        "openssl",
        "python3",
        "nftables",
        ...(certificate === "letsencrypt" ? ["certbot"] : []),
    ];
}

export function userData(facts: UserDataFacts): string {
    const { deployment, certificate } = facts;
    const systemd = "/etc/systemd/system";
    const files: WriteFile[] = [
        file(nodePaths.nodeEnvironment, nodeEnv(deployment, certificate.source)),
        // Read by systemd and podman (as root) for StoRM's environment, by nothing else.
        file(nodePaths.stormSecrets, stormSecretsFile(facts.stormLoginSecret), "0600"),
        ...Object.entries(scripts).map(([name, source]) => file(`${nodePaths.libexec}/${name}`, projectFile(`components/storage/files/${source}`), "0755")),
        file("/etc/nfs.conf.d/srcnet.conf", nfsConf),
        file(`${systemd}/srcnet-config-sync.service`, units.configSyncService),
        file(`${systemd}/srcnet-config-sync.timer`, units.configSyncTimer),
        file(`${systemd}/storm-webdav-certificate.service`, units.certificateService),
        deployment === "rpm"
            ? file(`${systemd}/storm-webdav.service.d/srcnet.conf`, units.rpmDropIn)
            : file("/etc/containers/systemd/storm-webdav.container", units.quadletContainer),
        ...(certificate.source === "letsencrypt"
            ? [file(`${systemd}/storm-webdav-certificate-renew.service`, units.renewService), file(`${systemd}/storm-webdav-certificate-renew.timer`, units.renewTimer)]
            : [file(nodePaths.providedCertificate, certificate.certificate), file(nodePaths.providedKey, certificate.key, "0400")]),
        file(nodePaths.metadataGuard, metadataGuardRules),
        file(`${systemd}/${metadataGuardUnit}`, metadataGuardService),
        // Written before the packages (write_files is an init module, package_update_upgrade_install
        // a final one: cloud-init 23.4 config/cloud.cfg.tmpl:113-191): the plugin's package ships an
        // empty list as %config(noreplace) (dnf-plugins-core.spec:765 at 4.3.0), and rpm keeps a
        // config file already there, saving its own as .rpmnew (rpm-4.16.1.3 lib/transaction.c:616-619).
        // storage-node-setup checks that the lock holds.
        ...(deployment === "rpm" ? [file(versionLockList, versionLockFile)] : []),
    ];
    const config = {
        hostname: facts.hostname,
        fqdn: facts.fqdn,
        ssh_pwauth: false,
        disable_root: true,
        // The storm account before any package: the RPM's %pre then leaves it as it is.
        bootcmd: stormAccountBootcmd(),
        // Formats the data volume only when it holds no filesystem, so a rebuilt VM finds its data.
        // ("auto", not "none": with "none" cloud-init formats whatever the device holds.)
        fs_setup: [
            { label: dataVolumeLabel, filesystem: "xfs", device: `/dev/disk/by-id/virtio-${facts.volumeId.slice(0, 20)}`, partition: "auto", overwrite: false },
        ],
        mounts: [[`LABEL=${dataVolumeLabel}`, dataMountPath, "xfs", "defaults,nofail,x-systemd.device-timeout=60s", "0", "2"]],
        yum_repos: repos(deployment),
        package_upgrade: true,
        packages: packages(deployment, certificate.source),
        write_files: files,
        runcmd: [[`${nodePaths.libexec}/storage-node-setup`]],
    };
    const text = `#cloud-config\n${yamlText(config)}`;
    if (Buffer.byteLength(text) > maxUserDataBytes) {
        throw new Error(`the storage node's user-data is ${Buffer.byteLength(text)} bytes, more than the ${maxUserDataBytes} Nova takes`);
    }
    return text;
}


// systemd units of the storage node. The storm-webdav unit comes from its RPM (with a drop-in
// here) or from a Quadlet container file; both start only once the host certificate exists.
import { versions } from "../../../config/versions";
import { dataMountPath } from "../../../config/derive";
import { nodePaths, stormPaths } from "./paths";
import { stormAccount } from "./storm-account";
import { metadataGuardUnit } from "./metadata-guard";

const certificateGate = [
    "Wants=storm-webdav-certificate.service network-online.target",
    "After=storm-webdav-certificate.service network-online.target",
    // Never without the guard that keeps the user-data from StoRM's third-party copies.
    `Requires=${metadataGuardUnit}`,
    `After=${metadataGuardUnit}`,
    `RequiresMountsFor=${dataMountPath}`,
    // Without a certificate StoRM cannot serve TLS; the certificate's installer starts it later.
    `ConditionPathExists=${stormPaths.hostCertificate}`,
    `ConditionPathExists=${stormPaths.hostKey}`,
];

/**
 * Drop-in for the RPM's unit (storm-webdav.service at 1.9.0). Its EnvironmentFile= settings override
 * the Environment= lines of the RPM's own drop-in (storm-webdav.service.d/storm-webdav.conf), which
 * still give ExecStart its STORM_WEBDAV_JAR and STORM_WEBDAV_LOG_CONFIGURATION (:55, :61).
 */
export const rpmDropIn = [
    "[Unit]",
    ...certificateGate,
    "",
    "[Service]",
    `EnvironmentFile=${stormPaths.environment}`,
    `EnvironmentFile=${nodePaths.stormSecrets}`,
    // The unit appends them to files under /var/log/storm/webdav (storm-webdav.service:17-18); the
    // journal keeps `journalctl -u storm-webdav` the one place to look, as in the container.
    "StandardOutput=journal",
    "StandardError=journal",
    "",
].join("\n");

export const quadletContainer = [
    "[Unit]",
    "Description=StoRM-WebDAV (container)",
    ...certificateGate,
    "",
    "[Container]",
    "ContainerName=storm-webdav",
    `Image=${versions.stormWebdavImage}`,
    "Network=host",
    // The host's storm account, not the image's uid 1000 (Dockerfile:28-35 at 1.9.0): it owns the data.
    `User=${stormAccount.uid}`,
    `Group=${stormAccount.gid}`,
    // Replaces the image's STORM_WEBDAV_JVM_OPTS (Dockerfile:19) and with it its dev profile (ports
    // 8086/9443, test certificates). Podman reads both files as root, before the container starts.
    `EnvironmentFile=${stormPaths.environment}`,
    `EnvironmentFile=${nodePaths.stormSecrets}`,
    `Volume=${stormPaths.etc}:${stormPaths.etc}:ro`,
    `Volume=${stormPaths.gridSecurity}:${stormPaths.gridSecurity}:ro`,
    `Volume=${dataMountPath}:${dataMountPath}`,
    // It reads files that host services own (certificates renewed by certbot, CRLs by fetch-crl).
    "SecurityLabelDisable=true",
    "",
    "[Service]",
    "Restart=always",
    "TimeoutStartSec=900",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
].join("\n");

export const certificateService = [
    "[Unit]",
    "Description=Host certificate of StoRM-WebDAV: obtain or check it, and install it",
    "Wants=network-online.target",
    "After=network-online.target",
    `RequiresMountsFor=${dataMountPath}`,
    "",
    "[Service]",
    "Type=oneshot",
    "RemainAfterExit=yes",
    `ExecStart=${nodePaths.libexec}/storm-webdav-certificate`,
    // Until DNS points here, every attempt fails; keep trying.
    "Restart=on-failure",
    "RestartSec=60",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
].join("\n");

export const renewService = [
    "[Unit]",
    "Description=Renew the Let's Encrypt certificate of StoRM-WebDAV",
    `RequiresMountsFor=${dataMountPath}`,
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=/usr/bin/certbot renew --quiet --config-dir ${nodePaths.letsencrypt}`,
    "",
].join("\n");

export const renewTimer = [
    "[Unit]",
    "Description=Renew the Let's Encrypt certificate of StoRM-WebDAV twice a day",
    "",
    "[Timer]",
    "OnCalendar=*-*-* 03,15:00:00",
    "RandomizedDelaySec=1h",
    "Persistent=true",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
].join("\n");

export const configSyncService = [
    "[Unit]",
    "Description=Apply the storage node's configuration from instance metadata",
    "Wants=network-online.target",
    "After=network-online.target",
    // It creates the storage areas' directories: never on the root disk.
    `RequiresMountsFor=${dataMountPath}`,
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${nodePaths.libexec}/srcnet-config-sync`,
    "",
].join("\n");

export const configSyncTimer = [
    "[Unit]",
    "Description=Apply configuration changes from instance metadata every minute",
    "",
    "[Timer]",
    "OnBootSec=2min",
    "OnUnitActiveSec=1min",
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
].join("\n");

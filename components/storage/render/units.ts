// systemd units of the storage node. The storm-webdav unit comes from its RPM (with a drop-in
// here) or from a Quadlet container file; both start only once the host certificate exists.
import { versions } from "../../versions";
import { dataMountPath } from "../../../config/derive";
import { nodePaths, stormPaths } from "./paths";
import { containerStormUid } from "./node-env";

const certificateGate = [
    "Wants=storm-webdav-certificate.service network-online.target",
    "After=storm-webdav-certificate.service network-online.target",
    `RequiresMountsFor=${dataMountPath}`,
    // Without a certificate StoRM cannot serve TLS; the certificate's installer starts it later.
    `ConditionPathExists=${stormPaths.hostCertificate}`,
    `ConditionPathExists=${stormPaths.hostKey}`,
];

/** Drop-in for the RPM's unit: our environment file (it overrides the RPM's Environment= lines). */
export const rpmDropIn = [
    "[Unit]",
    ...certificateGate,
    "",
    "[Service]",
    `EnvironmentFile=${stormPaths.environment}`,
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
    `User=${containerStormUid}`,
    `Group=${containerStormUid}`,
    // Replaces the image's STORM_WEBDAV_JVM_OPTS and with it its dev profile (ports 8086/9443, test certificates).
    `EnvironmentFile=${stormPaths.environment}`,
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

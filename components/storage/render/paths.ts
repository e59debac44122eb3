// Where things live on the storage node. StoRM's paths are those its RPM and image use.
import { dataMountPath } from "../../../config/derive";
import { ports } from "../../../config/ports";

const stormEtc = "/etc/storm/webdav";
/** StoRM-WebDAV's health endpoint on its plain-HTTP port. */
export const healthPath = "/.storm-webdav/actuator/health";
const gridSecurity = "/etc/grid-security";

export const stormPaths = {
    etc: stormEtc,
    configDir: `${stormEtc}/config`,
    applicationYml: `${stormEtc}/config/application.yml`,
    storageAreas: `${stormEtc}/sa.d`,
    environment: `${stormEtc}/srcnet.env`,
    gridSecurity,
    hostCertificate: `${gridSecurity}/storm-webdav/hostcert.pem`,
    hostKey: `${gridSecurity}/storm-webdav/hostkey.pem`,
    trustAnchors: `${gridSecurity}/certificates`,
    /**
     * The VOMS trust store. StoRM builds it at start-up whatever the clients (VOMSBeans.java:47-51 at
     * 1.9.0) and voms-api-java refuses a directory that is missing, unreadable or not traversable
     * (DefaultVOMSTrustStore.java:348-364 at v3.3.5); no package creates it. Empty is enough.
     */
    vomsDir: `${gridSecurity}/vomsdir`,
    healthUrl: `http://localhost:${ports.stormHealth}${healthPath}`,
} as const;

/** Node state kept on the data volume, outside every storage area (their names start with a letter). */
const systemDir = `${dataMountPath}/.srcnet`;

export const nodePaths = {
    /** Facts fixed for the VM's life, from user-data: deployment, certificate source. */
    nodeEnvironment: "/etc/srcnet/node.env",
    /** Facts that may change in place, from metadata: hostname, floating IP, ACME settings. */
    storageEnvironment: "/etc/srcnet/storage.env",
    providedCertificate: "/etc/srcnet/provided/hostcert.pem",
    providedKey: "/etc/srcnet/provided/hostkey.pem",
    /** StoRM's secret settings (its IAM client's secret), from user-data: never in instance metadata. */
    stormSecrets: "/etc/srcnet/storm-secrets.env",
    /** nftables rules that keep the metadata service to root (metadata-guard.ts). */
    metadataGuard: "/etc/srcnet/metadata-guard.nft",
    exports: "/etc/exports.d/srcnet-storage.exports",
    /** The data volume's size: when Cinder extends the volume in place, the filesystem grows with it. */
    dataVolumeSize: "/etc/srcnet/data-volume-size",
    libexec: "/usr/local/libexec/srcnet",
    /** Let's Encrypt state on the data volume, so a rebuilt VM keeps its certificate and account. */
    letsencrypt: `${systemDir}/letsencrypt`,
    system: systemDir,
} as const;

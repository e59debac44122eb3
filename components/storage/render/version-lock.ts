// dnf's versionlock plugin (python3-dnf-plugin-versionlock): a locked package keeps its version
// through every `dnf upgrade`, so the RPM moves only when the pin in versions.ts does (and with
// it the user-data, which rebuilds the VM).
import { versions } from "../../../config/versions";

export const versionLockPlugin = "python3-dnf-plugin-versionlock";

/** The plugin's lock list (its versionlock.conf `locklist`, dnf-plugins-core 4.3.0 etc/dnf/plugins/versionlock.conf:3). */
export const versionLockList = "/etc/dnf/plugins/versionlock.list";

/** The pinned storm-webdav package, as dnf installs it: name-version-release. */
export const stormWebdavPackage = `storm-webdav-${versions.stormWebdavRpm}`;

/**
 * One lock, in the form `dnf versionlock add` writes (name-epoch:version-release.*, any arch;
 * versionlock.py:317-319 at 4.3.0). storm-webdav.spec has no Epoch (:12-14 at 1.9.0), hence 0.
 * Lines starting with # are comments (versionlock.py:233).
 */
export const versionLockEntry = `storm-webdav-0:${versions.stormWebdavRpm}.*`;

export const versionLockFile = `# storm-webdav stays at the version srcnet-site pins (config/versions.ts).\n${versionLockEntry}\n`;

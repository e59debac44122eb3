#!/bin/bash
# First boot of the storage node, run once by cloud-init after it installed the packages and wrote
# the files: apply the configuration from instance metadata, start the services, and wait until
# StoRM-WebDAV is healthy, so that cloud-init reports success only for a working node.
set -euo pipefail

# The node's facts (node.env: fixed, storage.env: changeable); SRCNET_*_ENV name other files in tests.
# shellcheck source=/dev/null
. "${SRCNET_NODE_ENV:-/etc/srcnet/node.env}"
log() { echo "storage-node-setup: $*"; }

# cloud-init's bootcmd created storm with these ids before any package could; should that have
# failed (an image that uses them already), the data on the volume would belong to someone else.
if [ "$(id -u storm 2>/dev/null)" != "$STORM_UID" ] || [ "$(id -g storm 2>/dev/null)" != "$STORM_GID" ]; then
    log "the storm account is not uid $STORM_UID, gid $STORM_GID ($(id storm 2>&1)); not configuring StoRM-WebDAV"
    exit 1
fi

if ! mountpoint -q "$DATA_DIR"; then
    # Storage areas written now would land on the root disk and vanish with the VM.
    log "the data volume is not mounted on $DATA_DIR; not configuring StoRM-WebDAV"
    exit 1
fi
if [ "$DEPLOYMENT" = rpm ] && ! grep -qxF "$VERSION_LOCK" "$VERSION_LOCK_LIST" 2>/dev/null; then
    # Without it the next dnf upgrade would move StoRM-WebDAV off the version the site pins.
    log "dnf's version lock $VERSION_LOCK is not in $VERSION_LOCK_LIST; not configuring StoRM-WebDAV"
    exit 1
fi
# Before anything that StoRM-WebDAV could be asked to fetch: only root reaches the user-data.
systemctl daemon-reload
systemctl enable --now srcnet-metadata-guard.service
install -d -m 0700 "$SYSTEM_DIR"
"$LIBEXEC_DIR/srcnet-config-sync" --no-actions

# StoRM-WebDAV trusts only its trust-anchor directory, also for third-party copies; add the
# Let's Encrypt roots so that copies with sites whose certificates come from there work.
for root in ISRG_Root_X1 ISRG_Root_X2; do
    pem=/etc/pki/ca-trust/extracted/pem/directory-hash/$root.pem
    if [ -e "$pem" ]; then
        install -m 0644 "$pem" "$TRUST_ANCHORS_DIR/$(openssl x509 -hash -noout -in "$pem").0"
    else
        log "warning: $pem not found; third-party copies with Let's Encrypt sites will fail"
    fi
done

# CRLs matter only for X.509 clients; a failure here does not stop token access.
systemctl enable --now fetch-crl.timer || log "warning: fetch-crl.timer could not be enabled"
systemctl enable --now nfs-server.service
exportfs -ra
systemctl enable --now srcnet-config-sync.timer
if [ "$CERTIFICATE_SOURCE" = letsencrypt ]; then
    systemctl enable --now storm-webdav-certificate-renew.timer
fi
systemctl enable storm-webdav-certificate.service
if ! systemctl start storm-webdav-certificate.service; then
    log "no host certificate yet; storm-webdav-certificate.service keeps trying and starts StoRM-WebDAV once it has one"
fi
if [ "$DEPLOYMENT" = rpm ]; then
    systemctl enable storm-webdav.service
fi
systemctl start storm-webdav.service
exec "$LIBEXEC_DIR/storm-webdav-wait-healthy" "${HEALTH_WAIT_SECONDS:-900}" "$HEALTH_URL"

#!/bin/bash
# Makes sure StoRM-WebDAV has its host certificate. A provided certificate is checked and
# installed; otherwise Let's Encrypt issues one over HTTP-01 (port 80) once the node's DNS name
# points at its floating IP. Idempotent: run at boot, by systemd until it succeeds, and after a
# change of the node's name or ACME settings.
set -euo pipefail

# The node's facts (node.env: fixed, storage.env: changeable); SRCNET_*_ENV name other files in tests.
# shellcheck source=/dev/null
. "${SRCNET_NODE_ENV:-/etc/srcnet/node.env}"
# shellcheck source=/dev/null
. "${SRCNET_STORAGE_ENV:-/etc/srcnet/storage.env}"
install_certificate=$LIBEXEC_DIR/storm-webdav-install-certificate

if [ "$CERTIFICATE_SOURCE" = provided ]; then
    exec "$install_certificate" "$PROVIDED_CERTIFICATE" "$PROVIDED_KEY"
fi

deadline=$((SECONDS + ${DNS_WAIT_SECONDS:-1800}))
until [ "$(getent ahostsv4 "$STORM_FQDN" | awk 'NR == 1 { print $1 }')" = "$FLOATING_IP" ]; do
    if ((SECONDS >= deadline)); then
        echo "$STORM_FQDN does not resolve to $FLOATING_IP yet; waiting for its DNS record" >&2
        exit 1
    fi
    sleep 20
done

certbot=(certbot --non-interactive --config-dir "$LETSENCRYPT_DIR")
renewal="$LETSENCRYPT_DIR/renewal/$STORM_FQDN.conf"
switch=()
if [ -e "$renewal" ] && ! grep -qxF "server = $ACME_SERVER" "$renewal"; then
    # Moving between Let's Encrypt staging and production: replace the certificate now.
    switch=(--force-renewal --break-my-certs)
fi
"${certbot[@]}" certonly --standalone --agree-tos --email "$ACME_EMAIL" --server "$ACME_SERVER" \
    --cert-name "$STORM_FQDN" -d "$STORM_FQDN" --keep-until-expiring "${switch[@]}" \
    --deploy-hook "$install_certificate"
RENEWED_LINEAGE="$LETSENCRYPT_DIR/live/$STORM_FQDN" exec "$install_certificate"

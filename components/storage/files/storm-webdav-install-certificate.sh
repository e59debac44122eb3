#!/bin/bash
# Puts a certificate and its key where StoRM-WebDAV reads them, owned by storm, and restarts the
# service when they changed (StoRM reads its certificate only at start). Called as certbot's
# deploy hook (RENEWED_LINEAGE set) or with the certificate and key files as arguments.
set -euo pipefail

# The node's facts (node.env: fixed, storage.env: changeable); SRCNET_*_ENV name other files in tests.
# shellcheck source=/dev/null
. "${SRCNET_NODE_ENV:-/etc/srcnet/node.env}"
certificate=${1:-${RENEWED_LINEAGE:?no certificate given}/fullchain.pem}
key=${2:-$RENEWED_LINEAGE/privkey.pem}
target=$(dirname "$HOST_CERTIFICATE")

if [ "$(openssl x509 -noout -pubkey -in "$certificate")" != "$(openssl pkey -pubout -in "$key")" ]; then
    echo "the key $key does not belong to the certificate $certificate" >&2
    exit 1
fi

install -d -m 0755 -o storm -g storm "$target"
changed=no
install_if_changed() {
    if ! cmp -s "$1" "$2"; then
        install -m "$3" -o storm -g storm "$1" "$2.new"
        mv -f "$2.new" "$2"
        changed=yes
    fi
}
install_if_changed "$certificate" "$HOST_CERTIFICATE" 0644
install_if_changed "$key" "$HOST_KEY" 0400

if [ "$changed" = yes ]; then
    echo "installed a new host certificate: $(openssl x509 -noout -subject -enddate -in "$HOST_CERTIFICATE" | tr '\n' ' ')"
    # Not waiting: storm-webdav starts after the certificate service, which may be what runs this.
    systemctl restart --no-block storm-webdav.service
fi

#!/bin/bash
# Gives the storm account the storage areas that a storm of another uid wrote: the data volume of
# a node built before the uid was fixed (the RPM's %pre picked one), now mounted by a rebuilt VM.
# Run at first boot before the storage areas are configured; once every area's root belongs to
# storm, it changes nothing.
set -euo pipefail

# The node's facts (node.env: fixed, storage.env: changeable); SRCNET_*_ENV name other files in tests.
# shellcheck source=/dev/null
. "${SRCNET_NODE_ENV:-/etc/srcnet/node.env}"
log() { echo "storm-webdav-data-owner: $*"; }

# Each storage area's root sits right under the mount point; the glob skips the node's .srcnet.
shopt -s nullglob
for area in "$DATA_DIR"/*/; do
    area=${area%/}
    read -r uid gid < <(stat -c '%u %g' "$area")
    if [ "$uid" != 0 ] && { [ "$uid" != "$STORM_UID" ] || [ "$gid" != "$STORM_GID" ]; }; then
        log "$area belongs to $uid:$gid, a former storm account; giving what it owns to $STORM_UID:$STORM_GID"
        # Only what that account owned: anything else keeps its owner.
        chown -R --from="$uid:$gid" "$STORM_UID:$STORM_GID" "$area"
    fi
done

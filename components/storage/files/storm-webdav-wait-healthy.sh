#!/bin/bash
# Waits until StoRM-WebDAV reports UP on its health endpoint. Fails after the timeout (seconds,
# first argument), so that cloud-init reports a node that does not work as failed.
set -euo pipefail

timeout=${1:-900}
url=${2:?the health URL is the second argument}
deadline=$((SECONDS + timeout))
body=
until body=$(curl -fsS --max-time 5 "$url" 2>&1) && [[ $body == *'"status":"UP"'* ]]; do
    if ((SECONDS >= deadline)); then
        echo "StoRM-WebDAV is not healthy after ${timeout}s: ${body:-no answer}" >&2
        exit 1
    fi
    sleep "${HEALTH_POLL_SECONDS:-5}"
done
echo "StoRM-WebDAV is healthy: $body"

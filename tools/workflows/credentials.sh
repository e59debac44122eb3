#!/usr/bin/env bash
# Gives the later steps of a workflow job their OpenStack credentials: writes the clouds.yaml held
# in $OPENSTACK_CLOUDS_YAML (a secret) to a file only the runner's user can read, under
# $RUNNER_TEMP (removed when the job ends), and points OS_CLIENT_CONFIG_FILE at it through
# $GITHUB_ENV. The stack's site.openstack.cloud names the entry to use. Nothing is printed of it.
set -euo pipefail

if [ -z "${OPENSTACK_CLOUDS_YAML:-}" ]; then
    echo "OPENSTACK_CLOUDS_YAML is empty: set the secret OPENSTACK_CLOUDS_YAML (a clouds.yaml) in this job's environment" >&2
    exit 1
fi
: "${RUNNER_TEMP:?RUNNER_TEMP is not set (this script runs in a GitHub Actions job)}"
: "${GITHUB_ENV:?GITHUB_ENV is not set (this script runs in a GitHub Actions job)}"

if ! printf '%s\n' "$OPENSTACK_CLOUDS_YAML" | grep -q '^clouds:'; then
    echo "OPENSTACK_CLOUDS_YAML is not a clouds.yaml: it has no top-level 'clouds:' key" >&2
    exit 1
fi

dir="$RUNNER_TEMP/openstack"
umask 077
mkdir -p "$dir"
printf '%s\n' "$OPENSTACK_CLOUDS_YAML" >"$dir/clouds.yaml"
echo "OS_CLIENT_CONFIG_FILE=$dir/clouds.yaml" >>"$GITHUB_ENV"
echo "wrote the OpenStack clouds.yaml to $dir/clouds.yaml (OS_CLIENT_CONFIG_FILE)"

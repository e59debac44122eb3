#!/usr/bin/env bash
# Installs the Debian packages the tests run (listed in test-tools.txt) when they are missing,
# so that `npm test` works on a fresh machine. Needs root or password-less sudo for apt-get;
# without either it says what to install and stops.
set -euo pipefail
list="$(dirname "$0")/test-tools.txt"

missing=()
while read -r command package _; do
    case "$command" in '' | '#'*) continue ;; esac
    # A package that brings several of the tools is named once.
    if ! command -v "$command" >/dev/null 2>&1 && [[ " ${missing[*]} " != *" $package "* ]]; then
        missing+=("$package")
    fi
done <"$list"
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo)
else
    echo "the tests need these Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "the tests need these packages, and this machine has no apt-get to install them: ${missing[*]}" >&2
    exit 1
fi
echo "installing the Debian packages the tests run: ${missing[*]}" >&2
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

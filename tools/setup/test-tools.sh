#!/usr/bin/env bash
# Installs the Debian packages the tests run (listed in test-tools.txt) when they are missing,
# so that `npm test` works on a fresh machine. Needs root or password-less sudo for apt-get;
# without either it says what to install and stops.
set -euo pipefail
list="$(dirname "$0")/test-tools.txt"

# The Rucio test server's own list: one package per line (start installs them only as root).
rucio_packages="${SRCNET_RUCIO_TEST_SERVER:-$(dirname "$0")/../../../shared/rucio-test-server}/packages.txt"
# Daemons such as apache2 live in sbin, which a user's PATH may lack (SRCNET_SBIN_PATH overrides where).
PATH="$PATH:${SRCNET_SBIN_PATH-/usr/sbin:/sbin}"

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

missing=()
want() {
    # A package that brings several of the tools is named once.
    [[ " ${missing[*]} " == *" $1 "* ]] || missing+=("$1")
}
while read -r command package _; do
    case "$command" in '' | '#'*) continue ;; esac
    # "-": a package without a command of its own (a library, a plugin), checked by its name.
    if [ "$command" = "-" ]; then
        installed "$package" || want "$package"
    elif ! command -v "$command" >/dev/null 2>&1; then
        want "$package"
    fi
done <"$list"
if [ -f "$rucio_packages" ]; then
    while read -r package; do
        [ -n "$package" ] && { installed "$package" || want "$package"; }
    done <"$rucio_packages"
fi
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

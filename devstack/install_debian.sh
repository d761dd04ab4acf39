#!/usr/bin/env bash
# Install the Debian packages the local stack and the tests need: only the missing ones, once.
# As root: apt-get directly; otherwise through passwordless sudo when available.
#
#   install_debian.sh [--optional WHAT_IS_SKIPPED] [--stop-service NAME] PACKAGE...
#
# --optional: a package the project can do without; if it cannot be installed, say what is
#   skipped and succeed (Chromium: the browser test; Graphviz: SVG graphs).
# --stop-service: the package starts a system-wide service; the tests run private servers on
#   their own ports, so stop it quietly.
set -uo pipefail

optional=""
service=""
while [ $# -gt 0 ]; do
    case "$1" in
        --optional) optional="$2"; shift 2 ;;
        --stop-service) service="$2"; shift 2 ;;
        *) break ;;
    esac
done

fail() {
    echo "$1" >&2
    if [ -n "$optional" ]; then
        echo "  without it: $optional" >&2
        exit 0
    fi
    exit 1
}

missing=()
for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    fail "Cannot install ${missing[*]} without root. As root:
  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
fi

# Refresh the package lists only when one of the packages is unknown to apt.
for package in "${missing[@]}"; do
    if ! apt-cache show "$package" >/dev/null 2>&1; then
        "${SUDO[@]}" apt-get update -qq
        break
    fi
done
echo "Installing ${missing[*]} (apt-get)"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]} failed"

if [ -n "$service" ] && command -v service >/dev/null 2>&1; then
    "${SUDO[@]}" service "$service" stop >/dev/null 2>&1 || true
fi
exit 0

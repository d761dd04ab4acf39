#!/usr/bin/env bash
# Install Debian's Redis server: the Celery broker of the many-workers test
# (tests/integration/test_celery_cluster.py starts a private redis-server on loopback).
# As root: apt-get directly. Otherwise via sudo when available, else print what to run.
# Idempotent and quiet: does nothing when redis-server is installed.
set -euo pipefail

PACKAGE=redis-server

if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q "install ok installed"; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "Cannot install $PACKAGE without root. Run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends $PACKAGE" >&2
    exit 1
fi

# Refresh the package lists only when apt does not know the package yet.
if ! apt-cache show "$PACKAGE" >/dev/null 2>&1; then
    "${SUDO[@]}" apt-get update -qq
fi
echo "Installing $PACKAGE (apt-get)"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$PACKAGE" >/dev/null

# The package starts a system-wide service where an init system runs; the tests run private
# servers on their own ports, so stop it quietly if it runs.
if command -v service >/dev/null 2>&1; then
    "${SUDO[@]}" service redis-server stop >/dev/null 2>&1 || true
fi

#!/usr/bin/env bash
# Install Debian's MariaDB server and client (used by devstack.mariadb).
# As root: apt-get directly. Otherwise via sudo when available, else print what to run.
set -euo pipefail

PACKAGES=(mariadb-server mariadb-client)

if command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ]; then
    echo "mariadb-server is already installed."
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "Cannot install MariaDB without root. Run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${PACKAGES[*]}" >&2
    exit 1
fi

if ! apt-cache show mariadb-server >/dev/null 2>&1; then
    "${SUDO[@]}" apt-get update
fi
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${PACKAGES[@]}"

# The package starts/enables a system-wide service where an init system runs; devstack does
# not need it (it runs private servers on their own ports), so stop it quietly if it runs.
if command -v service >/dev/null 2>&1; then
    "${SUDO[@]}" service mariadb stop >/dev/null 2>&1 || true
fi
echo "MariaDB installed: $(command -v mariadbd || echo /usr/sbin/mariadbd)"

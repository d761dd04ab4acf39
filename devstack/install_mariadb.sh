#!/usr/bin/env bash
# Install Debian's MariaDB server and client (used by devstack.mariadb), and the client library
# headers and pkg-config that mysqlclient (apache-airflow-providers-mysql) compiles against.
# As root: apt-get directly. Otherwise via sudo when available, else print what to run.
# Idempotent and quiet: does nothing when every package is installed.
set -euo pipefail

PACKAGES=(mariadb-server mariadb-client libmariadb-dev pkg-config)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "Cannot install ${missing[*]} without root. Run as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
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
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

# The package starts/enables a system-wide service where an init system runs; devstack does
# not need it (it runs private servers on their own ports), so stop it quietly if it runs.
if command -v service >/dev/null 2>&1; then
    "${SUDO[@]}" service mariadb stop >/dev/null 2>&1 || true
fi

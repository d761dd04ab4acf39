#!/usr/bin/env bash
# Install Debian's Chromium for the browser test (Playwright drives /usr/bin/chromium; no
# browser download). As root: apt-get directly; otherwise via passwordless sudo when available.
# Idempotent and quiet. Never fails the build: without Chromium the browser test is skipped.
set -uo pipefail

if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "Chromium is not installed and this user cannot install it: the browser test will be" \
        "skipped (as root: apt-get install -y chromium)" >&2
    exit 0
fi
# Refresh the package lists only when apt does not know the package yet.
if ! apt-cache show chromium >/dev/null 2>&1; then
    "${SUDO[@]}" apt-get update -q >/dev/null
fi
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends \
    chromium >/dev/null || echo "apt-get install chromium failed: the browser test will be skipped" >&2
exit 0

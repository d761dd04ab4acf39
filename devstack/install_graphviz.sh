#!/usr/bin/env bash
# Install Debian's Graphviz (`dot`), which `airflow-dataduct graph --format svg` and
# `airflow-dataduct database graph --format svg` run through the `graphviz` package.
# As root: apt-get directly; otherwise via passwordless sudo when available. Idempotent, quiet.
# Never fails the build: without `dot` the SVG commands say so and their tests are skipped.
set -uo pipefail

if command -v dot >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "Graphviz is not installed and this user cannot install it: SVG graphs are unavailable" \
        "(as root: apt-get install -y graphviz)" >&2
    exit 0
fi
if ! apt-cache show graphviz >/dev/null 2>&1; then
    "${SUDO[@]}" apt-get update -q >/dev/null
fi
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends \
    graphviz >/dev/null || echo "apt-get install graphviz failed: SVG graphs are unavailable" >&2
exit 0

#!/usr/bin/env bash
# Makes sure `promtool` (checks and unit-tests the Prometheus alert rules) is on the PATH:
# installs Debian's prometheus package when it is missing. The package only brings the
# binaries here; it does not start a Prometheus server (no systemd in the test machines).
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  exit 0
fi
echo "promtool is not installed; installing Debian's prometheus package" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends prometheus
command -v promtool >/dev/null 2>&1 || { echo "promtool still missing" >&2; exit 1; }

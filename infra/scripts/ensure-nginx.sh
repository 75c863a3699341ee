#!/usr/bin/env bash
# Makes sure `nginx` is on the PATH, so the tests can check and run the reverse proxy's
# configuration (infra/proxy/nginx.conf): installs Debian's nginx-light when it is missing.
# Only the binary is needed; the package's own server (port 80) is stopped again if the
# install started it.
set -euo pipefail

if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
echo "nginx is not installed; installing Debian's nginx-light" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends nginx-light
if [ -f /run/nginx.pid ]; then
  $SUDO nginx -s stop 2>/dev/null || true
fi
[ -x /usr/sbin/nginx ] || { echo "nginx still missing" >&2; exit 1; }

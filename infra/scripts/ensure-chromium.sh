#!/usr/bin/env bash
# Makes sure Debian's Chromium and fonts with every Polish letter are installed, for the portal's
# browser tests (tests/browser: Playwright drives the system browser through `executable_path`;
# `playwright install` cannot download its own builds here). About 30 s and 1 GB the first time.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/truetype/liberation ] \
    && [ -d /usr/share/fonts/truetype/dejavu ]; then
  exit 0
fi
echo "Chromium or its fonts are missing; installing Debian's chromium, fonts-liberation, fonts-dejavu-core" >&2
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium fonts-liberation fonts-dejavu-core
command -v chromium >/dev/null 2>&1 || { echo "chromium still missing" >&2; exit 1; }

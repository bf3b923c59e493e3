#!/usr/bin/env bash
# Make sure Debian's chromium is there for the browser tests (Playwright drives it; no
# browser download works offline).
set -euo pipefail
browser=${CSBOT_CHROMIUM:-/usr/bin/chromium}
[ -x "$browser" ] && exit 0
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "Install chromium as root: apt-get install -y chromium" >&2; exit 1; }
  sudo=sudo
fi
echo "==> Installing Debian's chromium for the browser tests (about a minute)"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null

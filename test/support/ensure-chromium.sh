#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through playwright-core, which downloads no browser of
# its own. Runs before `npm test` (pretest): installs Chromium and a CJK font when they are missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "chromium is missing; install it: sudo apt-get install -y chromium fonts-noto-cjk" >&2
  exit 1
fi
echo "installing chromium and fonts-noto-cjk for the browser tests (apt-get)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null

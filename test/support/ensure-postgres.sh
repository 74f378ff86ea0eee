#!/usr/bin/env bash
# The PostgreSQL backend's tests start their own clusters from Debian's PostgreSQL 15 (initdb,
# pg_ctl, pg_basebackup) and PL/Proxy. Runs before `npm test` (pretest): installs them when missing.
set -euo pipefail
BIN=/usr/lib/postgresql/15/bin
PLPROXY=/usr/share/postgresql/15/extension/plproxy.control
if [ -x "$BIN/initdb" ] && [ -f "$PLPROXY" ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "PostgreSQL 15 is missing; install it: sudo apt-get install -y postgresql-15 postgresql-15-plproxy" >&2
  exit 1
fi
echo "installing postgresql-15 and postgresql-15-plproxy for the PostgreSQL backend's tests (apt-get)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 postgresql-15-plproxy >/dev/null

#!/usr/bin/env bash
# Self-bind mode (--bind self: every worker binds its own SO_REUSEPORT socket) under bench/reload.sh,
# once with net.ipv4.tcp_migrate_req=0 (the Linux default) and once with 1. The setting is per
# network namespace, so each run is in a private one (unshare -n): the machine's own is not touched.
# Needs root (or CAP_SYS_ADMIN), wrk, iproute2. Usage: bench/selfbind.sh [reloads=3]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for migrate in 0 1; do
  echo "tcp_migrate_req=$migrate:"
  BIND=self unshare -n sh -c "ip link set lo up && sysctl -qw net.ipv4.tcp_migrate_req=$migrate && exec \"\$0\" \"\$@\"" \
    "$here/reload.sh" "${1:-3}"
done

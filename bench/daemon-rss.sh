#!/usr/bin/env bash
# The daemon's resident memory: idle with no app, then with 2 workers after they have been idle a while.
# Usage: bench/daemon-rss.sh [settle_seconds=10]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
settle=${1:-10}
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$(cat "$CLUSTER_HOME/daemon.pid")/status"; }
"$cluster" ping >/dev/null
sleep "$settle"
echo "daemon RSS, no apps:            $(rss)"
"$cluster" start "$app_jar" -i 2 --port "$(free_port)" --name rss >/dev/null
for _ in $(seq 1 20); do "$cluster" ls >/dev/null; done   # some control traffic
sleep "$settle"
echo "daemon RSS, 2 workers, idle:    $(rss)"

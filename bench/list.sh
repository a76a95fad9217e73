#!/usr/bin/env bash
# Wall time of 'cluster list' (bin/cluster, JVM start included) with 2 workers, over N runs.
# Usage: bench/list.sh [runs=20]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-20}
"$cluster" start "$app_jar" -i 2 --port "$(free_port)" --name list >/dev/null
times=()
for _ in $(seq 1 "$runs"); do
  t=$(now_ms); "$cluster" list >/dev/null; times+=($(( $(now_ms) - t )))
done
echo "cluster list: $(stats "${times[@]}")"

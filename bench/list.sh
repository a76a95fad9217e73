#!/usr/bin/env bash
# Wall time of 'cluster list' (bin/cluster, JVM start included) with 2 settled workers, over N runs.
# For scale, the same for 'cluster describe' (the full picocli + Jackson path every other command
# takes) and for a JVM that does nothing ('java -version' with the CLI's flags): this machine's floor.
# Usage: bench/list.sh [runs=20]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-20}
"$cluster" start "$app_jar" -i 2 --port "$(free_port)" --name list >/dev/null
sleep 5   # let the workers finish starting: their JIT competes for the 2 cores
timed() {
  local times=()
  for _ in $(seq 1 "$runs"); do
    t=$(now_ms); "$@" >/dev/null 2>&1; times+=($(( $(now_ms) - t )))
  done
  stats "${times[@]}"
}
echo "cluster list:          $(timed "$cluster" list)"
echo "cluster list --json:   $(timed "$cluster" list --json)"
echo "cluster describe list: $(timed "$cluster" describe list)"
echo "java -version:         $(timed java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -Xshare:auto -version)"

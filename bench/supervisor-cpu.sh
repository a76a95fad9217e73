#!/usr/bin/env bash
# The supervisor's own CPU while N worker-app workers report telemetry once a second (merging their
# histograms, keeping history) and it samples their processes (/proc) once a second.
# Target: < 1 % of one core with 8 workers.
# Measured after a settle period: the daemon JIT-compiles its report path during the first minute.
# Usage: bench/supervisor-cpu.sh [workers=8] [seconds=60] [settle=60]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
workers=${1:-8}
seconds=${2:-60}
settle=${3:-60}
"$cluster" start "$app_jar" -i "$workers" --port "$(free_port)" --name cpu >/dev/null
sleep "$settle"   # start-up and JIT warm-up
pid=$(cat "$CLUSTER_HOME/daemon.pid")
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks)
sleep "$seconds"
after=$(ticks)
echo "supervisor CPU with $workers workers reporting at 1 Hz: $(python3 -c "print(f'{($after - $before) / $hz / $seconds * 100:.2f} % of one core')") over ${seconds}s"
echo "supervisor RSS: $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$pid/status")"

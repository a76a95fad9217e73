#!/usr/bin/env bash
# Throughput of the worker-app with telemetry on (the default: lag probes on every event loop, JVM
# probe, watchdog, agent, 1 Hz reports) and off (--no-agent, CLUSTER_TELEMETRY=off), under wrk.
# The two runs alternate, so drift on the machine hits both alike. Target: <= 2 % difference.
# On a small machine wrk and the workers fight for the same cores and the figures swing by 20 %;
# so the daemon and its workers are pinned to CPU 0 and wrk to CPU 1 (the last CPU on bigger ones).
# Usage: bench/telemetry-overhead.sh [rounds=5] [seconds=15] [connections=64]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${1:-5}
seconds=${2:-15}
connections=${3:-64}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
run() { # name, extra start options... -> requests/s
  local name=$1; shift
  local port; port=$(free_port)
  "$cluster" start "$app_jar" -i 2 --port "$port" --name "$name" "$@" >/dev/null
  taskset -c "$load_cpu" wrk -t1 -c"$connections" -d5s "http://127.0.0.1:$port/" >/dev/null   # warm-up: JIT, connection setup
  taskset -c "$load_cpu" wrk -t1 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print int($2)}'
  "$cluster" delete "$name" >/dev/null
}
load_cpu=$(( $(nproc) - 1 ))
taskset -c 0 "$cluster" ping >/dev/null   # the daemon, and so every worker it forks, runs on CPU 0
on=(); off=()
for r in $(seq 1 "$rounds"); do
  on+=($(run on))
  off+=($(run off --no-agent --env CLUSTER_TELEMETRY=off))
  echo "round $r: on ${on[-1]} req/s, off ${off[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_on=$(median "${on[@]}"); m_off=$(median "${off[@]}")
echo "median: telemetry on $m_on req/s, off $m_off req/s, difference $(python3 -c "print(f'{($m_on - $m_off) / $m_off * 100:+.1f} %')")"

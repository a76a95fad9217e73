#!/usr/bin/env bash
# Throughput of the worker-app with telemetry on (the default: lag probes on every event loop, JVM
# probe, watchdog, agent, 1 Hz reports) and off (--no-agent, CLUSTER_TELEMETRY=off), under wrk.
# The two runs alternate, so drift on the machine hits both alike. Target: <= 2 % difference.
# Usage: bench/telemetry-overhead.sh [rounds=3] [seconds=15] [connections=64]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${1:-3}
seconds=${2:-15}
connections=${3:-64}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
run() { # name, extra start options... -> requests/s
  local name=$1; shift
  local port; port=$(free_port)
  "$cluster" start "$app_jar" -i 2 --port "$port" --name "$name" "$@" >/dev/null
  wrk -t2 -c"$connections" -d5s "http://127.0.0.1:$port/" >/dev/null   # warm-up: JIT, connection setup
  wrk -t2 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print int($2)}'
  "$cluster" delete "$name" >/dev/null
}
on=(); off=()
for r in $(seq 1 "$rounds"); do
  on+=($(run on))
  off+=($(run off --no-agent --env CLUSTER_TELEMETRY=off))
  echo "round $r: on ${on[-1]} req/s, off ${off[-1]} req/s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_on=$(median "${on[@]}"); m_off=$(median "${off[@]}")
echo "median: telemetry on $m_on req/s, off $m_off req/s, difference $(python3 -c "print(f'{($m_on - $m_off) / $m_off * 100:+.1f} %')")"

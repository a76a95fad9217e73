#!/usr/bin/env bash
# What a 30 s 'cluster profile' costs the app: worker-app -i 2 under wrk -t2 -c50, rounds of
# [no profile, profile of worker 0 for the whole run] alternating, median req/s of each.
# Needs wrk. Usage: bench/profile-cost.sh [rounds=3] [seconds=30]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${1:-3}
seconds=${2:-30}
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)"; exit 1; }
rps() { wrk -t2 -c50 -d"$1"s "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {printf "%d", $2}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
port=$(free_port)
"$cluster" start "$app_jar" -i 2 --port "$port" --name web >/dev/null
rps 10 >/dev/null # warm-up: the JIT
plain=(); profiled=(); samples=()
for r in $(seq 1 "$rounds"); do
  plain+=("$(rps "$seconds")")
  "$cluster" profile web:0 --seconds "$seconds" --out "$CLUSTER_HOME/web.svg" > "$CLUSTER_HOME/profile.out" 2>/dev/null &
  sleep 1 # jcmd's attach and JFR.start: the run measures the recording, not its set-up
  profiled+=("$(rps $((seconds - 2)))")
  wait
  samples+=("$(grep -o '[0-9]* samples' "$CLUSTER_HOME/profile.out" | cut -d' ' -f1)")
  echo "round $r: no profile ${plain[-1]} req/s, profiling ${profiled[-1]} req/s (${samples[-1]} samples)"
done
p=$(median "${plain[@]}"); q=$(median "${profiled[@]}")
echo "median: no profile $p req/s, while worker 0 of 2 is profiled $q req/s ($(python3 -c "print('%+.1f' % (($q / $p - 1) * 100))") %)"

#!/usr/bin/env bash
# What the agent's watch of an unmodified app's Netty loops costs: the zoo's plain Netty server
# (supervisor/target/it/zoo/netty, built by 'mvn verify'), -i 2, under this build against BEFORE (a
# checkout built without the watch, e.g. 'git worktree add /tmp/before f1f6562 && (cd /tmp/before &&
# mvn -B -q package -DskipTests)'). Alternating rounds, one side running at a time: wrk -t2 -c50 req/s
# after a warm-up, then the two workers' CPU over 10 s idle. Prints the medians of each side.
# Needs wrk. Usage: bench/agent-loops.sh BEFORE [rounds=5] [seconds=10]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
before=${1:?usage: bench/agent-loops.sh BEFORE [rounds] [seconds]}
rounds=${2:-5}
seconds=${3:-10}
jar=$root/supervisor/target/it/zoo/netty/target/netty.jar
[[ -f $jar ]] || { echo "no $jar: run 'mvn -B verify' once (it builds the zoo)" >&2; exit 1; }
before_home=$(mktemp -d /tmp/cluster-bench-before-XXXXXX)
trap 'CLUSTER_HOME=$before_home "$before/bin/cluster" kill >/dev/null 2>&1 || true; $cluster kill >/dev/null 2>&1 || true; rm -rf "$CLUSTER_HOME" "$before_home"' EXIT
rps() { wrk -t2 -c50 -d"$1"s "$2" | awk '/Requests\/sec/ {printf "%d", $2}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# CPU ticks (utime+stime) of the listed pids, summed
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo "$t"; }
hz=$(getconf CLK_TCK)

declare -A rate idle
for _ in $(seq 1 "$rounds"); do
  for side in before after; do
    if [[ $side == before ]]; then bin=$before/bin/cluster; home=$before_home; else bin=$cluster; home=$CLUSTER_HOME; fi
    port=$(free_port)
    CLUSTER_HOME=$home "$bin" start "$jar" -i 2 --port "$port" --name netty >/dev/null
    url=http://127.0.0.1:$port/
    rps 3 "$url" >/dev/null # warm-up: the JIT, and the connections' spread
    rate[$side]+="$(rps "$seconds" "$url") "
    pids=$(CLUSTER_HOME=$home "$bin" list --json | python3 -c 'import json,sys; print(" ".join(str(w["pid"]) for w in json.load(sys.stdin)))')
    sleep 2 # the load's last connections close
    t0=$(ticks $pids); sleep 10; t1=$(ticks $pids)
    idle[$side]+="$(awk -v d=$((t1 - t0)) -v hz="$hz" 'BEGIN {printf "%.2f", d * 100 / hz / 10 / 2}') "
    CLUSTER_HOME=$home "$bin" delete netty >/dev/null
  done
done
for side in before after; do
  echo "$side: req/s median $(median ${rate[$side]}) (${rate[$side]% }); idle CPU per worker median $(median ${idle[$side]})% of a core (${idle[$side]% })"
done

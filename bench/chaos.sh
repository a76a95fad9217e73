#!/usr/bin/env bash
# Availability under repeated crashes (issue 15, item 13): a ready worker of worker-app -i 2, picked at
# random, killed with SIGKILL every 3-6 s for 60 kills, under wrk keep-alive (-c25) and
# connection-per-request (-c25, Connection: close) load at once; then the same at 1.5-3 s, without
# and with a standby (--standby 1: a killed worker's slot is taken over in milliseconds).
# Prints, per rate: how often >= 1 worker was online (sampled 10/s), the share of requests that
# succeeded, wrk's p99 latency, and whether any slot ended errored. wrk's latency is not per-request
# once connections are reset (BENCHMARKS.md shows why), so chaos.py also times requests of its own
# (one new connection at a time) and prints their p99; ChaosIT asserts the same with its own client
# (mvn -B verify -Dit.test=ChaosIT -Dchaos.kills=60 -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false).
# Needs wrk. Usage: bench/chaos.sh [kills=60]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kills=${1:-60}
errors() { awk '/Socket errors/ {gsub(",", ""); e += $4 + $6 + $8 + $10} /Non-2xx/ {e += $5} END {print e + 0}' "$1"; }
total() { awk '/requests in/ {print $1}' "$1"; }
p99() { awk '$1 == "99%" {print $2}' "$1"; }

for rate in "3 6 0" "1.5 3 0" "1.5 3 1"; do
  read -r low high standby <<< "$rate"
  port=$(free_port)
  "$cluster" start "$app_jar" -i 2 --standby "$standby" --port "$port" --name chaos >/dev/null
  out=$(mktemp -d)
  duration=$(python3 -c "print(int($kills * ($low + $high) / 2 + 15))")
  wrk -t1 -c25 -d"${duration}s" --latency "http://127.0.0.1:$port/whoami" > "$out/keep-alive" 2>&1 &
  ka=$!
  wrk -t1 -c25 -d"${duration}s" --latency -H 'Connection: close' "http://127.0.0.1:$port/whoami" > "$out/close" 2>&1 &
  cl=$!
  sleep 3
  python3 "$(dirname "$0")/chaos.py" "$CLUSTER_HOME/control.sock" chaos "$kills" "$low" "$high" "$port" > "$out/chaos"
  wait "$ka" "$cl"
  echo "kill every $low-$high s, --standby $standby: $(cat "$out/chaos")"
  for mode in keep-alive close; do
    t=$(total "$out/$mode"); e=$(errors "$out/$mode")
    echo "    $mode: $t requests, $e failed ($(python3 -c "print('%.3f' % (100.0 * ($t - $e) / $t))") % succeeded), p99 $(p99 "$out/$mode")"
  done
  "$cluster" delete chaos >/dev/null
  rm -rf "$out"
done

#!/usr/bin/env bash
# Failed requests when a worker is killed with SIGKILL under connection-per-request load
# (wrk -c50 -H 'Connection: close', 15 s, kill at 5 s), handoff mode vs self-bind mode.
# Needs wrk. Usage: bench/kill-load.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
errors() { awk '/Socket errors/ {gsub(",", ""); e += $4 + $6 + $8 + $10} /Non-2xx/ {e += $5} END {print e + 0}' "$1"; }
for bind in handoff self; do
  port=$(free_port)
  "$cluster" start "$app_jar" -i 2 --port "$port" --name "kill-$bind" --bind "$bind" >/dev/null
  out=$(mktemp)
  wrk -t2 -c50 -d15s -H 'Connection: close' "http://127.0.0.1:$port/whoami" > "$out" 2>&1 &
  wrk_pid=$!
  sleep 5
  pid=$("$cluster" ls --json | python3 -c "import json,sys; print([w['pid'] for w in json.load(sys.stdin) if w['app']=='kill-$bind' and w['id']==0][0])")
  kill -9 "$pid"
  wait "$wrk_pid"
  echo "$bind: $(awk '/requests in/ {print $1}' "$out") requests, $(errors "$out") failed (kill -9 of 1 of 2 workers)"
  "$cluster" delete "kill-$bind" >/dev/null
  rm -f "$out"
done

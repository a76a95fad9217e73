#!/usr/bin/env bash
# Failed requests during 3 rolling reloads of worker-app -i 2 under wrk (handoff mode, the default;
# BIND=self for self-bind mode, which bench/selfbind.sh runs in network namespaces):
#   keep-alive:       wrk -c50 (connections reused)
#   per-request:      wrk -c50 -H 'Connection: close' (a new connection for every request)
# plus req/s before, during and after, and each worker's reload time from 'cluster reload'.
# START_ARGS adds options to 'cluster start' (e.g. START_ARGS='--start-cache off' for cold starts).
# Needs wrk (apt-get install wrk). Usage: bench/reload.sh [reloads=3]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
reloads=${1:-3}
port=$(free_port)
read -ra extra <<<"${START_ARGS:-}"
"$cluster" start "$app_jar" -i 2 --port "$port" --name bench --bind "${BIND:-handoff}" "${extra[@]}" >/dev/null
# With start-up archives (the default), the reloads start from one once its training start made it.
if [[ " ${extra[*]} " != *" --start-cache off "* ]]; then
  for _ in $(seq 1 300); do compgen -G "$CLUSTER_HOME/cache/bench@*" >/dev/null && break; sleep 0.2; done
fi
url=http://127.0.0.1:$port/whoami

rps() { awk '/Requests\/sec/ {printf "%d", $2}' "$1"; }
errors() { # socket errors plus non-2xx answers
  awk '/Socket errors/ {gsub(",", ""); e += $4 + $6 + $8 + $10} /Non-2xx/ {e += $5} END {print e + 0}' "$1"; }
total() { awk '/requests in/ {print $1}' "$1"; }

for mode in keep-alive per-request; do
  header=(); [[ $mode == per-request ]] && header=(-H 'Connection: close')
  out=$(mktemp -d)
  wrk -t2 -c50 -d5s "${header[@]}" "$url" > "$out/before" 2>&1
  wrk -t2 -c50 -d40s "${header[@]}" "$url" > "$out/during" 2>&1 &
  wrk_pid=$!
  sleep 3
  start=$(now_ms)
  for _ in $(seq 1 "$reloads"); do "$cluster" reload bench | grep 'ready in' >> "$out/steps"; done
  took=$(( $(now_ms) - start ))
  wait "$wrk_pid"
  wrk -t2 -c50 -d5s "${header[@]}" "$url" > "$out/after" 2>&1
  echo "$mode: $reloads reloads in ${took} ms; during them (40 s run): $(total "$out/during") requests, $(errors "$out/during") failed;" \
       "req/s before $(rps "$out/before"), during $(rps "$out/during"), after $(rps "$out/after")"
  sed 's/^/    /' "$out/steps"
  rm -rf "$out"
done

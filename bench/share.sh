#!/usr/bin/env bash
# Throughput of worker-app -i 2 under wrk -t2 -c50, each worker sized for its share of the machine
# (--share on, the default) or for the whole machine (--share off), in alternating rounds; and, when
# npm can install pm2, PM2's cluster mode with a Node hello server (-i 2) in the same rounds. Only one
# of them runs at a time; each gets a warm-up run first. Prints the median req/s of each.
# Needs wrk. Usage: bench/share.sh [rounds=5] [seconds=10]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${1:-5}
seconds=${2:-10}
rps() { wrk -t2 -c50 -d"$1"s "$2" | awk '/Requests\/sec/ {printf "%d", $2}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

pm2=()
if command -v pm2 >/dev/null || npm install -g pm2@7 >/dev/null 2>&1; then
  pm2=(pm2)
  export PM2_HOME=$CLUSTER_HOME/pm2 # its daemon too lives in the private home, and is killed on exit
  trap 'pm2 kill >/dev/null 2>&1 || true; $cluster kill >/dev/null 2>&1 || true; rm -rf "$CLUSTER_HOME"' EXIT
  pm2_version=$(pm2 --version | tail -1)
  hello=$CLUSTER_HOME/hello.js
  cat > "$hello" <<'EOF'
require('http').createServer((req, res) => res.end('hello\n')).listen(process.env.PORT);
EOF
fi

declare -A results
for _ in $(seq 1 "$rounds"); do
  for mode in on off "${pm2[@]}"; do
    port=$(free_port)
    if [[ $mode == pm2 ]]; then
      PORT=$port pm2 start "$hello" -i 2 --name hello >/dev/null
      until curl -sf "http://127.0.0.1:$port/" >/dev/null; do sleep 0.1; done
      url=http://127.0.0.1:$port/
    else
      "$cluster" start "$app_jar" -i 2 --port "$port" --name share --share "$mode" >/dev/null
      url=http://127.0.0.1:$port/
    fi
    rps 3 "$url" >/dev/null # warm-up: the JIT, and the connections' spread
    results[$mode]+="$(rps "$seconds" "$url") "
    if [[ $mode == pm2 ]]; then pm2 kill >/dev/null; else "$cluster" delete share >/dev/null; fi
  done
done
for mode in on off "${pm2[@]}"; do
  label=$mode; [[ $mode != pm2 ]] && label="cluster --share $mode"; [[ $mode == pm2 ]] && label="pm2 $pm2_version cluster mode, node $(node --version)"
  echo "$label: median $(median ${results[$mode]}) req/s (rounds: ${results[$mode]% })"
done
[[ ${#pm2[@]} -gt 0 ]] || echo "pm2 could not be installed (npm install -g pm2): no PM2 figures"

#!/usr/bin/env bash
# kill -9 -> replacement ready, over N kills, read from the daemon log's millisecond timestamps:
#   exit noticed = the daemon's "-> exited" line minus the moment we sent SIGKILL
#   ready        = the daemon's "launching -> online" line minus the moment we sent SIGKILL
# Back-to-back kills would measure the exponential back-off (x1.5 per restart until 30 s of uptime),
# not the restart, so the delay is 0 here by default; an isolated crash adds the default 100 ms.
# Usage: bench/kill-restart.sh [kills=20] [instances=2] [restart_delay=0ms]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kills=${1:-20}
instances=${2:-2}
delay=${3:-0ms}
"$cluster" start "$app_jar" -i "$instances" --port "$(free_port)" --name bench --restart-delay "$delay" >/dev/null
log=$CLUSTER_HOME/daemon.log
log_ms() { date -d "$1" +%s%3N; }
noticed=(); ready=()
for _ in $(seq 1 "$kills"); do
  pid=$("$cluster" ls --json | python3 -c 'import json,sys; print([w["pid"] for w in json.load(sys.stdin) if w["id"]==0][0])')
  lines_before=$(wc -l < "$log")
  sent=$(now_ms)
  kill -9 "$pid"
  until tail -n +"$((lines_before + 1))" "$log" | grep -q "bench:0 launching -> online"; do sleep 0.02; done
  new=$(tail -n +"$((lines_before + 1))" "$log")
  noticed+=($(( $(log_ms "$(grep -m1 'bench:0 online -> exited' <<<"$new" | cut -d' ' -f1)") - sent )))
  ready+=($(( $(log_ms "$(grep -m1 'bench:0 launching -> online' <<<"$new" | cut -d' ' -f1)") - sent )))
  sleep 1.5   # let the JVMs settle: crashes do not come back to back
done
echo "kill -9 -> exit noticed:      $(stats "${noticed[@]}")"
echo "kill -9 -> replacement ready: $(stats "${ready[@]}")"

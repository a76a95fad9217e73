#!/usr/bin/env bash
# Every benchmark, one after the other (about 110 minutes; the load benchmarks need wrk, monit.sh tmux,
# selfbind.sh and shared-port.sh root for their network namespaces). Figures go to BENCHMARKS.md by hand.
set -euo pipefail
dir=$(dirname "$0")
"$dir/kill-restart.sh" 20 2
"$dir/start.sh" 5
"$dir/daemon-rss.sh" 10
"$dir/list.sh" 20
"$dir/reload.sh" 3
"$dir/kill-load.sh"
"$dir/lag-accuracy.sh" 5
"$dir/supervisor-cpu.sh" 8 60 60
"$dir/telemetry-overhead.sh" 21
"$dir/monit.sh" 64 60
"$dir/logs.sh" 1000000
"$dir/logs.sh" 1000000 --log-type json
"$dir/selfbind.sh" 3
"$dir/shared-port.sh" 3
"$dir/chaos.sh" 60
"$dir/realapps.sh"
"$dir/recovery.sh" 20
"$dir/listeners.sh" 19000
"$dir/share.sh" 5
"$dir/signals-cost.sh" 120
"$dir/profile-cost.sh" 3 30
START_ARGS='--start-cache off' "$dir/reload.sh" 3

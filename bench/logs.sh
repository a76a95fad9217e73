#!/usr/bin/env bash
# Log throughput through the supervisor's pipes: a worker prints N numbered lines as fast as it can
# while its file rotates every 1 MB; time until the last line is on disk, and the daemon's CPU for
# it. Baseline: the same program writing straight into a file. Checks every line is there once.
# Usage: bench/logs.sh [lines=1000000] [extra start options, e.g. --log-type json]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
n=${1:-1000000}; shift || true
width=${#n}
logs=$CLUSTER_HOME/logs
cpu_ms() { awk '{print ($14 + $15) * 10}' "/proc/$(cat "$CLUSTER_HOME/daemon.pid")/stat"; }   # utime+stime, 100 Hz ticks

start=$(now_ms); seq -w 1 "$n" > "$CLUSTER_HOME/direct.txt"; direct=$(( $(now_ms) - start ))

"$cluster" ping >/dev/null
cpu0=$(cpu_ms)
start=$(now_ms)
"$cluster" start --name lines --port "$(free_port)" --listen-timeout 0 --log-max-size 1M --log-keep 10000 "$@" \
  -- sh -c "seq -w 1 $n; exec sleep 600" >/dev/null
until tail -c 200 "$logs/lines-0-out.log" 2>/dev/null | grep -q "$n"; do sleep 0.02; done
elapsed=$(( $(now_ms) - start ))
cpu=$(( $(cpu_ms) - cpu0 ))
sleep 1   # --log-compress: let the gzip thread finish
files=$(ls "$logs" | grep -c '^lines-0-out\.log')
lines=$(zcat -f "$logs"/lines-0-out.log* | grep -c . || true)
unique=$(zcat -f "$logs"/lines-0-out.log* | grep -oE "[0-9]{$width}\"?}?\$" | sort -u | wc -l)
echo "lines: $n of ${width}+ bytes, options: ${*:-none}"
echo "straight to a file:            $direct ms"
echo "through cluster (start included): $elapsed ms, $(( n * 1000 / (elapsed > 0 ? elapsed : 1) )) lines/s"
echo "daemon CPU for it:             $cpu ms"
echo "files: $files (rotated every 1M); lines in them: $lines; distinct numbers: $unique"

#!/usr/bin/env bash
# Accuracy of the reported event-loop lag: busy-block a loop of a warm worker for 50, 100 and 200 ms
# (/block?ms=N) and read what the supervisor reports: the max of the report that covers the block,
# and how long after the block ended the supervisor had it (polled on the control socket at 20 Hz).
# Target: reported max within ±5 ms of the block, reported within 1 s.
# Usage: bench/lag-accuracy.sh [repeats=5]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
repeats=${1:-5}
port=$(free_port)
"$cluster" start "$app_jar" -i 1 --port "$port" --name lag >/dev/null
for _ in $(seq 1 300); do curl -s "http://127.0.0.1:$port/" >/dev/null; done   # warm: class loading is a real stall too
for _ in $(seq 1 3); do curl -s "http://127.0.0.1:$port/block?ms=20" >/dev/null; sleep 0.2; done
sleep 2
python3 "$(dirname "$0")/lag_accuracy.py" "$CLUSTER_HOME/control.sock" "$port" "$repeats"

#!/usr/bin/env bash
# What parsing a large request body costs the event loop, streamed (POST /sum: each chunk parsed as it
# arrives) against buffered (POST /sum?buffered=1: the whole body kept, then parsed in one go on the
# loop). Two worker-app apps, -i 1 each; a JSON array of 1.3 million numbers (~16 MB) uploaded to each
# in turn, ROUNDS times; then each app's loop lag over the last minute (p99, max) and its stalls (loop
# blocked > --block-threshold, 100 ms by default), as `cluster describe` reports them, the median
# upload time as curl saw it, and the worker's RSS.
# Usage: bench/upload.sh [rounds=10]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
rounds=${1:-10}
body=$CLUSTER_HOME/numbers.json
python3 -c "
import random
random.seed(1)
with open('$body', 'w') as f:
    f.write('[' + ','.join('%d.25' % random.randint(0, 10**9) for _ in range(1_300_000)) + ']')"
declare -A ports times
for mode in streamed buffered; do
  ports[$mode]=$(free_port)
  "$cluster" start "$app_jar" -i 1 --port "${ports[$mode]}" --name "$mode" >/dev/null
  times[$mode]=""
done
query() { [[ $1 == buffered ]] && echo "?buffered=1" || true; }
for mode in streamed buffered; do   # warm-up: class loading and the JIT are stalls of their own
  for _ in 1 2 3; do curl -s -m 60 --data-binary @"$body" "http://127.0.0.1:${ports[$mode]}/sum$(query "$mode")" >/dev/null; done
done
sleep 61   # the minute's window then holds the measured uploads only
for _ in $(seq 1 "$rounds"); do
  for mode in streamed buffered; do
    ms=$(curl -s -m 60 -o /dev/null -w '%{time_total}' --data-binary @"$body" "http://127.0.0.1:${ports[$mode]}/sum$(query "$mode")" | awk '{printf "%d", $1 * 1000}')
    times[$mode]+="$ms "
  done
done
for mode in streamed buffered; do
  "$cluster" describe "$mode:0" --json | python3 -c "
import json, sys
w = json.load(sys.stdin)[0]['workers'][0]
lag = w['telemetry']['lag']['1m']
print('%-8s loop lag over the minute: p99 %.1f ms, max %.1f ms; stalls %d; RSS %d MB' % (
    '$mode', lag['p99Ms'], lag['maxMs'], w['telemetry']['stalls'], w['rssBytes'] // (1 << 20)))"
  # shellcheck disable=SC2086
  echo "         upload of $(du -m --apparent-size "$body" | cut -f1) MB: $(stats ${times[$mode]})"
done

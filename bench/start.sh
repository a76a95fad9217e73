#!/usr/bin/env bash
# Wall time of 'cluster start worker-app.jar -i 2' until both workers are ready (start returns then),
# with no daemon running (cold: the CLI starts it) and with one running (warm).
# Usage: bench/start.sh [runs=5]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-5}
cold=(); warm=()
for _ in $(seq 1 "$runs"); do
  "$cluster" kill >/dev/null
  t=$(now_ms); "$cluster" start "$app_jar" -i 2 --port "$(free_port)" --name cold >/dev/null; cold+=($(( $(now_ms) - t )))
  "$cluster" delete all >/dev/null
  t=$(now_ms); "$cluster" start "$app_jar" -i 2 --port "$(free_port)" --name warm >/dev/null; warm+=($(( $(now_ms) - t )))
  "$cluster" delete all >/dev/null
done
echo "start -i 2, daemon cold: $(stats "${cold[@]}")"
echo "start -i 2, daemon warm: $(stats "${warm[@]}")"

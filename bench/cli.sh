#!/usr/bin/env bash
# What one CLI command costs the integration suite (~400 commands, ~100 daemons started and killed),
# over N runs each, alternating: a command as 'java -jar cluster.jar' (how the tests ran it before)
# and through bin/cluster (how they run it now); and a daemon's life, 'ping' (starts it in a fresh
# home) then 'kill' (returns once it has exited).
# Usage: bench/cli.sh [runs=10]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${1:-10}
jar=$root/supervisor/target/cluster.jar
plain=(); launcher=(); ping=(); kill=()
for _ in $(seq 1 "$runs"); do
  t=$(now_ms); java -jar "$jar" describe none >/dev/null 2>&1 || true; plain+=($(( $(now_ms) - t )))
  t=$(now_ms); "$cluster" describe none >/dev/null 2>&1 || true; launcher+=($(( $(now_ms) - t )))
  home=$(mktemp -d -u /tmp/cluster-bench-daemon-XXXXXX)
  t=$(now_ms); CLUSTER_HOME=$home "$cluster" ping >/dev/null; ping+=($(( $(now_ms) - t )))
  t=$(now_ms); CLUSTER_HOME=$home "$cluster" kill >/dev/null; kill+=($(( $(now_ms) - t )))
  rm -rf "$home"
done
echo "java -jar cluster.jar describe (no daemon): $(stats "${plain[@]}")"
echo "bin/cluster describe (no daemon):           $(stats "${launcher[@]}")"
echo "bin/cluster ping, fresh home (daemon start): $(stats "${ping[@]}")"
echo "bin/cluster kill, no workers:               $(stats "${kill[@]}")"

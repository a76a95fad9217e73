#!/usr/bin/env bash
# What the pool and memory signals cost a worker: the CPU time of its reporter thread
# (cluster-telemetry: samples the pools, takes the live set, builds the report once a second) and of
# the thread that encodes and writes it (cluster-worker-socket), per report; and the bytes of a report
# and of its pool and live-set fields, read from the report lines themselves (strace on the writer). For worker-app (its hash pool and the ForkJoin
# pool) and, when the zoo is built, the Spring Boot app with Tomcat and HikariCP.
# CPU is counted in clock ticks (10 ms): run for minutes. Needs strace. Usage: bench/signals-cost.sh [seconds=120]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
seconds=${1:-120}
command -v strace >/dev/null || { echo "needs strace (apt-get install strace)"; exit 1; }
springdb=$root/supervisor/target/it/zoo/springdb/target/springdb.jar
measure() { # name jar path -> one line
  local name=$1 jar=$2 path=$3 port pid reporter writer t0 t1
  port=$(free_port)
  "$cluster" start "$jar" --port "$port" --name "$name" --listen-timeout 120s >/dev/null
  pid=$("$cluster" ls --json | python3 -c "import json,sys; print([w['pid'] for w in json.load(sys.stdin) if w['app']=='$name'][0])")
  curl -s "http://127.0.0.1:$port$path" >/dev/null
  sleep 10 # past start-up: pools registered, first collections reported
  # comm holds 15 characters: cluster-telemet(ry), cluster-worker-(socket)
  reporter=$(grep -l '^cluster-telemet' /proc/"$pid"/task/*/comm | head -1 | cut -d/ -f5)
  writer=$(grep -l '^cluster-worker-' /proc/"$pid"/task/*/comm | head -1 | cut -d/ -f5)
  ticks() { cat /proc/"$pid"/task/{"$reporter","$writer"}/stat | awk '{s += $14 + $15} END {print s}'; }
  t0=$(ticks)
  sleep "$seconds" # CPU first, without strace: ptrace makes every write cost more
  t1=$(ticks)
  timeout 10 strace -qq -p "$writer" -e trace=write -s 65536 -o "$CLUSTER_HOME/$name.strace" 2>/dev/null || true
  python3 - "$CLUSTER_HOME/$name.strace" "$name" $(( (t1 - t0) * 1000 / $(getconf CLK_TCK) )) "$seconds" <<'PY'
import json, re, sys
path, name, cpu_ms, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sizes, pools, live = [], [], []
for line in open(path):
    m = re.search(r'write\(\d+, "(.*)", \d+\)\s+= (\d+)', line)
    if not m:
        continue
    message = json.loads(m.group(1).encode().decode('unicode_escape').strip())
    if message.get('type') != 'metrics':
        continue
    sizes.append(int(m.group(2)))
    r = message['telemetry']
    pools.append(len(json.dumps(r.get('pools', []), separators=(',', ':'))) + len('"pools":,'))
    live.append(len('"liveBytes":%d,' % r.get('liveBytes', -1)))
n = len(sizes)
print("%s: reporter and writer threads %.2f ms CPU per report (%d ms in %d s, one report a second: %.3f %% of a core);"
      " report %d bytes median (%d read), of which pools %d (%d pools) and live set %d"
      % (name, cpu_ms / seconds, cpu_ms, seconds, cpu_ms / seconds / 10, sorted(sizes)[n // 2], n, sorted(pools)[n // 2],
         len(r.get('pools', [])), sorted(live)[n // 2]))
PY
  "$cluster" delete "$name" >/dev/null
}
measure worker-app "$app_jar" /hash
if [[ -f $springdb ]]; then measure springdb "$springdb" '/db?ms=1'; else echo "springdb: the zoo is not built (mvn verify builds it)"; fi

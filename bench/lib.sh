# Shared by the bench scripts: a private CLUSTER_HOME that is cleaned up, a free port, statistics.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cluster=$root/bin/cluster
app_jar=$root/worker-app/target/worker-app.jar
export CLUSTER_HOME=$(mktemp -d /tmp/cluster-bench-XXXXXX)
trap '$cluster kill >/dev/null 2>&1 || true; rm -rf "$CLUSTER_HOME"' EXIT
"$cluster" --version >/dev/null   # builds the jars on first use, outside any timing

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { date +%s%3N; }
# stats VALUES... -> "median X ms, p95 Y ms, max Z ms (n=N)"
stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "median %d ms, p95 %d ms, max %d ms (n=%d)", a[int((NR+1)/2)], a[int(NR*0.95+0.999)], a[NR], NR}'; }

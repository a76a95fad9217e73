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
# await_archives APP...: waits (up to 2 min) until each app has a start-up archive (made by a training
# start once its first worker is ready); exits naming daemon.log when one does not.
await_archives() {
  local app
  for app in "$@"; do
    for _ in $(seq 1 600); do compgen -G "$CLUSTER_HOME/cache/$app@*" >/dev/null && break; sleep 0.2; done
    compgen -G "$CLUSTER_HOME/cache/$app@*" >/dev/null || { echo "no start-up archive was made for $app; see $CLUSTER_HOME/daemon.log" >&2; exit 1; }
  done
}
# archive_refusals: a line saying how many workers could not use their archive, when any could not.
archive_refusals() {
  { grep -c 'did not use the start-up archive' "$CLUSTER_HOME/daemon.log" || true; } | awk '$1 > 0 {print "workers that could not use their archive (see daemon.log): " $1}'
}

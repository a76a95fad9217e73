#!/usr/bin/env bash
# The daemon's listing of listening sockets (PortListeners, asked at every bind and close of a slot's
# socket) on a server with many connections: /proc/net/tcp{,6}, which lists every connection,
# against the kernel's sock_diag query for listeners alone. Opens CONNECTIONS idle loopback
# connections first (each is two lines of /proc/net/tcp), in helper processes that are stopped after.
# Usage: bench/listeners.sh [connections=19000] [rounds=20]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
connections=${1:-19000} rounds=${2:-20}
"$root/bin/cluster" --version >/dev/null   # builds the jars on first use
work=$(mktemp -d /tmp/cluster-bench-listeners-XXXXXX)
helpers=()
trap 'kill "${helpers[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
per_helper=$(( ($(ulimit -n) - 100) / 2 ))   # two descriptors per connection
opened=0 i=0
while (( opened < connections )); do
  n=$(( connections - opened < per_helper ? connections - opened : per_helper ))
  python3 -c '
import socket, sys, time
n = int(sys.argv[1])
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(4096)
keep = []
for _ in range(n):
    c = socket.create_connection(l.getsockname()); a, _ = l.accept(); keep += [c, a]
open(sys.argv[2], "w").write("ready")
time.sleep(3600)' "$n" "$work/ready.$i" &
  helpers+=($!)
  opened=$(( opened + n )) i=$(( i + 1 ))
done
for f in $(seq 0 $(( i - 1 ))); do
  for _ in $(seq 1 600); do [[ -f $work/ready.$f ]] && break; sleep 0.2; done
  [[ -f $work/ready.$f ]] || { echo "the helper processes could not open $connections connections" >&2; exit 1; }
done
echo "lines in /proc/net/tcp: $(wc -l < /proc/net/tcp), tcp6: $(wc -l < /proc/net/tcp6)"
unzip -q -o "$root/supervisor/target/cluster.jar" dev/cluster/sockets/libslotsocket.so -d "$work"
# The daemon's JVM options that matter here (ControlClient.DAEMON_JVM_OPTIONS): C1 only, a small serial heap.
java -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:+UseSerialGC -Xmx64m --enable-native-access=ALL-UNNAMED \
  -cp "$root/supervisor/target/cluster.jar" "$root/bench/ListenersTiming.java" "$work/dev/cluster/sockets/libslotsocket.so" "$rounds"

#!/usr/bin/env bash
# --shared-port under reloads: the zoo's JDK HttpServer app, which opens an admin server on $ADMIN_PORT,
# -i 2 --shared-port; 8 clients opening a connection per request (bench/close-each.py) for 20 s on its
# --port, then on its shared port, N reloads during each; failed requests per port. The app's port is handed over (no connection
# is lost); the shared one is not, so a closing worker's queued connections there may be reset unless
# the kernel moves them (net.ipv4.tcp_migrate_req). So it runs once with 0 (the Linux default) and once
# with 1, each in a private network namespace (unshare -n): the machine's own setting is not touched.
# Needs root (or CAP_SYS_ADMIN), iproute2, and the zoo (mvn verify builds it).
# Usage: bench/shared-port.sh [reloads=3]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
reloads=${1:-3}
if [ -z "${SHARED_PORT_INNER:-}" ]; then
  for migrate in 0 1; do
    echo "tcp_migrate_req=$migrate:"
    SHARED_PORT_INNER=1 unshare -n sh -c "ip link set lo up && sysctl -qw net.ipv4.tcp_migrate_req=$migrate && exec \"\$0\" \"\$@\"" \
      "$here/shared-port.sh" "$reloads"
  done
  exit 0
fi
source "$here/lib.sh"
jar=$root/supervisor/target/it/zoo/jdkhttp/target/jdkhttp.jar
[ -f "$jar" ] || { echo "no $jar: 'mvn verify' builds the zoo" >&2; exit 1; }
port=$(free_port)
admin=$(free_port)
"$cluster" start "$jar" -i 2 --port "$port" --shared-port "$admin" --env "ADMIN_PORT=$admin" --name shared --start-cache off >/dev/null
for target in "$port" "$admin"; do
  out=$(mktemp)
  python3 "$here/close-each.py" "$target" 20 > "$out" &
  load=$!
  sleep 2
  for _ in $(seq 1 "$reloads"); do "$cluster" reload shared >/dev/null; done
  wait "$load"
  what=$([ "$target" = "$port" ] && echo "--port       " || echo "--shared-port")
  echo "  $what $(cat "$out"), $reloads reloads"
  rm -f "$out"
done

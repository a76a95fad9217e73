#!/usr/bin/env bash
# Two builds of an app measured against each other as bench/recovery.sh measures one: kill -9 -> a new
# connection answered by its standby (-i 1 --standby 1), A's and B's apps killed in turn round after
# round (interleaved, so a slow minute of the machine hurts both alike). For a change to the app or
# the library: build the jar before and after it, and give both.
# Usage: bench/standby-ab.sh KILLS JAR_A JAR_B [path=/whoami] [java=the daemon's]
#   e.g. git worktree add /tmp/before HEAD~1 && (cd /tmp/before && mvn -B -q -DskipTests -DskipZoo package)
#        bench/standby-ab.sh 30 /tmp/before/worker-app/target/worker-app.jar worker-app/target/worker-app.jar
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[[ $# -ge 3 ]] || { echo "usage: bench/standby-ab.sh KILLS JAR_A JAR_B [path] [java]" >&2; exit 2; }
kills=$1
declare -A jars=([a]=$(realpath "$2") [b]=$(realpath "$3"))
path=${4:-/whoami}
java=()
[[ -n ${5:-} ]] && java=(--java "$5")
targets=()
for side in a b; do
  port=$(free_port)
  "$cluster" start "${jars[$side]}" -i 1 --port "$port" --name "standby-$side" --standby 1 "${java[@]}" >/dev/null
  targets+=("standby-$side:$port:1:$path")
done
await_archives standby-a standby-b
echo "a: ${jars[a]}, b: ${jars[b]}, on $("${5:-java}" -version 2>&1 | head -1)"
python3 "$(dirname "$0")/recovery.py" "$CLUSTER_HOME/control.sock" "$kills" "${targets[@]}"
archive_refusals

#!/usr/bin/env bash
# Two sets of JVM options for the same jar, measured against each other as bench/recovery.sh measures
# one: kill -9 -> a new connection answered by the new process, for a cold start, a start from the
# app's start-up archive and a standby's takeover, with A's and B's apps killed in turn round after
# round (interleaved, so a slow minute of the machine hurts both alike).
# Usage: bench/recovery-ab.sh KILLS JAVA "A's --jvm-args" "B's --jvm-args" [jar=worker-app.jar] [path=/whoami]
#   JAVA is what --java takes: the absolute path of a java executable or of a JDK's home.
#   e.g. bench/recovery-ab.sh 20 /usr/lib/jvm/temurin-25-jdk-amd64/bin/java "" "--sun-misc-unsafe-memory-access=allow"
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[[ $# -ge 4 ]] || { echo "usage: bench/recovery-ab.sh KILLS JAVA \"A's --jvm-args\" \"B's --jvm-args\" [jar] [path]" >&2; exit 2; }
kills=$1 java=$2
declare -A jvm_args=([a]="$3" [b]="$4")
jar=$(realpath "${5:-$app_jar}")
path=${6:-/whoami}
targets=()
for mode in cold archive standby; do
  case $mode in
    cold) flags=(--start-cache off) ;;
    archive) flags=(--start-cache on) ;;
    standby) flags=(--standby 1 --start-cache on) ;;
  esac
  for side in a b; do
    port=$(free_port)
    args=()
    [[ -n ${jvm_args[$side]} ]] && args=(--jvm-args "${jvm_args[$side]}")
    "$cluster" start "$jar" -i 1 --port "$port" --name "$mode-$side" --restart-delay 0ms --java "$java" "${flags[@]}" "${args[@]}" >/dev/null
    targets+=("$mode-$side:$port:$([[ $mode == standby ]] && echo 1 || echo 0):$path")
  done
done
await_archives archive-a archive-b standby-a standby-b
echo "$(basename "$jar") on $("$java" -version 2>&1 | head -1); a: '${jvm_args[a]}', b: '${jvm_args[b]}'"
python3 "$(dirname "$0")/recovery.py" "$CLUSTER_HOME/control.sock" "$kills" "${targets[@]}"
archive_refusals

#!/usr/bin/env bash
# kill -9 -> the slot serving again, as a client sees it (a new connection answered by the new
# process), for one app started three ways side by side, -i 1 each, measured in turn:
#   cold     --start-cache off               a fresh JVM start
#   archive  --start-cache on                a fresh start from the app's start-up archive (AppCDS on
#                                            JDK 17, the AOT cache on 25; made by a training start first)
#   standby  --standby 1 --start-cache on    a waiting standby takes the slot over (started from its archive),
#                                            told of the death by the worker's death watch, before the reap
#   standby-reaped  the same without the death watch (--env CLUSTER_DEATH_WATCH=0): told at the reap
# This is also the start-to-first-answer of one worker (the supervisor notices the exit within a
# millisecond or two and holds the socket, so the first connection waits in its queue, not refused).
# Prints the RSS of a waiting standby and the archive's size, and, for scale, how long the kernel
# takes to reap the same JVM killed without any supervisor (bench/reap.py).
# Usage: bench/recovery.sh [kills=20] [jar=worker-app.jar] [path=/whoami] [java=the daemon's]
#   e.g. bench/recovery.sh 20 supervisor/target/it/zoo/spring/target/spring.jar / /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kills=${1:-20}
jar=$(realpath "${2:-$app_jar}")
path=${3:-/whoami}
java=()
[[ -n ${4:-} ]] && java=(--java "$4")
targets=()
for mode in cold archive standby standby-reaped; do
  port=$(free_port)
  case $mode in
    cold) flags=(--start-cache off) ;;
    archive) flags=(--start-cache on) ;;
    standby) flags=(--standby 1 --start-cache on) ;;
    standby-reaped) flags=(--standby 1 --start-cache on --env CLUSTER_DEATH_WATCH=0) ;;
  esac
  "$cluster" start "$jar" -i 1 --port "$port" --name "$mode" --restart-delay 0ms "${java[@]}" "${flags[@]}" >/dev/null
  targets+=("$mode:$port:$([[ $mode == standby* ]] && echo 1 || echo 0):$path")
done
await_archives archive standby standby-reaped
echo "$(basename "$jar") on $("${4:-java}" -version 2>&1 | head -1):"
python3 "$(dirname "$0")/recovery.py" "$CLUSTER_HOME/control.sock" "$kills" "${targets[@]}"
for f in "$CLUSTER_HOME"/cache/archive@*.jsa "$CLUSTER_HOME"/cache/archive@*.aot; do
  [[ -f $f ]] && echo "archive $(basename "$f"): $(du -m --apparent-size "$f" | cut -f1) MB"
done
for d in "$CLUSTER_HOME"/cache/archive@*.app; do
  [[ -d $d ]] && echo "the jar extracted for it, $(basename "$d"): $(du -sm --apparent-size "$d" | cut -f1) MB"
done
python3 "$(dirname "$0")/reap.py" 10 "${4:-java}" "$jar" "$path"
archive_refusals

#!/usr/bin/env bash
# cluster monit's own CPU and memory while it shows N workers (default 64) for S seconds (default 60),
# in a tmux pane of 200x80 (every worker on screen). The workers are tiny idle JVMs with the agent:
# they speak the worker protocol and report JVM lag, heap and GC once a second, without saturating
# the machine themselves. Also the supervisor's CPU over the same window (it builds the frames).
# Target: monit < 5 % of one core.
# Usage: bench/monit.sh [workers=64] [seconds=60]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
workers=${1:-64}
seconds=${2:-60}
command -v tmux >/dev/null || { echo "bench/monit.sh needs tmux (apt-get install tmux)" >&2; exit 1; }
work=$(mktemp -d)
trap 'tmux -S "$work/tmux.sock" kill-server 2>/dev/null || true; $cluster kill >/dev/null 2>&1 || true; rm -rf "$work" "$CLUSTER_HOME"' EXIT

cat >"$work/Idle.java" <<'JAVA'
public class Idle {
    public static void main(String[] args) throws InterruptedException {
        Thread.sleep(Long.MAX_VALUE);
    }
}
JAVA
javac -d "$work" "$work/Idle.java"
jar --create --file "$work/idle.jar" --main-class Idle -C "$work" Idle.class

echo "starting $workers workers..."
"$cluster" start "$work/idle.jar" -i "$workers" --name idle --port "$(free_port)" --listen-timeout 1s \
  --jvm-args "-Xmx16m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss256k" >/dev/null
sleep 10   # let the workers settle

tmux -S "$work/tmux.sock" -f /dev/null new-session -d -x 200 -y 80 "env CLUSTER_HOME=$CLUSTER_HOME $cluster monit"
sleep 10   # monit starts and compiles its drawing path
monit=$(pgrep -f -n -- "-jar .*cluster.jar monit")
daemon=$(cat "$CLUSTER_HOME/daemon.pid")
shown=$(tmux -S "$work/tmux.sock" capture-pane -p | grep -c '^idle ' || true)

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
m0=$(ticks "$monit"); d0=$(ticks "$daemon")
sleep "$seconds"
m1=$(ticks "$monit"); d1=$(ticks "$daemon")
percent() { awk -v t="$1" -v hz="$hz" -v s="$seconds" 'BEGIN {printf "%.2f", 100 * t / hz / s}'; }
rss() { awk '/VmRSS/ {printf "%.0f MB", $2 / 1024}' "/proc/$1/status"; }
echo "monit with $workers workers ($shown rows on screen): $(percent $((m1 - m0))) % of one core over ${seconds}s, RSS $(rss "$monit")"
echo "supervisor over the same ${seconds}s: $(percent $((d1 - d0))) % of one core, RSS $(rss "$daemon")"

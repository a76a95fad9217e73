#!/usr/bin/env bash
# Unmodified servers (the zoo of RealAppsIT: Spring Boot 3 and 4 on Tomcat, and WebFlux, Undertow, Vert.x NIO
# and epoll, Netty, the JDK HttpServer, Jetty, Quarkus, Micronaut) under cluster -i 2: each worker's start-to-ready, and failed requests during
# 3 reloads under wrk -c50, keep-alive and with 'Connection: close' (a new connection per request).
# A baseline run without reloads comes first: some servers make wrk count errors on their own (the
# JDK HttpServer with 'Connection: close' closes before wrk reads); what the reloads cost is the rest.
# Needs wrk. Runs on the JDK of JAVA_HOME (JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 bench/realapps.sh).
# Usage: bench/realapps.sh [reloads=3] [apps...]   (apps: spring spring4 webflux undertow vertx vertx-epoll netty jdkhttp jetty quarkus micronaut)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
reloads=${1:-3}
shift || true
apps=("$@")
[[ ${#apps[@]} -gt 0 ]] || apps=(spring spring4 webflux undertow vertx vertx-epoll netty jdkhttp jetty quarkus micronaut)

zoo=$root/supervisor/target/it/zoo
if [[ ! -f $zoo/jetty/target/jetty.jar ]]; then
  zoo=$root/supervisor/src/it/zoo
  [[ -f $zoo/jetty/target/jetty.jar ]] || mvn -B -q -f "$zoo/pom.xml" package -DskipTests >&2
fi

wrk_errors() { # socket errors plus non-2xx answers
  awk '/Socket errors/ {gsub(",", ""); e += $4 + $6 + $8 + $10} /Non-2xx/ {e += $5} END {print e + 0}' "$1"; }
wrk_total() { awk '/requests in/ {print $1}' "$1"; }
# ms from a daemon log time stamp (2026-12-01T01:47:32.239Z)
log_ms() { date -d "$1" +%s%3N; }

echo "java: $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1)"
for app in "${apps[@]}"; do
  module=${app%-epoll}; args=(); [[ $app == vertx-epoll ]] && args=(-- epoll)
  jar=$zoo/$module/target/$module.jar; [[ $module == quarkus ]] && jar=$zoo/quarkus/target/quarkus-app/quarkus-run.jar
  port=$(free_port)
  "$cluster" start "$jar" -i 2 --port "$port" --name "$app" --listen-timeout 120s "${args[@]}" >/dev/null
  ready=()
  for id in 0 1; do
    launched=$(grep -m1 " $app:$id stopped -> launching" "$CLUSTER_HOME/daemon.log" | cut -d' ' -f1)
    online=$(grep -m1 " $app:$id launching -> online" "$CLUSTER_HOME/daemon.log" | cut -d' ' -f1)
    ready+=("$(( $(log_ms "$online") - $(log_ms "$launched") ))")
  done
  url=http://127.0.0.1:$port/
  # One reload untimed: how long three take, for the length of the wrk run.
  start=$(now_ms); "$cluster" reload "$app" >/dev/null; one=$(( $(now_ms) - start ))
  line="$app: start-to-ready ${ready[0]} ms, ${ready[1]} ms; one reload of 2 workers ${one} ms"
  for mode in keep-alive close; do
    header=(); [[ $mode == close ]] && header=(-H 'Connection: close')
    out=$(mktemp -d)
    wrk -t2 -c50 -d5s "${header[@]}" "$url" > "$out/baseline" 2>&1
    seconds=$(( (reloads * one) / 1000 + 6 ))
    wrk -t2 -c50 -d"${seconds}s" "${header[@]}" "$url" > "$out/during" 2>&1 &
    wrk_pid=$!
    sleep 2
    for _ in $(seq 1 "$reloads"); do "$cluster" reload "$app" >/dev/null; done
    wait "$wrk_pid"
    line="$line; $mode: baseline $(wrk_errors "$out/baseline") errors of $(wrk_total "$out/baseline"),"
    line="$line $reloads reloads $(wrk_errors "$out/during") errors of $(wrk_total "$out/during")"
    rm -rf "$out"
  done
  echo "$line"
  "$cluster" delete "$app" >/dev/null
done

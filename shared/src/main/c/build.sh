#!/bin/sh
# Builds the agent's native library (slotsocket.c) into the classes directory, so it travels inside
# the jars. Without a C compiler the build goes on without it: the agent then shares the app's port
# (SO_REUSEPORT) but cannot hand it the supervisor's socket; 'cluster doctor' says so.
# Usage: build.sh SOURCE OUTPUT JAVA_HOME
set -eu
source=$1 output=$2 java_home=$3
cc=${CC:-gcc}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "[WARNING] no C compiler ($cc): the agent is built without its native library (install gcc for listener handoff of unmodified apps)" >&2
  exit 0
fi
mkdir -p "$(dirname "$output")"
exec "$cc" -shared -fPIC -O2 -Wall -Werror -std=c11 -I"$java_home/include" -I"$java_home/include/linux" -o "$output" "$source"

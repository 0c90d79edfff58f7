#!/bin/sh
# Runs a command with a local data plane: starts `$RUDDER_GROUP_BIN serve --port 0`, exports the
# URL it prints as RUDDER_DATA_PLANE_URL, runs the command, then stops the data plane it started.
#
# Usage: with_dataplane.sh COMMAND [ARG...]
set -u
bin=${RUDDER_GROUP_BIN:-$(cd "$(dirname "$0")/../../.." && pwd)/target/debug/rudder-group}
if [ ! -x "$bin" ]; then
    echo "with_dataplane.sh: $bin not found: build it with cargo build -p rudder-group-cli" >&2
    exit 2
fi
dir=$(mktemp -d)
"$bin" serve --port 0 >"$dir/out" 2>"$dir/err" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT INT TERM
tries=0
until [ -s "$dir/out" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "with_dataplane.sh: the data plane did not start:" >&2
        cat "$dir/err" >&2
        exit 2
    fi
    sleep 0.05
done
RUDDER_DATA_PLANE_URL=$(head -n 1 "$dir/out")
export RUDDER_DATA_PLANE_URL
status=0
"$@" || status=$?
exit "$status"

#!/bin/sh
# Runs PROGRAM against the data plane at RUDDER_DATA_PLANE_URL (with_dataplane.sh sets it), then
# fails unless it exited 0 and the data plane holds EXPECTED events in all: what a program
# delivered is counted after it ended, exit hooks included.
#
# Usage: with_dataplane.sh run_and_count.sh EXPECTED PROGRAM [ARG...]
set -u
expected=$1
shift
RUDDER_WRITE_KEY=test-write-key "$@" || { echo "run_and_count.sh: $1 failed" >&2; exit 1; }
stats=$(curl -fsS "$RUDDER_DATA_PLANE_URL/_rudder_group/stats") || exit 1
stored=$(printf '%s' "$stats" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
if [ "$stored" != "$expected" ]; then
    echo "run_and_count.sh: $1: the data plane holds $stored events, not $expected ($stats)" >&2
    exit 1
fi
echo "ok   $(basename "$1"): $stored events stored"

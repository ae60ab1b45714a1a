#!/bin/bash
# The simulated fleet's file syscalls per device update (issue 11, h/fleet-files): runs the
# rollout-fanout bench with an in-process fleet, traces the bench process (all its threads,
# libuv's pool included) from the end of enrollment to the end of the rollout, and
# prints the calls per update by name and by the part of a device's data directory they touch.
# Counts, unlike CPU-seconds, do not depend on the machine's load.
#
#   bench/file-syscalls/count.sh [DEVICES=300] [OUT_DIR=/tmp/keelson-file-syscalls]
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVICES=${1:-300}
OUT=${2:-/tmp/keelson-file-syscalls}
mkdir -p "$OUT"
LOG=$OUT/bench.log
TRACE=$OUT/strace.txt
node_modules/.bin/node bench/dist/rollout-fanout/main.js --devices "$DEVICES" --skip-baseline > "$LOG" 2>&1 &
BENCH=$!
until grep -qs "enrolling" "$LOG"; do
  kill -0 "$BENCH" 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.1
done
# Attached during enrollment (an attach takes a moment, and a small fleet's first update follows
# enrollment within a second); the calls before enrollment ended are left out by their time stamps.
# Not traced: read/write (they mix files with sockets). close is counted with the opens.
strace -f -ttt -p "$BENCH" -o "$TRACE" -e trace=%file,fsync,fdatasync,getdents64,fchmod,close 2>/dev/null &
TRACER=$!
until grep -qs "enrolled in" "$LOG"; do
  kill -0 "$BENCH" 2>/dev/null || { cat "$LOG"; exit 1; }
  sleep 0.1
done
FROM=$(date +%s.%N)
until grep -qs "rollout succeeded\|rollout failed\|timed out" "$LOG"; do
  kill -0 "$BENCH" 2>/dev/null || break
  sleep 0.5
done
kill -INT "$TRACER"
wait "$TRACER" || true
wait "$BENCH" || true
grep "rollout succeeded" "$LOG" || { echo "the rollout did not succeed: see $LOG"; exit 1; }
node bench/file-syscalls/classify.mjs "$TRACE" "$DEVICES" "$FROM"

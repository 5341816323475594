#!/usr/bin/env bash
# Runs ON the GPU machine, from the repository root (scripts/dispatch-floor-run.sh stages it into
# .gpu/floor/ with the bench bundle and torch-anchor.py, and prints the call): the fixed cost of a
# run, ours and the native one, in one call on one card.
#   1. the bench's --dispatch-floor (src/bench/dispatch-floor.ts): an empty pass, one dispatch, k
#      dependent or independent dispatches and k passes of almost no work, timed as the bench times
#      forms, 5 rounds (fewer if PROBE_BUDGET_MS runs out), clocks settled; then the passes and
#      dispatches one run of each form and decode step encodes at T = 128, 1,024, 4,096 (H = 12,
#      d = 64) as planned on this card;
#   2. torch-anchor.py --launch-floor: CUDA graphs of k tiny kernels (k = 1, 2, 4, 8), timed as the
#      reference call's graphMs, 5 rounds, and the slope per extra kernel.
# Everything lands in ONE archive, $OUT/floor.tar.gz: floor.json, floor.txt (the tables),
# floor-progress.txt, launch-floor.json, launch-floor.txt, env.txt, clocks.csv and log.txt, also
# when a step runs out of time. Every step has a timeout; the whole call stops by DEADLINE_S
# (default 110 s of the card's time; step 1 starts no round it expects to end after 45 s, step 2
# is capped at 60 s; on SwiftShader the whole script took 52 s, most of it compiling the forms'
# pipelines).
#   run  command: bash .gpu/floor/dispatch-floor-device.sh    carry: [".gpu"]    timeout_s: 150
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT:?OUT must name the folder the results go to}"
DEADLINE_S=${DEADLINE_S:-110}
ROUNDS=${ROUNDS:-5}
# The probe's rounds stop early rather than overrun this (the clock settling before each of its
# 70 measurements may load the card up to 1.5 s when the clocks have dropped); the forms' counts
# after it take a few seconds more.
PROBE_BUDGET_MS=${PROBE_BUDGET_MS:-45000}
work=$(mktemp -d /tmp/floor-XXXX)
start=$SECONDS
main_pid=$BASHPID
pack() {
  # Subshells (the tee below) inherit the trap: only the script itself packs.
  [ "$BASHPID" = "$main_pid" ] || return 0
  [ -n "${clocks_pid:-}" ] && kill "$clocks_pid" 2> /dev/null
  exec 1>&3 2>&4 # end tee's input, and let it finish the log
  wait "${tee_pid:-}" 2> /dev/null
  tar -C "$work" -czf "$OUT/floor.tar.gz" . && echo "packed $OUT/floor.tar.gz ($(ls "$work" | tr '\n' ' '))"
}
trap pack EXIT
exec 3>&1 4>&2 > >(tee "$work/log.txt") 2>&1
tee_pid=$!
# Seconds a step may take: its own cap, or what is left before the deadline (less 5 s to pack).
cap() { local left=$((DEADLINE_S - 5 - (SECONDS - start))); [ "$1" -lt "$left" ] && left=$1; echo "$left"; }

{
  date -u +%Y-%m-%dT%H:%M:%SZ
  timeout 15 nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
  echo "ROUNDS=$ROUNDS DEADLINE_S=$DEADLINE_S PROBE_BUDGET_MS=$PROBE_BUDGET_MS"
} > "$work/env.txt" 2>&1
cat "$work/env.txt"
# The card's clocks every 200 ms: whether a work ran while the GPU had lowered them.
nvidia-smi --query-gpu=timestamp,pstate,clocks.sm,clocks.mem,utilization.gpu,power.draw \
  --format=csv -lms 200 > "$work/clocks.csv" 2>&1 &
clocks_pid=$!

# 1. Our fixed cost through Dawn (the same bundle and timing code as the reference call's bench).
t=$(cap 75)
timeout "$t" bash "$here/../run.sh" node "$here/bench.mjs" --dispatch-floor --settle-clocks \
  --rounds "$ROUNDS" --sweep-budget-ms "$PROBE_BUDGET_MS" --json "$work/floor.json" \
  > "$work/floor.txt" 2> "$work/floor-progress.txt"
echo "dispatch floor exit $? after $((SECONDS - start)) s (cap $t s)"
tail -4 "$work/floor-progress.txt"

# 2. The native counterpart: CUDA graphs of k tiny kernels.
t=$(cap 60)
if [ "$t" -gt 10 ]; then
  timeout "$t" python3 -u "$here/torch-anchor.py" --launch-floor --rounds "$ROUNDS" \
    --json "$work/launch-floor.json" > "$work/launch-floor.txt" 2>&1
  echo "torch-anchor --launch-floor exit $? after $((SECONDS - start)) s (cap $t s)"
  grep '^launch floor' "$work/launch-floor.txt" || tail -5 "$work/launch-floor.txt"
else
  echo "torch-anchor --launch-floor skipped: $t s left"
fi

# The tables last (the device tool's reply shows the end of the output).
cat "$work/floor.txt"
echo "done after $((SECONDS - start)) s"

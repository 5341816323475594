#!/usr/bin/env bash
# Call C (2026-12-02): the recurrent kernel reading four tokens' operands before their arithmetic
# (RECURRENT_GROUP=4) against the shipped order (RECURRENT_GROUP=1), one bundle, ABBA.
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callC/device.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
TIME_S=${TIME_S:-120}
T=${T:-4096,65536}
start=$SECONDS
log=$OUT_DIR/log.txt
run() { # name group args...
  local name=$1 group=$2
  shift 2
  local t=$((TIME_S - 5 - (SECONDS - start)))
  [ -n "${CAP:-}" ] && [ "$CAP" -lt "$t" ] && t=$CAP
  if [ "$t" -lt 8 ]; then echo "skip $name" | tee -a "$log"; return; fi
  RECURRENT_GROUP=$group timeout "$t" bash .gpu/run.sh node "$here/rgroup.mjs" "$@" \
    --json "$OUT_DIR/$name.json" > "$OUT_DIR/$name.txt" 2>&1
  echo "== $name (group $group): exit $? at $((SECONDS - start)) s" | tee -a "$log"
}
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
CAP=40 run verify 4 --verify --no-sweep --forms linear-recurrent,gated-recurrent,linear-chunked,gated-chunked \
  --cross-check 16384
grep -h "recurrent" "$OUT_DIR/verify.txt" | head -8
N=(--forms linear-recurrent,gated-recurrent --tokens "$T" --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
I=(--forms linear-recurrent --feature-map identity --no-normalize --tokens "$T" --samples 5 --rounds 1
  --budget-ms 1500 --settle-clocks)
run n-g1-1 1 "${N[@]}"
run n-g4-1 4 "${N[@]}"
run i-g1-1 1 "${I[@]}"
run i-g4-1 4 "${I[@]}"
run i-g4-2 4 "${I[@]}"
run i-g1-2 1 "${I[@]}"
run n-g4-2 4 "${N[@]}"
run n-g1-2 1 "${N[@]}"
grep -h "^forward" "$OUT_DIR"/[ni]-g*.txt | head -0
for f in "$OUT_DIR"/[ni]-g*.txt; do echo "-- $(basename "$f")"; grep "^forward" "$f"; done
echo "callC done at $((SECONDS - start)) s"

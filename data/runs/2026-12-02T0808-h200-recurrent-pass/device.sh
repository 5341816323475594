#!/usr/bin/env bash
# Call F (2026-12-02): the recurrent forms with the feature map applied by the chunked forms' pass
# (rpass.mjs) against main (main.mjs, the map applied in the kernel's staging), ABBA.
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callF/device.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
TIME_S=${TIME_S:-60}
start=$SECONDS
log=$OUT_DIR/log.txt
run() { # name bundle args...
  local name=$1 bundle=$2
  shift 2
  local t=$((TIME_S - 3 - (SECONDS - start)))
  [ -n "${CAP:-}" ] && [ "$CAP" -lt "$t" ] && t=$CAP
  if [ "$t" -lt 6 ]; then echo "skip $name" | tee -a "$log"; return; fi
  timeout "$t" bash .gpu/run.sh node "$here/$bundle.mjs" "$@" --json "$OUT_DIR/$name.json" \
    > "$OUT_DIR/$name.txt" 2>&1
  echo "== $name ($bundle): exit $? at $((SECONDS - start)) s" | tee -a "$log"
}
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
CAP=20 run verify rpass --verify --no-sweep --forms linear-recurrent,gated-recurrent,linear-chunked,gated-chunked \
  --cross-check 16384
grep -h "recurrent" "$OUT_DIR/verify.txt" | head -6
N=(--forms linear-recurrent,gated-recurrent --tokens 4096,65536 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
run main-1 main "${N[@]}"
run rpass-1 rpass "${N[@]}"
run rpass-2 rpass "${N[@]}"
run main-2 main "${N[@]}"
for f in main-1 rpass-1 rpass-2 main-2; do echo "-- $f"; grep "^forward" "$OUT_DIR/$f.txt"; done
echo "callF done at $((SECONDS - start)) s"

#!/usr/bin/env bash
# Call G (2026-12-02, second session): the chunked forms with the feature map applied in the
# summaries and whole-tile output kernels' staging (map.mjs), plus the prefix with 32 chunks' loads
# per step (both.mjs), against main (main.mjs); ABBA; then each phase timed alone (main, both).
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callG/device.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
TIME_S=${TIME_S:-300}
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
V=(--verify --no-sweep --forms linear-chunked,gated-chunked,linear-recurrent,gated-recurrent)
CAP=30 run verify both "${V[@]}" --cross-check 65536
CAP=20 run verify-elu both "${V[@]}" --feature-map elu1
CAP=20 run verify-idn both "${V[@]}" --feature-map identity --no-normalize
grep -h "max rel\|FAIL\|rror" "$OUT_DIR"/verify*.txt | head -12
N=(--forms linear-chunked,gated-chunked --tokens 4096,16384,65536 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
CAP=30 run main-1 main "${N[@]}"
CAP=30 run map-1 map "${N[@]}"
CAP=30 run both-1 both "${N[@]}"
CAP=30 run both-2 both "${N[@]}"
CAP=30 run map-2 map "${N[@]}"
CAP=30 run main-2 main "${N[@]}"
I=("${N[@]}" --feature-map identity --no-normalize)
CAP=30 run idn-main main "${I[@]}"
CAP=30 run idn-both both "${I[@]}"
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
CAP=60 run phases-main phases-main --tokens= --phase-tokens 65536 --budget-s 50
CAP=60 run phases-both phases-both --tokens= --phase-tokens 65536 --budget-s 50
for f in main-1 map-1 both-1 both-2 map-2 main-2 idn-main idn-both; do echo "-- $f"; grep "^forward" "$OUT_DIR/$f.txt"; done
grep -h "^phase.*fp32" "$OUT_DIR"/phases-*.txt
echo "callG done at $((SECONDS - start)) s"
cd "$OUT_DIR" && tar -czf callG.tar.gz *.txt *.json 2>/dev/null; ls "$OUT_DIR" | wc -l

#!/usr/bin/env bash
# Call E (2026-12-02): where the time goes, for the next round. (1) Each phase of linear-chunked
# timed alone at 65,536 tokens (linear-f16-probe.mjs; Dawn's f16 toggles so its f16 form runs too).
# (2) linear-recurrent with the feature map and the normaliser switched on and off separately.
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callE/device.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
TIME_S=${TIME_S:-120}
start=$SECONDS
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia' timeout 55 \
  bash .gpu/run.sh node "$here/linear-f16-probe.mjs" --json "$OUT_DIR/phases.json" --tokens 16384 \
  --phase-tokens 65536 --budget-s 45 > "$OUT_DIR/phases.txt" 2>&1
echo "phases exit $? at $((SECONDS - start)) s"
grep "^phase\|settle" "$OUT_DIR/phases.txt" | head -30
R=(--forms linear-recurrent --tokens 4096,65536 --samples 5 --rounds 3 --budget-ms 1500 --settle-clocks)
for v in "softplus norm" "softplus nonorm" "identity norm" "identity nonorm"; do
  set -- $v
  extra=(--feature-map "$1")
  [ "$2" = nonorm ] && extra+=(--no-normalize)
  t=$((TIME_S - 5 - (SECONDS - start)))
  [ "$t" -lt 8 ] && { echo "skip $v"; continue; }
  timeout "$t" bash .gpu/run.sh node "$here/bench.mjs" "${R[@]}" "${extra[@]}" \
    --json "$OUT_DIR/rec-$1-$2.json" > "$OUT_DIR/rec-$1-$2.txt" 2>&1
  echo "== rec $v: exit $? at $((SECONDS - start)) s"
  grep "^forward" "$OUT_DIR/rec-$1-$2.txt"
done
echo "callE done at $((SECONDS - start)) s"

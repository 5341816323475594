#!/usr/bin/env bash
# Runs ON the GPU machine, from the repository root, as staged in .gpu/softmax/:
#   OUT_DIR=<empty folder> TIME_S=<cap> bash .gpu/softmax/device.sh
# Times softmax-flash's kernel variants (src/bench/flash-variants.ts, chosen by FLASH_VARIANT)
# against each other: every variant first checked against the float64 reference on the card
# (bench --verify: T = 200, and 192 sampled rows at T = 16,384), then ROUNDS rounds, variants
# interleaved (order rotated each round), 5 samples per point; the summary takes the median over
# rounds and keeps the spread. Then PyTorch SDPA fp32 at d = 128 with what is left.
# Call S4 (2026-12-02 22:54 UTC): V64="plan outer outer-noprefetch" V128="" ROUNDS=3 TOKENS=4096,16384 TIME_S=110.
# Predicted (before the call): if the wide kernel's products are slow for their 48 operand registers
# per step (the ablation of call S3: each product alone at about 20 TFLOP/s, the SGEMM's 4 x 8
# outer product at 39.6), outer 16.8 -> 12-14 ms at 16,384; if not, within 5 %.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the folder the results go to}"
TIME_S=${TIME_S:-100}
ROUNDS=${ROUNDS:-3}
TOKENS=${TOKENS:-4096,16384}
start=$SECONDS
left() { echo $((TIME_S - 7 - (SECONDS - start))); }
log=$OUT_DIR/log.txt
bench() { # variant dim round [extra bench arguments]
  local variant=$1 dim=$2 round=$3
  shift 3
  local t
  [ -e "$OUT_DIR/${variant}_d${dim}.failed" ] && return
  t=$(left)
  if [ "$t" -lt 8 ]; then
    echo "skip $variant d=$dim round $round: $t s left" >> "$log"
    return
  fi
  FLASH_VARIANT=$variant timeout "$t" bash .gpu/run.sh node "$here/flash-variants.mjs" \
    --forms softmax-flash --dim "$dim" --samples 5 --budget-ms 3000 --rounds 1 \
    --json "$OUT_DIR/${variant}_d${dim}_r${round}.json" "$@" >> "$log" 2>&1
  local rc=$?
  echo "== $variant d=$dim round $round: exit $rc at $((SECONDS - start)) s" >> "$log"
  # Round 1 verifies: a variant whose check failed is marked (the summary says so) and not run again.
  [ "$round" = 1 ] && [ "$rc" != 0 ] && : > "$OUT_DIR/${variant}_d${dim}.failed"
}

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
# Variants (src/bench/flash-variants.ts), round 1 verifying each; the plan is what main ships.
# Call 1a: d = 128 plan (quad) sliced narrow, d = 64 plan (wide) wide-fma wide-split-fma.
# Call 1b: d = 128 the plan (narrow, checked once); d = 64 the plan (wide with FMA chains) against
# the same without prefetch, the thin kernel (256 threads; since removed) and the narrow kernel.
V128=${V128-plan}
V64=${V64-plan wide-noprefetch narrow}
T128=${T128:-16384}
for r in $(seq 1 "$ROUNDS"); do
  extra=()
  [ "$r" = 1 ] && extra=(--verify)
  order128=$V128
  order64=$V64
  if [ $((r % 2)) = 0 ]; then
    order128=$(echo "$V128" | tr ' ' '\n' | tac | tr '\n' ' ')
    order64=$(echo "$V64" | tr ' ' '\n' | tac | tr '\n' ' ')
  fi
  [ "$r" = 1 ] && for v in $order128; do bench "$v" 128 "$r" --tokens "$T128" "${extra[@]}"; done
  for v in $order64; do bench "$v" 64 "$r" --tokens "$TOKENS" "${extra[@]}"; done
done
grep -h "^verify\|^bench:\|flash variant" "$log" | sort | uniq -c | head -20

t=$(left)
if [ "$t" -gt 25 ]; then
  timeout "$t" python3 -u "$here/torch-anchor.py" --dim 128 --tokens "$T128" --rounds 1 \
    --json "$OUT_DIR/sdpa-d128.json" > "$OUT_DIR/torch-log.txt" 2>&1
  echo "torch-anchor exit $? at $((SECONDS - start)) s"
  grep -i "sdpa\|sgemm" "$OUT_DIR/torch-log.txt" | head -8
fi
timeout 5 bash .gpu/run.sh node "$here/flash-variants-summary.mjs" "$OUT_DIR" "$OUT_DIR/sdpa-d128.json" |
  tee "$OUT_DIR/summary.txt"
echo "done at $((SECONDS - start)) s"

#!/usr/bin/env bash
# Runs ON the GPU machine, from the repository root, as staged in .gpu/softmax/:
#   OUT_DIR=<empty folder> TIME_S=<cap> bash .gpu/softmax/device.sh
# Times softmax-flash's kernel variants (src/bench/flash-variants.ts, chosen by FLASH_VARIANT)
# against each other: every variant first checked against the float64 reference on the card
# (bench --verify: T = 200, and 192 sampled rows at T = 16,384), then ROUNDS rounds, variants
# interleaved (order rotated each round), 5 samples per point; the summary takes the median over
# rounds and keeps the spread. Then PyTorch SDPA fp32 at d = 128 with what is left.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the folder the results go to}"
TIME_S=${TIME_S:-100}
ROUNDS=${ROUNDS:-3}
TOKENS=${TOKENS:-4096,16384}
start=$SECONDS
left() { echo $((TIME_S - 12 - (SECONDS - start))); }
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
# d = 128: the planned quad kernel against the sliced and narrow kernels; d = 64: the planned
# wide kernel against the same tiles with FMA chains, and with FMA chains and keys and values
# staged apart. Round 1 verifies each.
V128="plan sliced narrow"
V64="plan wide-fma wide-split-fma"
for r in $(seq 1 "$ROUNDS"); do
  extra=()
  [ "$r" = 1 ] && extra=(--verify)
  order128=$V128
  order64=$V64
  if [ $((r % 2)) = 0 ]; then
    order128=$(echo "$V128" | tr ' ' '\n' | tac | tr '\n' ' ')
    order64=$(echo "$V64" | tr ' ' '\n' | tac | tr '\n' ' ')
  fi
  for v in $order128; do bench "$v" 128 "$r" --tokens "$TOKENS" "${extra[@]}"; done
  for v in $order64; do bench "$v" 64 "$r" --tokens "$TOKENS" "${extra[@]}"; done
done
# The longest context, once per variant, with what is left (one round, in this order).
bench narrow 128 $((ROUNDS + 1)) --tokens 65536
bench sliced 128 $((ROUNDS + 1)) --tokens 65536
bench wide-split-fma 64 $((ROUNDS + 1)) --tokens 65536
bench plan 64 $((ROUNDS + 1)) --tokens 65536
grep -h "^verify\|^bench:\|flash variant" "$log" | sort | uniq -c | head -20

t=$(left)
if [ "$t" -gt 25 ]; then
  timeout "$t" python3 -u "$here/torch-anchor.py" --dim 128 --tokens "$TOKENS" --rounds 3 \
    --json "$OUT_DIR/sdpa-d128.json" > "$OUT_DIR/torch-log.txt" 2>&1
  echo "torch-anchor exit $? at $((SECONDS - start)) s"
  grep -i "sdpa\|sgemm" "$OUT_DIR/torch-log.txt" | head -8
fi
timeout 10 bash .gpu/run.sh node "$here/flash-variants-summary.mjs" "$OUT_DIR" "$OUT_DIR/sdpa-d128.json" |
  tee "$OUT_DIR/summary.txt"
echo "done at $((SECONDS - start)) s"

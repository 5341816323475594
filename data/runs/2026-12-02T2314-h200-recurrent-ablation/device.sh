#!/usr/bin/env bash
# Call S5 (2026-12-02 23:14 UTC): where linear-recurrent's time goes, by ablation. Each bundle is the bench CLI
# of main (8264e94) with one part of linear-recurrent.wgsl removed (ablate.py beside this script);
# their results are wrong on purpose except base and tb32, which are verified first.
#   base        the shipped kernel (16 tokens per block at d = 64)
#   nostage     the block's phi(k), phi(q) and v not read from memory (constants staged instead)
#   notokens    the token loop skipped (staging, barriers and the output phase only)
#   noout       the output phase skipped (no sums of the partials, no stores)
#   nobarriers  the three barriers per block removed
#   tb32        32 tokens per block (36.6 KiB of workgroup memory; STAGED_FLOATS 2048)
# T = 4,096 and 65,536, H = 12, d = 64, softplus + normaliser, 5 samples, settled clocks, 3 rounds
# with the bundles rotated.
# Predicted (before the call), against base (9.9 ms at 65,536): nostage -15 to -25 % (each block's
# loads wait a memory latency with nothing to hide it), notokens -60 %, noout -10 %, nobarriers
# -5 %, tb32 -5 to -10 %.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
V=(base nostage notokens noout nobarriers tb32)
for v in base tb32; do
  timeout 60 bash .gpu/run.sh node "$here/$v.mjs" --forms linear-recurrent,gated-recurrent,linear-chunked \
    --no-sweep --verify --cross-check 16384 > "$OUT_DIR/verify-$v.txt" 2>&1
  echo "== verify $v: exit $?"
  grep -h "^verify\|cross" "$OUT_DIR/verify-$v.txt" | cut -c1-150 | head -8
done
for r in 1 2 3; do
  n=${#V[@]}
  for i in $(seq 0 $((n - 1))); do
    v=${V[$(((i + (r - 1) * 2) % n))]}
    timeout 40 bash .gpu/run.sh node "$here/$v.mjs" --forms linear-recurrent --tokens 4096,65536 \
      --samples 5 --rounds 1 --budget-ms 3000 --settle-clocks > "$OUT_DIR/$v-r$r.txt" 2>&1
    echo "== $v r$r: exit $? $(grep -h '^forward' "$OUT_DIR/$v-r$r.txt" | awk '{print $3, $4, $5}' | tr '\n' ' ')"
  done
done

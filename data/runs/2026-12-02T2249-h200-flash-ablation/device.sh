#!/usr/bin/env bash
# Call S3 (2026-12-02): where softmax-flash's time goes at d = 64, by ablation. Each bundle is the
# bench CLI of main (2501b21+) with one part of softmax-flash-wide.wgsl removed (/tmp/ablate.py,
# kept beside this script as ablate.py): its results are wrong on purpose, only `base` is verified.
#   base             the shipped kernel (verified: float64 at T = 200, sampled rows at 16,384)
#   nosoftmax        no row max, exp2, rescale or row sums (s stored as P as computed)
#   noproundtrip     P neither stored nor its two barriers (P V reads K's tile as P)
#   nopbarriers      P stored, without the two barriers around the store
#   nostagebarriers  the K/V tile committed without the two barriers around it
#   nos              the score products skipped (s = 0)
#   nopv             the P V products skipped
#   nostage          the K/V tile never committed to workgroup memory (still fetched)
# T = 16,384, H = 12, 5 samples, settled clocks, 3 rounds with the bundles rotated.
# Predicted (before the call), against base (about 16.8 ms): nosoftmax -8 to -12 %, noproundtrip
# -10 to -15 %, nopbarriers -5 %, nostagebarriers -5 %, nos and nopv about -45 % each, nostage
# -5 to -10 %.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
V=(base nosoftmax noproundtrip nopbarriers nostagebarriers nos nopv nostage)
timeout 60 bash .gpu/run.sh node "$here/base.mjs" --forms softmax-flash --no-sweep --verify --tokens 16384 \
  > "$OUT_DIR/verify.txt" 2>&1
echo "== verify base: exit $?"
grep -i "verify\|max rel" "$OUT_DIR/verify.txt" | head -5
for r in 1 2 3; do
  n=${#V[@]}
  for i in $(seq 0 $((n - 1))); do
    v=${V[$(((i + (r - 1) * 3) % n))]}
    timeout 40 bash .gpu/run.sh node "$here/$v.mjs" --forms softmax-flash --tokens 16384 --samples 5 \
      --rounds 1 --budget-ms 3000 --settle-clocks --json "$OUT_DIR/$v-r$r.json" > "$OUT_DIR/$v-r$r.txt" 2>&1
    echo "== $v r$r: exit $? $(grep -h '^forward' "$OUT_DIR/$v-r$r.txt" | awk '{print $4, $5}')"
  done
done

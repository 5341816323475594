#!/usr/bin/env bash
# Runs ON the GPU machine from the repo root, staged as .gpu/trainchart/device.sh beside a copy of
# scripts/torch-anchor.py: PyTorch's side of the training-step comparison (issue 14), in one process
# so that fla's Triton kernels compile once for both scopes:
#   torch-anchor.py --train --layer: attention alone and a whole pre-norm block (H = 12, d = 64,
#   dModel 768, MLP 3072), forward + backward, SDPA fp32 (TF32 off) and bf16 and eager chunked
#   linear attention in every round first, then fla's chunk_linear_attn / chunk_simple_gla (Triton's
#   fp32 default: TF32) with its compile under a deadline.
#   OUT_DIR=<dir> TIME_S=200 bash .gpu/trainchart/device.sh
# Writes $OUT_DIR/torch-train.json (rows with scope 'attention' and 'layer'), torch-log.txt,
# env.txt and triton-autotune.tar.gz (fla's autotuning results, so that a later call can skip the
# autotuning: put it back as .gpu/trainchart/triton-autotune.tar.gz). ANCHOR_ARGS (e.g. "--device cpu
# --heads 2 --dim 16") only for a dry run off the GPU machine.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the folder the results go to}"
TIME_S=${TIME_S:-200}
ROUNDS=${ROUNDS:-3}
TOKENS=${TOKENS:-1024,4096,16384,65536}
start=$SECONDS
{
  date -u +%Y-%m-%dT%H:%M:%SZ
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
  echo "TIME_S=$TIME_S ROUNDS=$ROUNDS TOKENS=$TOKENS TRITON_F32_DEFAULT=${TRITON_F32_DEFAULT:-unset (tf32)}"
} > "$OUT_DIR/env.txt" 2>&1
cat "$OUT_DIR/env.txt"

if ls .whl/*.whl > /dev/null 2>&1; then
  timeout 60 python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site \
    .whl/*.whl && export PYTHONPATH=/tmp/site
fi
export TRITON_CACHE_DIR=/tmp/triton-trainchart
mkdir -p "$TRITON_CACHE_DIR"
# fla's autotuning results (and compiled kernels) from an earlier call on the same image, if carried.
for cache in "$here/triton-autotune.tar.gz" "$here/triton-cache.tar.gz"; do
  [ -f "$cache" ] && timeout 20 tar -xzf "$cache" -C "$TRITON_CACHE_DIR" && echo "Triton cache from $(basename "$cache")"
done
echo "Triton cache: $(find "$TRITON_CACHE_DIR" -name '*.autotune.json' | wc -l) autotune results before the run"

# Leave 8 s for packing the autotune results and the summary; fla's compile must leave time to
# measure. (PyTorch's and Triton's versions are in the JSON.)
left=$((TIME_S - (SECONDS - start) - 8))
echo "torch-anchor --train --layer: $left s at $((SECONDS - start)) s"
if [ "$left" -gt 20 ]; then
  timeout -k 3 "$left" python3 -u "$here/torch-anchor.py" --train --layer --dtypes fp32,bf16 \
    --rounds "$ROUNDS" --tokens "$TOKENS" --deadline-s $((left - 4)) --measure-reserve-s 15 \
    --json "$OUT_DIR/torch-train.json" ${ANCHOR_ARGS:-} > "$OUT_DIR/torch-log.txt" 2>&1
  echo "torch-anchor exit $? after $((SECONDS - start)) s"
fi
grep -E '^fla|not available|Error|error' "$OUT_DIR/torch-log.txt" | grep -v Warning | head -8

# Autotuning results only (small), for a later call on the same image.
(cd "$TRITON_CACHE_DIR" && find . -name '*.autotune.json' | timeout 3 tar -czf "$OUT_DIR/triton-autotune.tar.gz" -T -)
echo "autotune results: $(find "$TRITON_CACHE_DIR" -name '*.autotune.json' | wc -l)"

# Summary: median over rounds (ms) per scope, dtype and form at each length.
timeout 4 python3 - "$OUT_DIR/torch-train.json" <<'PY'
import json, sys, statistics as st
try:
    d = json.load(open(sys.argv[1]))
except Exception as e:
    sys.exit(f'no torch-train.json: {e}')
groups = {}
for r in d['records']:
    groups.setdefault((r.get('scope', 'attention'), r['dtype'], r['impl'], r['form']), {}).setdefault(r['tokens'], []).append(r['ms'])
for key, by_t in sorted(groups.items()):
    cells = ' '.join(f"T={t}:{st.median(v):.3f}({len(v)})" for t, v in sorted(by_t.items()))
    print(' '.join(key), cells)
for w in d.get('flaWarmup', []):
    print('fla warm-up', w)
PY
echo "done after $((SECONDS - start)) s"

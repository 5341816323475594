#!/usr/bin/env bash
# Runs ON the GPU machine, from a folder holding bench.mjs (npm run build:bench) and
# torch-anchor.py, beside the packed .gpu/run.sh: the training-step measurement behind
# data/runs/<date>-h200-train/, in one call on one card.
#   1. the bench CLI: --train --verify (gradients against the float64 reference at T = 1000 and,
#      sampled rows, at 16,384), then ROUNDS rounds of forward and training-step sweeps of
#      softmax-flash, linear-chunked and gated-chunked (H = 12, d = 64), forms interleaved;
#   2. torch-anchor.py --train: SDPA fp32 (TF32 off) and bf16, eager chunked linear attention, and
#      fla's chunk_linear_attn and chunk_simple_gla (Triton's fp32 default: TF32), forward + backward.
# Everything lands in $OUT: bench.json, torch-train.json, log.txt, env.txt.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT:?OUT must name the folder the results go to}"
ROUNDS=${ROUNDS:-3}
DEADLINE_S=${DEADLINE_S:-170}
BENCH_BUDGET_MS=${BENCH_BUDGET_MS:-70000}
TOKENS=${TOKENS:-1024,4096,16384,65536}
start=$SECONDS
exec > >(tee "$OUT/log.txt") 2>&1
{
  date -u +%Y-%m-%dT%H:%M:%SZ
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
  python3 -c 'import torch, triton; print("torch", torch.__version__, "cuda", torch.version.cuda, "triton", triton.__version__)'
  echo "ROUNDS=$ROUNDS DEADLINE_S=$DEADLINE_S BENCH_BUDGET_MS=$BENCH_BUDGET_MS TOKENS=$TOKENS TRITON_F32_DEFAULT=${TRITON_F32_DEFAULT:-unset (tf32)}"
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

bash "$here/../run.sh" node "$here/bench.mjs" --forms softmax-flash,linear-chunked,gated-chunked \
  --train --verify --settle-clocks --rounds "$ROUNDS" --samples 5 --budget-ms 3000 \
  --sweep-budget-ms "$BENCH_BUDGET_MS" --tokens "$TOKENS" --json "$OUT/bench.json" \
  2> "$OUT/bench-progress.txt"
echo "bench exit $? after $((SECONDS - start)) s"

if ls "$here"/../../.whl/*.whl > /dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site \
    "$here"/../../.whl/*.whl && export PYTHONPATH=/tmp/site
fi
left=$((DEADLINE_S - (SECONDS - start)))
echo "torch-anchor --train: $left s left"
if [ "$left" -gt 15 ]; then
  timeout "$left" python3 -u "$here/torch-anchor.py" --train --dtypes fp32,bf16 --rounds "$ROUNDS" \
    --tokens "$TOKENS" --json "$OUT/torch-train.json" > "$OUT/torch-log.txt" 2>&1
  echo "torch-anchor exit $? after $((SECONDS - start)) s"
  grep -v '^round' "$OUT/torch-log.txt" | head -8
  grep -E '^round 1 ' "$OUT/torch-log.txt"
fi

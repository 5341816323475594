#!/usr/bin/env bash
# Call A, helper "anchors": torch-anchor.py with batched timing (per-call = batch / n), CUDA-graph
# times, SDPA's default recorded and each fused bf16 backend timed, at 1,024-16,384 tokens; fla at
# 4,096. Run from the repo root: OUT_DIR=<dir> TIME_S=<cap> bash .gpu/anchors/device.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the results folder}"
start=$SECONDS
{
  date -u +%Y-%m-%dT%H:%M:%SZ
  nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
  python3 -c 'import torch, triton; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version(), "triton", triton.__version__)'
} > "$OUT_DIR/env.txt" 2>&1
cat "$OUT_DIR/env.txt"
if ls .whl/*.whl > /dev/null 2>&1; then
  timeout 60 python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site
fi
echo "fla wheels installed after $((SECONDS - start)) s"
# fla-chunk and fla-chunk-norm only: chunk_simple_gla's compile (about 40 s per dtype) would not fit.
timeout -k 5 100 python3 -u "$here/torch-anchor.py" --dtypes fp32,bf16 --rounds 1 --tokens 1024,4096,16384 \
  --fla-tokens 4096 --fla-forms fla-chunk,fla-chunk-norm --json "$OUT_DIR/torch.json" > "$OUT_DIR/torch-log.txt" 2>&1
echo "torch-anchor exit $? after $((SECONDS - start)) s"
grep -v '^round\|UserWarning\|scaled_dot_product_attention(q' "$OUT_DIR/torch-log.txt" | tail -8
[ -f "$OUT_DIR/torch.json" ] && timeout 20 python3 "$here/torch-anchor-summary.py" "$OUT_DIR/torch.json" | tee "$OUT_DIR/summary.txt" | head -40
echo "done after $((SECONDS - start)) s"

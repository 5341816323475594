#!/usr/bin/env bash
# Runs ON the GPU machine from the repo root, staged as .gpu/trainchart/fla-device.sh beside
# torch-anchor.py and triton-autotune.tar.gz (fla's forward autotuning results from the training
# call, 2026-12-01 call 1b): flash-linear-attention's training steps ONLY, attention alone and the
# whole pre-norm layer, fp32 inputs (Triton's default TF32 dots), 3 rounds. fla-chunk-norm compiles
# and is measured first, then fla-gla-chunk (each form's rounds right after its first call, so a
# call stopped while compiling keeps what it measured).
#   OUT_DIR=<dir> TIME_S=150 bash .gpu/trainchart/fla-device.sh
# Writes $OUT_DIR/torch-fla-train.json, torch-fla-log.txt, env.txt, triton-autotune.tar.gz.
# A separate call from the training dataset's: its rows are never merged into
# data/training-h200.json (make-training-data.mjs takes one call).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the folder the results go to}"
TIME_S=${TIME_S:-150}
start=$SECONDS
{
  date -u +%Y-%m-%dT%H:%M:%SZ
  nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader
  echo "TIME_S=$TIME_S TRITON_F32_DEFAULT=${TRITON_F32_DEFAULT:-unset (tf32)}"
} > "$OUT_DIR/env.txt" 2>&1
cat "$OUT_DIR/env.txt"
timeout 40 python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site \
  .whl/*.whl && export PYTHONPATH=/tmp/site
export TRITON_CACHE_DIR=/tmp/triton-trainchart-fla
mkdir -p "$TRITON_CACHE_DIR"
[ -f "$here/triton-autotune.tar.gz" ] && timeout 10 tar -xzf "$here/triton-autotune.tar.gz" -C "$TRITON_CACHE_DIR"
echo "autotune results carried: $(find "$TRITON_CACHE_DIR" -name '*.autotune.json' | wc -l)"
left=$((TIME_S - (SECONDS - start) - 6))
echo "torch-anchor (fla only): $left s at $((SECONDS - start)) s"
timeout -k 3 "$left" python3 -u "$here/torch-anchor.py" --train --layer --skip-torch --dtypes fp32 \
  --rounds 3 --tokens 1024,4096,16384,65536 --fla-forms fla-chunk-norm,fla-gla-chunk \
  --fla-measure-each --json "$OUT_DIR/torch-fla-train.json" > "$OUT_DIR/torch-fla-log.txt" 2>&1
echo "torch-anchor exit $? after $((SECONDS - start)) s"
(cd "$TRITON_CACHE_DIR" && find . -name '*.autotune.json' | timeout 3 tar -czf "$OUT_DIR/triton-autotune.tar.gz" -T -)
grep -E '^fla|^round' "$OUT_DIR/torch-fla-log.txt" | tail -30
echo "done after $((SECONDS - start)) s"

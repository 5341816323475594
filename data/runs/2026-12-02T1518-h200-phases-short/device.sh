#!/usr/bin/env bash
# Call M (2026-12-02): each phase of linear-chunked (and linear-chunked-f16) timed alone at 1,024 and
# 4,096 tokens, the phase probe bundle of e2ec938 (the shipped kernels).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
for T in 1024 4096; do
  timeout 40 bash .gpu/run.sh node "$here/phases.mjs" --tokens= --phase-tokens "$T" --budget-s 30 \
    --json "$OUT_DIR/phases-$T.json" > "$OUT_DIR/phases-$T.txt" 2>&1
  echo "== phases-$T: exit $?"
done
grep -h "^phase" "$OUT_DIR"/phases-*.txt
cd "$OUT_DIR" && tar -czf callM.tar.gz *.txt *.json

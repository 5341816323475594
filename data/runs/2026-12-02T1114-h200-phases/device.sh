#!/usr/bin/env bash
# Call J (2026-12-02, second session): each phase of linear-chunked timed alone with the landed
# kernels (phases.mjs: map in the kernels' staging, 32-chunk prefix, two blocks per output
# workgroup), at 65,536 and at 4,096 tokens.
#   OUT_DIR=<dir> bash .gpu/callJ/device.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
start=$SECONDS
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
for T in 65536 4096; do
  timeout 70 bash .gpu/run.sh node "$here/phases.mjs" --tokens= --phase-tokens $T --budget-s 50 \
    --json "$OUT_DIR/phases-$T.json" > "$OUT_DIR/phases-$T.txt" 2>&1
  echo "== phases $T: exit $? at $((SECONDS - start)) s"
done
grep -h "^phase.*fp32\|settle" "$OUT_DIR"/phases-*.txt

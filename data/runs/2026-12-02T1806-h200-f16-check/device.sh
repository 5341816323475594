#!/usr/bin/env bash
# Call Q (2026-12-02, fourth session): linear-chunked-f16 on the card with Dawn's f16 toggles, with
# the kernels of 529d51e (the dataset's bundle, .gpu/reference/bench.mjs): its short contexts now run
# the row-slice output kernel and the summed chunk states with f16 inputs, which SwiftShader (no
# shader-f16) only checks through f32 storage. --verify at T = 200, then a short timing.
set -uo pipefail
: "${OUT_DIR:?}"
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
timeout 60 bash .gpu/run.sh node .gpu/reference/bench.mjs --verify --no-sweep \
  --forms linear-chunked-f16,linear-chunked,gated-chunked --json "$OUT_DIR/verify.json" > "$OUT_DIR/verify.txt" 2>&1
echo "== verify: exit $?"
timeout 60 bash .gpu/run.sh node .gpu/reference/bench.mjs --verify --no-sweep \
  --forms linear-chunked-f16 --feature-map identity --no-normalize --json "$OUT_DIR/verify-idn.json" > "$OUT_DIR/verify-idn.txt" 2>&1
echo "== verify-idn: exit $?"
timeout 90 bash .gpu/run.sh node .gpu/reference/bench.mjs --forms linear-chunked,linear-chunked-f16 \
  --tokens 128,256,1024,4096,65536 --samples 5 --rounds 3 --budget-ms 1500 --settle-clocks \
  --json "$OUT_DIR/f16.json" > "$OUT_DIR/f16.txt" 2>&1
echo "== f16: exit $?"
grep -h "verify\|^forward" "$OUT_DIR"/*.txt
cd "$OUT_DIR" && tar -czf callQ.tar.gz *.txt *.json

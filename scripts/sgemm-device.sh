#!/usr/bin/env bash
# Runs ON the GPU machine, from the repository root, as staged in .gpu/sgemm/ beside
# sgemm-probe.mjs (`npx vite build --config scripts/vite-sgemm-probe.config.ts`):
#   OUT_DIR=<empty folder> bash .gpu/sgemm/device.sh
# The fp32 rate a WGSL kernel of ours reaches on the card (src/gpu/sgemm-ceiling.ts), beside
# PyTorch's fp32 SGEMM (TF32 off) at the same sizes in the same call:
# 1. sgemm-probe.mjs as a reader's browser runs WGSL (robustness on): float64 check of sampled rows,
#    then 3 rounds, sizes and depths interleaved;
# 2. the same with Dawn's robustness off (what the bounds checks cost a dense product);
# 3. torch.mm in fp32, TF32 off, 3 rounds of CUDA-event timing at each size.
# TILES (8x8,4x8,...: rows x columns of C per thread), DEPTHS and SIZES choose the variants;
# NOROBUST=0 leaves step 2 out.
# Call S2 (2026-12-02 22:44 UTC): TILES=8x8,8x4,4x8,4x4 DEPTHS=8 NOROBUST=0. Predicted: 4x4 about
# half of 8x8 (8 FMAs per workgroup-memory read against 16), 4x8 and 8x4 in between.
# Predicted (written before the first call, 2026-12-02 22:38 UTC): 30-40 TFLOP/s at 8,192 with
# robustness on (a 64 x 64 WGSL product reached 26 in December's first session), 5-10 % more
# with it off, torch.mm 48-51 TFLOP/s; depth 16 within 5 % of depth 8.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the folder the results go to}"
SIZES=${SIZES:-4096,8192}
TILES=${TILES:-8x8}
DEPTHS=${DEPTHS:-8,16}
NOROBUST=${NOROBUST:-1}
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
timeout 150 bash .gpu/run.sh node "$here/sgemm-probe.mjs" --sizes "$SIZES" --tiles "$TILES" \
  --depths "$DEPTHS" --rounds 3 --json "$OUT_DIR/sgemm.json" > "$OUT_DIR/sgemm.txt" 2>&1
echo "== sgemm (robustness on): exit $?"
if [ "$NOROBUST" = 1 ]; then
  DAWN_FLAGS="enable-dawn-features=allow_unsafe_apis,disable_robustness" timeout 150 \
    bash .gpu/run.sh node "$here/sgemm-probe.mjs" --sizes "$SIZES" --tiles "$TILES" \
    --depths "$DEPTHS" --rounds 3 --json "$OUT_DIR/sgemm-norobust.json" \
    > "$OUT_DIR/sgemm-norobust.txt" 2>&1
  echo "== sgemm (robustness off): exit $?"
fi
timeout 90 python3 - "$SIZES" > "$OUT_DIR/torch-sgemm.txt" 2>&1 <<'PY'
import statistics, sys, torch
torch.backends.cuda.matmul.allow_tf32 = False
torch.set_float32_matmul_precision('highest')
for n in [int(s) for s in sys.argv[1].split(',')]:
    a = torch.rand(n, n, device='cuda') * 2 - 1
    b = torch.rand(n, n, device='cuda') * 2 - 1
    for _ in range(3):
        torch.mm(a.t(), b)
    torch.cuda.synchronize()
    rounds = []
    for r in range(3):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        reps = 10
        start.record()
        for _ in range(reps):
            torch.mm(a.t(), b)
        end.record()
        torch.cuda.synchronize()
        rounds.append(start.elapsed_time(end) / reps)
    ms = statistics.median(rounds)
    print(f"torch.mm fp32 (A^T B, TF32 off) {n}^3: {ms:.3f} ms (rounds {min(rounds):.3f}-{max(rounds):.3f}), {2 * n**3 / ms / 1e9:.1f} TFLOP/s")
print(torch.__version__, torch.cuda.get_device_name())
PY
echo "== torch: exit $?"
grep -h "^verify\|^sgemm\|^adapter\|DAWN" "$OUT_DIR"/sgemm*.txt
cat "$OUT_DIR/torch-sgemm.txt"

#!/usr/bin/env bash
# The f16 / tensor-core exploration (issue 10) on the GPU machine, from the repo root:
#   OUT_DIR=<empty dir> TIME_S=<cap> bash .gpu/tc/device.sh
# (staged as .gpu/tc/device.sh beside .gpu/tc/f16-probe.mjs, built by
# `npx vite build --config scripts/vite-f16-probe.config.ts`).
# 1. f16-probe.mjs through Dawn with the toggles that expose shader-f16 and subgroup matrices:
#    features, compile messages, accuracy against float64 (derived f16 bound), then interleaved
#    timing rounds of fp32 softmax-flash against softmax-flash-f16-mma (H = 12, d = 64 and 128).
# 2. PyTorch SDPA in bf16 (FlashAttention-2) at the same lengths, same call, CUDA events, 3 rounds.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the folder the results go to}"
TIME_S=${TIME_S:-100}
start=$SECONDS
left() { echo $((TIME_S - (SECONDS - start))); }
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader 2>&1 | head -2
probe_s=$(($(left) - 5))
[ "$probe_s" -gt 110 ] && probe_s=110
timeout "$probe_s" bash .gpu/run.sh node "$here/f16-probe.mjs" --json "$OUT_DIR/f16-probe.json" \
  --tokens "${F16_TOKENS:-4096,16384,65536}" --dims "${F16_DIMS:-64,128}" --rounds 3 \
  --verify-tokens 16384 --budget-s $((probe_s - 10)) > "$OUT_DIR/f16-probe.txt" 2>&1
echo "f16-probe exit $? after $((SECONDS - start)) s"
grep -v '^\s*$' "$OUT_DIR/f16-probe.txt" | cut -c1-400 | head -60
# PyTorch SDPA in bf16 (FlashAttention-2) at the same lengths, when time is left (call 1a measured
# it: 0.148, 1.54, 21.0 ms at 4,096, 16,384, 65,536; the reference call times it again).
torch_s=$(($(left) - 3))
if [ "${F16_SDPA:-0}" = 1 ] && [ "$torch_s" -gt 8 ] && command -v python3 > /dev/null; then
  timeout "$torch_s" python3 - "$OUT_DIR/sdpa-bf16.json" > "$OUT_DIR/sdpa-bf16.txt" 2>&1 << 'PY'
import json, sys, torch
import torch.nn.functional as F
from torch.nn.attention import sdpa_kernel, SDPBackend
H, d, out = 12, 64, []
ev = lambda: torch.cuda.Event(enable_timing=True)
for r in range(3):
    for T in (4096, 16384, 65536):
        q, k, v = (torch.randn(1, H, T, d, device='cuda', dtype=torch.bfloat16) for _ in range(3))
        with sdpa_kernel([SDPBackend.FLASH_ATTENTION]):
            for _ in range(2): F.scaled_dot_product_attention(q, k, v, is_causal=True)
            torch.cuda.synchronize(); a, b = ev(), ev(); n = 10 if T < 65536 else 3
            a.record()
            for _ in range(n): F.scaled_dot_product_attention(q, k, v, is_causal=True)
            b.record(); torch.cuda.synchronize()
        ms = a.elapsed_time(b) / n
        out.append(dict(round=r, T=T, H=H, d=d, ms=ms, tflops=4 * d * H * T * (T + 1) / 2 / ms / 1e9))
        print(f"sdpa bf16 flash round {r} T={T} {ms:.3f} ms {out[-1]['tflops']:.0f} TFLOP/s", flush=True)
json.dump(dict(torch=torch.__version__, rows=out), open(sys.argv[1], 'w'), indent=1)
PY
  echo "sdpa exit $? after $((SECONDS - start)) s"
  grep 'round 2' "$OUT_DIR/sdpa-bf16.txt" || tail -3 "$OUT_DIR/sdpa-bf16.txt"
fi
echo "done after $((SECONDS - start)) s"

#!/usr/bin/env bash
# Runs ON the GPU machine, before the reference call (scripts/gpu-reference-device.sh): compiles
# flash-linear-attention's Triton kernels (fp32 and bf16, the reference call's lengths) and returns
# Triton's cache as $OUT/triton-cache.tar.gz. Put that file at .gpu/triton-cache.tar.gz: the
# reference call unpacks it and compiles nothing (2026-12-02: 225 s here, and the reference call's
# baselines then took 85 s instead of running past its deadline).
#   After scripts/gpu-reference-run.sh has staged .gpu/reference/ and .whl/ holds fla's wheels:
#   run  command: bash scripts/triton-cache-device.sh     carry: [".gpu", ".whl"]   timeout_s: 480
# The cache is about 15 MB: with it, .gpu (Node, Dawn) and .whl the tree can pass the device tool's
# 64 MiB; if it does not, xz-compress .gpu/node_modules/webgpu/dist/linux-x64/dawn.node (21 MB ->
# 5 MB) and start the reference call's command with `xz -d` of it.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# elapsed, report, install_wheels: beside this script in scripts/.
. "$here/device-common.sh" || {
  echo "triton-cache-device: no device-common.sh beside it in $here (run this from the checkout, as scripts/triton-cache-device.sh)." >&2
  exit 1
}
install_wheels .whl || {
  echo "triton-cache-device: fla's wheels did not install from .whl/ (none there, or pip failed)." >&2
  exit 1
}
export TRITON_CACHE_DIR=/tmp/triton-cache PYTHONUNBUFFERED=1
lengths=1024,4096,16384,65536,131072
timeout 420 python3 -u .gpu/reference/torch-anchor.py --skip-torch --dtypes fp32,bf16 --rounds 1 \
  --tokens "$lengths" --fla-tokens "$lengths" --no-kernel-names \
  --json "$OUT/cache-torch.json" > "$OUT/cache-log.txt" 2>&1
report torch-anchor
tail -15 "$OUT/cache-log.txt"
tar -C /tmp/triton-cache -czf "$OUT/triton-cache.tar.gz" . && ls -la "$OUT"
echo "entries: $(ls /tmp/triton-cache | wc -l)"

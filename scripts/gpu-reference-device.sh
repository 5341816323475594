#!/usr/bin/env bash
# Runs ON the GPU machine (scripts/gpu-reference-run.sh stages it into .gpu/reference/ and prints
# the call): the measurement behind data/reference-h200.json, in one call on one card.
#   1. the bench CLI: --verify, then ROUNDS rounds of the sweep (all five forms, T = 128..131072
#      doubling, H = 12, d = 64), the chunk search at 16,384 and generation, forms interleaved;
#      then, in files of their own: the chunked forms as fla computes them, softmax-flash at
#      d = 128, and (with F16_FLAGS) the f16 forms;
#   2. torch-anchor.py in rounds: PyTorch fp32 (TF32 off) and bf16 (SDPA's default fused kernel,
#      recorded), first at d = 128 without fla, then at d = 64 with flash-linear-attention when its
#      wheels travel in .whl/ (Triton's fp32 default: TF32), its chunked linear and gated
#      (chunk_simple_gla) kernels.
# Everything lands in $OUT/reference.tar.gz: bench.json, bench.csv, bench-identity.json,
# bench-d128.json, sgemm.json (the WGSL SGEMM ceiling), torch-d128.json, bench-f16.json (when F16_FLAGS names Dawn's toggles), torch.json, log.txt, env.txt,
# clocks.csv and the progress logs; log.txt also beside it.
# Time: the whole script stops itself at DEADLINE_S seconds (the torch step gets what is left).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# elapsed, report, gpu_node, install_wheels, describe_machine: staged beside this script.
. "$here/device-common.sh" || {
  echo "gpu-reference-device: no device-common.sh beside it in $here (scripts/gpu-reference-run.sh copies it)." >&2
  exit 1
}
: "${OUT:?OUT must name the folder the results go to}"
# The device tool brings back only a few files from $OUT: everything is written to a work folder and
# leaves as one archive (reference.tar.gz) plus the log, also when the script stops early.
final_out=$OUT
OUT=$(mktemp -d /tmp/reference-XXXX)
main_pid=$BASHPID
pack() {
  # Subshells (the tee below) inherit the trap: only the script itself packs.
  [ "$BASHPID" = "$main_pid" ] || return 0
  [ -n "${clocks_pid:-}" ] && kill "$clocks_pid" 2> /dev/null
  exec 1>&3 2>&4 # end tee's input, and let it finish the log
  wait "${tee_pid:-}" 2> /dev/null
  tar -C "$OUT" -czf "$final_out/reference.tar.gz" . && cp "$OUT/log.txt" "$final_out/log.txt"
}
trap pack EXIT
ROUNDS=${ROUNDS:-5}
DEADLINE_S=${DEADLINE_S:-280}
BENCH_BUDGET_MS=${BENCH_BUDGET_MS:-160000}
TOKENS=128,256,512,1024,2048,4096,8192,16384,32768,65536,131072
FLA_TOKENS=1024,4096,16384,65536,131072
exec 3>&1 4>&2 > >(tee "$OUT/log.txt") 2>&1
tee_pid=$!

{
  describe_machine
  echo "ROUNDS=$ROUNDS DEADLINE_S=$DEADLINE_S BENCH_BUDGET_MS=$BENCH_BUDGET_MS TRITON_F32_DEFAULT=${TRITON_F32_DEFAULT:-unset (tf32)}"
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"

# The card's clocks and P-state every 200 ms for the whole call: shows whether a point ran while
# the GPU had lowered its clocks (the bench settles them before every point: --settle-clocks).
nvidia-smi --query-gpu=timestamp,pstate,clocks.sm,clocks.mem,utilization.gpu,power.draw \
  --format=csv -lms 200 > "$OUT/clocks.csv" 2>&1 &
clocks_pid=$!

# 1. Our WGSL kernels through Dawn.
gpu_node "$here/bench.mjs" --verify --settle-clocks --rounds "$ROUNDS" --samples 5 \
  --budget-ms 3000 --sweep-budget-ms "$BENCH_BUDGET_MS" --tokens "$TOKENS" \
  --chunk-search 16384 --generation --json "$OUT/bench.json" --csv "$OUT/bench.csv" \
  2> "$OUT/bench-progress.txt"
report bench

# 1b. The chunked forms as fla computes them (identity features, no normaliser), beside fla's
#     chunk_linear_attn and chunk_simple_gla below; a file of its own (not part of the dataset).
gpu_node "$here/bench.mjs" --settle-clocks --forms linear-chunked,gated-chunked --feature-map identity \
  --no-normalize --rounds 3 --samples 5 --budget-ms 3000 --sweep-budget-ms 40000 --tokens "$FLA_TOKENS" \
  --json "$OUT/bench-identity.json" 2>> "$OUT/bench-progress.txt" | tail -12
report "bench (identity)"

# 1c. The f16 forms (softmax-flash-f16, softmax-flash-f16-mma: f16 inputs, f32 accumulation) need
#     Dawn toggles that a reader's Chrome does not set, so they run in a process of their own with
#     fp32 softmax-flash beside them under the same toggles; a file of its own (not in the dataset).
if [ -n "${F16_FLAGS:-}" ]; then
  DAWN_FLAGS=$F16_FLAGS gpu_node "$here/bench.mjs" --settle-clocks --verify \
    --forms softmax-flash,softmax-flash-f16,softmax-flash-f16-mma --rounds 3 --samples 5 --budget-ms 3000 \
    --sweep-budget-ms 40000 --tokens 1024,4096,16384 --json "$OUT/bench-f16.json" \
    2>> "$OUT/bench-progress.txt" | tee "$OUT/bench-f16.txt" | tail -14
  report "bench (f16, DAWN_FLAGS=$F16_FLAGS)"
fi

# 1d. softmax-flash at d = 128 (the narrow kernel), 3 rounds; SDPA at d = 128 comes in step 2b.
#     A file of its own (not in the dataset), read by docs/PERFORMANCE.md.
gpu_node "$here/bench.mjs" --settle-clocks --forms softmax-flash --dim 128 \
  --rounds 3 --samples 5 --budget-ms 3000 --sweep-budget-ms 40000 --tokens 1024,4096,16384,65536 \
  --json "$OUT/bench-d128.json" 2>> "$OUT/bench-progress.txt" | tail -8
report "bench (d = 128)"

# 1e. The WGSL SGEMM ceiling (src/bench/sgemm-probe.ts, staged beside as sgemm-probe.mjs when
#     gpu-reference-run.sh built it): the fp32 rate a dense product of ours reaches on the card,
#     beside torch.json's SGEMM. A file of its own (not in the dataset), read by
#     docs/PERFORMANCE.md; at most 60 s.
if [ -f "$here/sgemm-probe.mjs" ]; then
  timeout 60 bash "$here/../run.sh" node "$here/sgemm-probe.mjs" --sizes 4096,8192 --depths 8 \
    --tiles 8x8,8x4,4x8,4x4 --rounds 3 --json "$OUT/sgemm.json" > "$OUT/sgemm.txt" 2>&1
  report "sgemm ceiling"
  grep "^sgemm\|^verify" "$OUT/sgemm.txt"
fi

# 2. The native baselines, with whatever time is left.
install_wheels "$here/../../.whl"
# Triton compiles fla's kernels on first use (about 200 s for fp32 and bf16 together); a cache of
# them from an earlier call on the same image, carried as .gpu/triton-cache.tar.gz, saves that.
if [ -f "$here/../triton-cache.tar.gz" ]; then
  mkdir -p /tmp/triton-cache && tar -xzf "$here/../triton-cache.tar.gz" -C /tmp/triton-cache \
    && export TRITON_CACHE_DIR=/tmp/triton-cache && echo "Triton cache: $(ls /tmp/triton-cache | wc -l) entries"
fi
# 2b. PyTorch at d = 128 (SDPA fp32 and bf16, no fla), beside step 1d: at most 60 s.
timeout 60 python3 -u "$here/torch-anchor.py" --dtypes fp32,bf16 --rounds 3 --dim 128 \
  --tokens 1024,4096,16384,65536 --fla-forms none --json "$OUT/torch-d128.json" > "$OUT/torch-d128-log.txt" 2>&1
report "torch-anchor (d = 128)"
left=$((DEADLINE_S - $(elapsed)))
echo "torch-anchor: $left s left"
if [ "$left" -gt 20 ]; then
  timeout "$left" python3 -u "$here/torch-anchor.py" --dtypes fp32,bf16 --rounds 3 \
    --tokens "$TOKENS" --fla-tokens "$FLA_TOKENS" --json "$OUT/torch.json" > "$OUT/torch-log.txt" 2>&1
  report torch-anchor
  grep -v '^round' "$OUT/torch-log.txt" | head -20
fi

# The key anchors last (the bench table is above; the reply shows the end of the output).
grep -E '^round 1 .*(softmax-sdpa|fla-chunk-norm|linear-chunked-norm) .*T=(1024|16384|65536|131072) ' \
  "$OUT/torch-log.txt"
echo "done after $(elapsed) s"

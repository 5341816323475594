#!/usr/bin/env bash
# linear-chunked-f16 on the H200 (issue 10), from the repo root:
#   OUT_DIR=<empty dir> TIME_S=<cap, 120> bash .gpu/f16lin/device.sh
# (staged as .gpu/f16lin/device.sh beside bench.mjs, from `BENCH_OUT_DIR=/tmp/b npm run
# build:bench`, and linear-f16-probe.mjs, from `F16LIN_OUT_DIR=/tmp/p npx vite build --config
# scripts/vite-linear-f16-probe.config.ts`: each build empties its folder, so copy both in).
# Dry run without a GPU: RUN=node VK_ICD_FILENAMES=<SwiftShader's ICD> (the probe then stops at
# the missing shader-f16, and the bench skips the f16 form with its sentence).
# 1. linear-f16-probe.mjs: shader-f16 offered? outputs against float64 and the derived f16 bound
#    (T = 1,000 all rows; 16,384 and 65,536 sampled rows; softplus normalised, identity unnormalised).
# 2. bench --verify, then linear-chunked (fp32) against linear-chunked-f16, interleaved, 3 rounds,
#    H = 12, d = 64, c = 64, T = 4,096 / 16,384 / 65,536: softplus + normaliser.
# 3. the same with the identity map and no normaliser (fla's setting), with the time left.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the folder the results go to}"
TIME_S=${TIME_S:-120}
start=$SECONDS
left() { echo $((TIME_S - (SECONDS - start))); }
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
RUN=${RUN:-bash .gpu/run.sh node}
TOKENS=${F16LIN_TOKENS:-4096,16384,65536}
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader 2>&1 | head -2

t=$(($(left) - 80)); [ "$t" -gt 38 ] && t=38; [ "$t" -lt 10 ] && t=10
timeout "$t" $RUN "$here/linear-f16-probe.mjs" --json "$OUT_DIR/probe.json" \
  --tokens "${F16LIN_VERIFY_TOKENS:-16384,65536}" --budget-s $((t - 8)) > "$OUT_DIR/probe.txt" 2>&1
echo "probe exit $? after $((SECONDS - start)) s"
grep -v '^\s*$' "$OUT_DIR/probe.txt" | cut -c1-300 | head -14

bench() { # name, seconds, extra flags...
  local name=$1 secs=$2; shift 2
  timeout "$secs" $RUN "$here/bench.mjs" --settle-clocks --forms linear-chunked,linear-chunked-f16 \
    --rounds 3 --samples 5 --budget-ms 2000 --sweep-budget-ms $(((secs - 8) * 1000)) \
    --tokens "$TOKENS" --json "$OUT_DIR/bench-$name.json" "$@" \
    > "$OUT_DIR/bench-$name.txt" 2> "$OUT_DIR/bench-$name-progress.txt"
  echo "bench $name exit $? after $((SECONDS - start)) s"
  grep -v '^\s*$' "$OUT_DIR/bench-$name.txt" | cut -c1-200 | tail -10
}
t=$(($(left) - 40)); [ "$t" -gt 45 ] && t=45
[ "$t" -ge 15 ] && bench softplus "$t" --verify
t=$(($(left) - 3))
[ "$t" -ge 15 ] && bench identity "$t" --feature-map identity --no-normalize
echo "done after $((SECONDS - start)) s"

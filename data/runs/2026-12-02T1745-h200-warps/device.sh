#!/usr/bin/env bash
# Call P (2026-12-02, fourth session): warps remapped in the two output kernels of linear-chunked.
# a.mjs: main at fc7c4ae (the row-slice kernel below 512 blocks, warps of 2 rows x 16 column quads).
# b.mjs: main at a8da2e7 (the row-slice kernel's warps take 8 rows x 4 column quads, rows of phi(Q) and P
# padded). c.mjs: b plus whole-remap.diff (the whole-tile kernel's warps take 4 row quads x 8
# column quads, was 2 x 16). Verify b and c first; processes a b c c b a (softplus + norm), b c c b
# (identity); phases of b and c at 65,536 tokens.
# Predicted (written before the call): the row-slice kernel at 2,048 tokens 81 -> about 60 us, at 128
# 13.1 -> about 12 us; the whole-tile kernel, if workgroup-memory reads bound it, output 773 -> 650-700
# us at 65,536 (identity form 1.16 -> about 1.05 ms); if not, unchanged.
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callP/device.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
TIME_S=${TIME_S:-300}
start=$SECONDS
log=$OUT_DIR/log.txt
run() { # name bundle args...
  local name=$1 bundle=$2
  shift 2
  local t=$((TIME_S - 3 - (SECONDS - start)))
  [ -n "${CAP:-}" ] && [ "$CAP" -lt "$t" ] && t=$CAP
  if [ "$t" -lt 6 ]; then echo "skip $name" | tee -a "$log"; return; fi
  timeout "$t" bash .gpu/run.sh node "$here/$bundle.mjs" "$@" --json "$OUT_DIR/$name.json" \
    > "$OUT_DIR/$name.txt" 2>&1
  echo "== $name ($bundle): exit $? at $((SECONDS - start)) s" | tee -a "$log"
}
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
V=(--verify --no-sweep --forms linear-chunked,gated-chunked)
CAP=30 run verify-b b --verify --no-sweep --forms linear-chunked,gated-chunked,linear-recurrent,gated-recurrent --cross-check 1024
CAP=20 run verify-c-idn c "${V[@]}" --feature-map identity --no-normalize
CAP=20 run verify-c-elu c "${V[@]}" --feature-map elu1
CAP=30 run verify-c c --verify --no-sweep --forms linear-chunked,gated-chunked,linear-recurrent,gated-recurrent --cross-check 16384
grep -h "max rel\|FAIL\|rror" "$OUT_DIR"/verify*.txt | head -30
N=(--forms linear-chunked,gated-chunked --tokens 128,256,512,1024,2048,4096,16384,65536 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
i=0
for b in a b c c b a; do i=$((i + 1)); CAP=25 run "sp-$i-$b" "$b" "${N[@]}"; done
I=(--forms linear-chunked --tokens 128,1024,4096,65536 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks --feature-map identity --no-normalize)
j=0
for b in b c c b; do j=$((j + 1)); CAP=20 run "id-$j-$b" "$b" "${I[@]}"; done
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
for T in 65536; do
  for b in b c; do CAP=35 run "phases-$T-$b" "phases-$b" --tokens= --phase-tokens "$T" --budget-s 30; done
done
for f in "$OUT_DIR"/sp-*.txt "$OUT_DIR"/id-*.txt; do echo "-- $(basename "$f" .txt)"; grep "^forward" "$f" | awk '{print $2, $3, $5, $6}' | tr '\n' ';'; echo; done
grep -H "^phase.*fp32" "$OUT_DIR"/phases-*.txt
echo "callP done at $((SECONDS - start)) s"
cd "$OUT_DIR" && tar -czf callP.tar.gz *.txt *.json 2>/dev/null; ls "$OUT_DIR" | wc -l

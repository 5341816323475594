#!/usr/bin/env bash
# Call H (2026-12-02, second session): the whole-tile output kernel running BLOCKS query blocks per
# workgroup in turn, the next block's loads requested while one computes (b2e: 2 blocks, early
# requests; b2l: 2, late; b4e: 4, early; b1: the same code with 1 block), against both.mjs (call G's
# winner: the map in the kernels' staging and the 32-chunk prefix). ABBA; phases of b2e.
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callH/device.sh
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
CAP=30 run verify-b2e b2e --verify --no-sweep --forms linear-chunked,gated-chunked,linear-recurrent,gated-recurrent --cross-check 65536
CAP=20 run verify-b2l b2l "${V[@]}"
CAP=20 run verify-b4e b4e "${V[@]}"
CAP=20 run verify-b4e-idn b4e "${V[@]}" --feature-map identity --no-normalize
CAP=20 run verify-b2e-elu b2e "${V[@]}" --feature-map elu1
grep -h "max rel\|FAIL\|rror" "$OUT_DIR"/verify*.txt | head -24
N=(--forms linear-chunked,gated-chunked --tokens 4096,16384,65536 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
order="both b1 b2e b2l b4e b4e b2l b2e b1 both"
i=0
for b in $order; do i=$((i + 1)); CAP=30 run "sp-$i-$b" "$b" "${N[@]}"; done
I=("${N[@]}" --feature-map identity --no-normalize)
j=0
for b in both b2e b4e b4e b2e both; do j=$((j + 1)); CAP=30 run "id-$j-$b" "$b" "${I[@]}"; done
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
CAP=60 run phases-b2e phases-b2e --tokens= --phase-tokens 65536 --budget-s 45
for f in "$OUT_DIR"/sp-*.txt "$OUT_DIR"/id-*.txt; do echo "-- $(basename "$f" .txt)"; grep "^forward" "$f" | awk '{print $2, $3, $5, $6}' | tr '\n' ';'; echo; done
grep -h "^phase.*fp32" "$OUT_DIR"/phases-*.txt
echo "callH done at $((SECONDS - start)) s"
cd "$OUT_DIR" && tar -czf callH.tar.gz *.txt *.json 2>/dev/null; ls "$OUT_DIR" | wc -l

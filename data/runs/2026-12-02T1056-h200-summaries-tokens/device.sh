#!/usr/bin/env bash
# Call I (2026-12-02, second session): the summaries kernel staging 64 tokens per step (cur.mjs,
# the branch as it stands: map in the kernels, 32-chunk prefix, two blocks per output workgroup)
# against the same with 32 tokens per step (kt32.mjs). ABBA; phases of cur.
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callI/device.sh
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
CAP=30 run verify-cur cur --verify --no-sweep --forms linear-chunked,gated-chunked,linear-recurrent,gated-recurrent,linear-attention --cross-check 65536
CAP=20 run verify-cur-elu cur "${V[@]}" --feature-map elu1
CAP=20 run verify-cur-idn cur "${V[@]}" --feature-map identity --no-normalize
grep -h "max rel\|FAIL\|rror" "$OUT_DIR"/verify*.txt | grep -v softmax-naive | head -24
N=(--forms linear-chunked,gated-chunked --tokens 4096,16384,65536 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
i=0
for b in kt32 cur cur kt32; do i=$((i + 1)); CAP=30 run "sp-$i-$b" "$b" "${N[@]}"; done
I=("${N[@]}" --feature-map identity --no-normalize)
j=0
for b in kt32 cur cur kt32; do j=$((j + 1)); CAP=30 run "id-$j-$b" "$b" "${I[@]}"; done
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
CAP=60 run phases-cur phases-cur --tokens= --phase-tokens 65536 --budget-s 45
for f in "$OUT_DIR"/sp-*.txt "$OUT_DIR"/id-*.txt; do echo "-- $(basename "$f" .txt)"; grep "^forward" "$f" | awk '{print $2, $3, $5, $6}' | tr '\n' ';'; echo; done
grep -h "^phase.*fp32" "$OUT_DIR"/phases-*.txt
echo "callI done at $((SECONDS - start)) s"
cd "$OUT_DIR" && tar -czf callI.tar.gz *.txt *.json 2>/dev/null; ls "$OUT_DIR" | wc -l

#!/usr/bin/env bash
# Call L (2026-12-02, third session): the whole-tile output kernel's diagonal-tile P V balanced
# within pairs of row quads (b.mjs, lead a7463be) against main (a.mjs, e2ec938). Verify b first;
# ABBA processes, softplus + norm and identity; phases of both at 65,536 tokens.
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callL/device.sh
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
CAP=30 run verify-b b --verify --no-sweep --forms linear-chunked,gated-chunked,linear-recurrent --cross-check 65536
CAP=20 run verify-b-idn b "${V[@]}" --feature-map identity --no-normalize
CAP=20 run verify-b-elu b "${V[@]}" --feature-map elu1
grep -h "max rel\|FAIL\|rror" "$OUT_DIR"/verify*.txt | head -24
N=(--forms linear-chunked,gated-chunked --tokens 1024,4096,65536 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
i=0
for b in a b b a a b; do i=$((i + 1)); CAP=22 run "sp-$i-$b" "$b" "${N[@]}"; done
I=("${N[@]}" --feature-map identity --no-normalize)
j=0
for b in a b b a; do j=$((j + 1)); CAP=22 run "id-$j-$b" "$b" "${I[@]}"; done
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
CAP=35 run phases-a phases-a --tokens= --phase-tokens 65536 --budget-s 30
CAP=35 run phases-b phases-b --tokens= --phase-tokens 65536 --budget-s 30
for f in "$OUT_DIR"/sp-*.txt "$OUT_DIR"/id-*.txt; do echo "-- $(basename "$f" .txt)"; grep "^forward" "$f" | awk '{print $2, $3, $5, $6}' | tr '\n' ';'; echo; done
grep -h "^phase.*fp32" "$OUT_DIR"/phases-*.txt
echo "callL done at $((SECONDS - start)) s"
cd "$OUT_DIR" && tar -czf callL.tar.gz *.txt *.json 2>/dev/null; ls "$OUT_DIR" | wc -l

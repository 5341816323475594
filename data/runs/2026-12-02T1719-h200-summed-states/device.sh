#!/usr/bin/env bash
# Call N (2026-12-02, fourth session): the whole-tile output kernel summing each block's chunk state
# from the summaries with no prefix dispatch (SUM_STATES) where a head has at most 16 chunks (b.mjs,
# main 8ae7e95), or at most 32 (c.mjs), against main before
# it (a.mjs, 8468c5d). Verify b first; processes in the order a b c c b a (softplus + norm) and
# a b b a (identity); phases of a and b at 128 and 1,024 tokens.
# Predicted (written before the call): b at 128 tokens 19.9 -> 15.5-17 us, at 512 21.7 -> 18-19 us,
# at 1,024 36.0 -> 32-34 us; 2,048 and 4,096 unchanged with b; c at 2,048 within +-5 % of a.
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callN/device.sh
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
CAP=20 run verify-b-idn b "${V[@]}" --feature-map identity --no-normalize
CAP=20 run verify-b-elu b "${V[@]}" --feature-map elu1
CAP=30 run verify-c c --verify --no-sweep --forms linear-chunked,gated-chunked,linear-recurrent,gated-recurrent --cross-check 2048
grep -h "max rel\|FAIL\|rror" "$OUT_DIR"/verify*.txt | head -30
N=(--forms linear-chunked,gated-chunked --tokens 128,256,512,1024,2048,4096 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
i=0
for b in a b c c b a; do i=$((i + 1)); CAP=25 run "sp-$i-$b" "$b" "${N[@]}"; done
I=(--forms linear-chunked --tokens 128,256,512,1024,2048 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks --feature-map identity --no-normalize)
j=0
for b in a b b a; do j=$((j + 1)); CAP=20 run "id-$j-$b" "$b" "${I[@]}"; done
export DAWN_FLAGS='enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia'
for T in 128 1024; do
  for b in a b; do CAP=35 run "phases-$T-$b" "phases-$b" --tokens= --phase-tokens "$T" --budget-s 30; done
done
for f in "$OUT_DIR"/sp-*.txt "$OUT_DIR"/id-*.txt; do echo "-- $(basename "$f" .txt)"; grep "^forward" "$f" | awk '{print $2, $3, $5, $6}' | tr '\n' ';'; echo; done
grep -H "^phase.*fp32" "$OUT_DIR"/phases-*.txt
echo "callN done at $((SECONDS - start)) s"
cd "$OUT_DIR" && tar -czf callN.tar.gz *.txt *.json 2>/dev/null; ls "$OUT_DIR" | wc -l

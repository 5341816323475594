#!/usr/bin/env bash
# Call K (2026-12-02, second session): the chunked forms at short contexts with two query blocks per
# whole-tile workgroup everywhere (cur.mjs, the dataset's bundle, 9a7c9b6) against two only from 512
# blocks in all (thr.mjs, wholeBlocksFor). ABBA, softplus + normaliser and identity.
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callK/device.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
TIME_S=${TIME_S:-100}
start=$SECONDS
run() { # name bundle args...
  local name=$1 bundle=$2
  shift 2
  local t=$((TIME_S - 3 - (SECONDS - start)))
  [ "$t" -gt 25 ] && t=25
  if [ "$t" -lt 6 ]; then echo "skip $name"; return; fi
  timeout "$t" bash .gpu/run.sh node "$here/$bundle.mjs" "$@" --json "$OUT_DIR/$name.json" \
    > "$OUT_DIR/$name.txt" 2>&1
  echo "== $name ($bundle): exit $? at $((SECONDS - start)) s"
}
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
run verify thr --verify --no-sweep --forms linear-chunked,gated-chunked
grep -h "max rel\|FAIL\|rror" "$OUT_DIR/verify.txt"
N=(--forms linear-chunked,gated-chunked --tokens 128,256,512,1024,2048,4096 --samples 5 --rounds 1 --budget-ms 800 --settle-clocks)
i=0
for b in cur thr thr cur; do i=$((i + 1)); run "sp-$i-$b" "$b" "${N[@]}"; done
i=0
for b in cur thr thr cur; do i=$((i + 1)); run "id-$i-$b" "$b" "${N[@]}" --feature-map identity --no-normalize; done
for f in "$OUT_DIR"/sp-*.txt "$OUT_DIR"/id-*.txt; do echo "-- $(basename "$f" .txt)"; grep "^forward" "$f" | awk '{print $2, $3, $5, $6}' | tr '\n' ';'; echo; done
echo "callK done at $((SECONDS - start)) s"

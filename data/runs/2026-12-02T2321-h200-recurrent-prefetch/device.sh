#!/usr/bin/env bash
# Call S6 (2026-12-02), before the reference call in the same command: linear-recurrent with the
# next block read ahead into registers (prefetch.mjs, main 6531d3f) against the same bundle with it
# off (noprefetch.mjs: 32 tokens per block, as landed in 32b9e6d), processes A then B after the
# check. Predicted (before the call): 8.65 -> 6.5-7.5 ms at 65,536 tokens (call S5: without the
# block's loads the form took 7.41 ms of 9.83 at 16 tokens per block; the wait is hidden, not the
# loads' issue), the gated form likewise.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
timeout 60 bash .gpu/run.sh node "$here/prefetch.mjs" --forms linear-recurrent,gated-recurrent,linear-chunked,gated-chunked \
  --no-sweep --verify --cross-check 16384 > "$OUT_DIR/verify-prefetch.txt" 2>&1
echo "== verify prefetch: exit $?"
grep -h "^verify\|cross-check linear-rec\|cross-check gated" "$OUT_DIR/verify-prefetch.txt" | cut -c1-140
for v in noprefetch prefetch; do
  timeout 40 bash .gpu/run.sh node "$here/$v.mjs" --forms linear-recurrent,gated-recurrent --tokens 4096,65536 \
    --samples 5 --rounds 1 --budget-ms 3000 --settle-clocks > "$OUT_DIR/$v.txt" 2>&1
  echo "== $v: exit $? $(grep -h '^forward' "$OUT_DIR/$v.txt" | awk '{print $2, $3, $4, $5}' | tr '\n' ' ')"
done

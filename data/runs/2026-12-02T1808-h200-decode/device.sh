#!/usr/bin/env bash
# Call R (2026-12-02, fourth session): the recurrent-state decode step with a column's rows loaded
# sixteen at a time before their stores (b.mjs, main e918862) against the dataset's kernels (a.mjs,
# 529d51e); processes a b b a, --generation at 128, 4,096 and 65,536 tokens, 5 samples, settled clocks.
# Predicted (written before the call): the state step 12.8 -> 5-7 us at every length; the KV-cache
# step unchanged.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
G=(--no-sweep --generation --tokens 128,4096,65536 --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
i=0
for b in a b b a; do
  i=$((i + 1))
  timeout 40 bash .gpu/run.sh node "$here/$b.mjs" "${G[@]}" --json "$OUT_DIR/gen-$i-$b.json" > "$OUT_DIR/gen-$i-$b.txt" 2>&1
  echo "== gen-$i-$b: exit $?"
done
grep -H "^decode" "$OUT_DIR"/gen-*.txt
cd "$OUT_DIR" && tar -czf callR.tar.gz *.txt *.json

#!/usr/bin/env bash
# Runs ON the GPU machine, from the repository root, as staged in .gpu/recurrent/:
#   OUT_DIR=<empty folder> TIME_S=<cap> bash .gpu/recurrent/device.sh
# Times the recurrent kernels' variants (src/bench/recurrent-variants.ts: each variant put in the
# place of a form of the same function, RECURRENT_SLOTS) against each other, interleaved in one
# process: every process first checks its variants against the float64 reference (--verify, T =
# 200) and the first of each family against each other and the chunked form at T = 16,384
# (--cross-check), then 3 rounds, forms interleaved, 5 samples per point; median over rounds,
# spread kept. Then scripts/sequential-floor.mjs. The staged kernel (main's default) and the split
# kernel's planned tiles appear in several processes, so the processes can be compared.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the folder the results go to}"
TIME_S=${TIME_S:-120}
TOKENS=${TOKENS:-4096,16384,65536}
ROUNDS=${ROUNDS:-3}
CROSS=${CROSS:-16384}
start=$SECONDS
left() { echo $((TIME_S - 5 - (SECONDS - start))); }
log=$OUT_DIR/log.txt
run() { # name slots [bench arguments]
  local name=$1 slots=$2 t
  shift 2
  t=$(left)
  if [ "$t" -lt 10 ]; then
    echo "skip $name: $t s left" | tee -a "$log"
    return
  fi
  echo "== $name: $slots" >> "$log"
  RECURRENT_SLOTS=$slots timeout "$t" bash .gpu/run.sh node "$here/recurrent-variants.mjs" \
    --samples 5 --budget-ms 1500 --rounds "$ROUNDS" --json "$OUT_DIR/$name.json" "$@" \
    > "$OUT_DIR/$name.txt" 2>&1
  local rc=$?
  echo "== $name: exit $rc at $((SECONDS - start)) s" | tee -a "$log"
  grep -h "^verify\|^cross-check" "$OUT_DIR/$name.txt" | grep -v " ok$" | head -5
  grep -c " ok$" "$OUT_DIR/$name.txt" | sed "s/^/   checks ok: /"
  # The table: form, T, median, min-max, with the variant each form held.
  awk -v slots="$slots" 'BEGIN { n = split(slots, s, ","); for (i = 1; i <= n; i++) { split(s[i], kv, "="); v[kv[1]] = kv[2] } }
    $1 == "forward" && ($2 in v) { c = ($5 ~ /^(s|ms|us|µs)$/) ? 0 : 1
      printf "   %-16s T=%-6s %8s %-2s (%s %s - %s %s, %s rounds)\n", v[$2], $3, $(4 + c), $(5 + c), $(7 + c), $(8 + c), $(10 + c), $(11 + c), $(6 + c) }' \
    "$OUT_DIR/$name.txt"
}

nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
cat "$OUT_DIR/env.txt"
U=linear-recurrent,linear-attention,linear-chunked
run p1 linear-recurrent=staged,linear-attention=split,linear-chunked=split-rp8 \
  --forms "$U" --tokens "$TOKENS" --verify --cross-check "$CROSS"
run p2 linear-recurrent=staged,gated-recurrent=staged,gated-chunked=split \
  --forms linear-recurrent,gated-recurrent,gated-chunked --tokens "$TOKENS" --verify --cross-check "$CROSS"
run p3 linear-recurrent=split,linear-attention=split-tb32,linear-chunked=split-rp4 \
  --forms "$U" --tokens "$TOKENS" --verify
t=$(left)
if [ "$t" -gt 15 ]; then
  N1=65536 N2=262144 ONLY=fma,fmaBarrier,fma2Barriersx16 timeout 15 bash .gpu/run.sh node \
    "$here/sequential-floor.mjs" > "$OUT_DIR/floor.txt" 2>&1
  grep "^floor" "$OUT_DIR/floor.txt" | sed 's/ for 65,536 steps.*//'
fi
run p4 linear-recurrent=split,linear-attention=split-1b,linear-chunked=split-rp1 \
  --forms "$U" --tokens "$TOKENS" --verify
run p5 linear-recurrent=staged,linear-attention=split,linear-chunked=split-tb32 \
  --forms "$U" --tokens "$TOKENS" --verify --feature-map identity --no-normalize
run p6 linear-recurrent=staged,linear-attention=split \
  --forms linear-recurrent,linear-attention --tokens 16384 --heads 1
run p7 linear-recurrent=split,linear-attention=split-tb32-1b,linear-chunked=split-cb4 \
  --forms "$U" --tokens "$TOKENS" --verify
echo "done at $((SECONDS - start)) s"

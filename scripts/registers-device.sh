#!/usr/bin/env bash
# Call A (2026-12-02): the lead's kernel changes (named registers instead of function-scope arrays;
# lead.mjs) against main (main.mjs) and, for softmax-flash, the cleanup commit alone (cleanup.mjs).
#   OUT_DIR=<dir> TIME_S=<cap> bash .gpu/callA/device.sh
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?}"
TIME_S=${TIME_S:-300}
T_LIN=${T_LIN:-4096,16384,65536}
T_SM=${T_SM:-4096,16384}
T_128=${T_128:-4096,16384}
XCHECK=${XCHECK:-16384}
start=$SECONDS
log=$OUT_DIR/log.txt
left() { echo $((TIME_S - 5 - (SECONDS - start))); }
run() { # name bundle args...
  local name=$1 bundle=$2
  shift 2
  local t
  t=$(left)
  [ -n "${CAP:-}" ] && [ "$CAP" -lt "$t" ] && t=$CAP
  if [ "$t" -lt 10 ]; then echo "skip $name: $t s left" | tee -a "$log"; return; fi
  timeout "$t" bash .gpu/run.sh node "$here/$bundle.mjs" "$@" --json "$OUT_DIR/$name.json" \
    > "$OUT_DIR/$name.txt" 2>&1
  echo "== $name ($bundle): exit $? at $((SECONDS - start)) s" | tee -a "$log"
}
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader > "$OUT_DIR/env.txt" 2>&1
date -u +%FT%TZ >> "$OUT_DIR/env.txt"
# 1. Correctness of the changed kernels on the card.
[ "${VERIFY:-1}" = 1 ] && CAP=100 run verify lead --verify --no-sweep --cross-check "$XCHECK"
grep -h "max\|FAIL\|fail" "$OUT_DIR/verify.txt" | head -30
LIN=(--forms linear-chunked,gated-chunked,linear-recurrent,gated-recurrent --tokens "$T_LIN"
  --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
IDN=(--forms linear-chunked,gated-chunked,linear-recurrent --feature-map identity --no-normalize
  --tokens "$T_LIN" --samples 5 --rounds 1 --budget-ms 1500 --settle-clocks)
SM=(--forms softmax-flash --tokens "$T_SM" --samples 5 --rounds 1 --budget-ms 3000 --settle-clocks)
S128=(--forms softmax-flash --dim 128 --tokens "$T_128" --samples 5 --rounds 1 --budget-ms 3000 --settle-clocks)
# 2. Bundles interleaved, order reversed in the second half (ABBA / ABCCBA).
run lin-main-1 main "${LIN[@]}"
run lin-lead-1 lead "${LIN[@]}"
run sm-main-1 main "${SM[@]}"
run sm-cleanup-1 cleanup "${SM[@]}"
run sm-lead-1 lead "${SM[@]}"
run idn-main-1 main "${IDN[@]}"
run idn-lead-1 lead "${IDN[@]}"
run idn-lead-2 lead "${IDN[@]}"
run idn-main-2 main "${IDN[@]}"
run sm-lead-2 lead "${SM[@]}"
run sm-cleanup-2 cleanup "${SM[@]}"
run sm-main-2 main "${SM[@]}"
run lin-lead-2 lead "${LIN[@]}"
run lin-main-2 main "${LIN[@]}"
run s128-main-1 main "${S128[@]}"
run s128-cleanup-1 cleanup "${S128[@]}"
run s128-cleanup-2 cleanup "${S128[@]}"
run s128-main-2 main "${S128[@]}"
# 3. Summary: form, T, median per file.
node -e '
const fs = require("fs"); const dir = process.argv[1];
const rows = {};
for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "verify.json").sort()) {
  let j; try { j = JSON.parse(fs.readFileSync(dir + "/" + f)); } catch { continue; }
  const recs = Array.isArray(j) ? j : j.records ?? [];
  for (const r of recs) {
    if (r.task && r.task !== "forward") continue;
    const key = f.replace(/-[0-9]\.json$/, "") + " " + r.form + " " + r.tokens;
    (rows[key] ??= []).push(r.status === "ok" ? (r.medianMs ?? r.ms ?? r.median) : r.status);
  }
}
for (const [k, v] of Object.entries(rows)) console.log(k, v.map((x) => typeof x === "number" ? x.toFixed(4) : x).join(" "));
' "$OUT_DIR" 2>&1 | tee "$OUT_DIR/summary.txt" | head -80
echo "callA done at $((SECONDS - start)) s"

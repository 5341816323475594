#!/usr/bin/env bash
# Stages the dispatch-floor call (scripts/dispatch-floor-device.sh) and prints what to pass to the
# device tool's `run`:
#
#   bash scripts/dispatch-floor-run.sh [CHECKOUT]
#
# CHECKOUT is the checkout the device tool sends (default: this one); it needs .gpu/run.sh,
# .gpu/node.xz and .gpu/node_modules/webgpu (Node and Dawn packed for a bare machine). The bench
# CLI is bundled into CHECKOUT/.gpu/floor/bench.mjs, checked to hold --dispatch-floor, and the
# device script and torch-anchor.py are copied beside it.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dest=$(cd "${1:-$repo}" && pwd)
stage=$dest/.gpu/floor
for f in run.sh node.xz node_modules/webgpu/package.json; do
  [ -e "$dest/.gpu/$f" ] || {
    echo "dispatch-floor-run: $dest/.gpu/$f is missing; pack Node and Dawn into .gpu/ first." >&2
    exit 1
  }
done
commit=$(git -C "$repo" rev-parse --short HEAD)
dirty=
git -C "$repo" diff --quiet HEAD -- src || dirty=" (src/ has changes not in $commit; the bundle holds them)"
(cd "$repo" && BENCH_OUT_DIR="$stage" npx vite build --config vite.bench.config.ts)
grep -q 'dispatch-floor' "$stage/bench.mjs" && grep -q 'dispatch-floor/' "$stage/bench.mjs" || {
  echo "dispatch-floor-run: $stage/bench.mjs does not hold the dispatch-floor probe." >&2
  exit 1
}
cp "$repo/scripts/dispatch-floor-device.sh" "$repo/scripts/torch-anchor.py" "$stage/"
day=$(date -u +%Y-%m-%dT%H%M)
cat << EOF
Staged $stage ($(ls "$stage" | tr '\n' ' ')); built from $commit$dirty.

The call (a minute or two to start a machine, then at most DEADLINE_S = 110 s):
  run  command:   bash .gpu/floor/dispatch-floor-device.sh
       carry:     [".gpu"]
       timeout_s: 150

Then, in this repository:
  mkdir -p data/runs/$day-h200-floor && tar -xzf <files_at>/floor.tar.gz -C data/runs/$day-h200-floor
EOF

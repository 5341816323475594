#!/usr/bin/env bash
# Prepares the one GPU call behind data/reference-h200.json and prints what to pass to the device
# tool's `run`. Reusable: after a kernel changes, run this again, make the call, then follow the
# steps it prints (docs/PERFORMANCE.md, "Reproducing the reference data").
#
#   bash scripts/gpu-reference-run.sh [CHECKOUT]
#
# CHECKOUT is the checkout the device tool sends (default: this one). It needs .gpu/run.sh,
# .gpu/node.xz and .gpu/node_modules/webgpu (Node and Dawn packed for a bare machine) and, for
# flash-linear-attention, its wheels in .whl/ (fla-core and flash-linear-attention 0.5.2). The
# bench CLI is bundled into CHECKOUT/.gpu/reference/ with the scripts it needs there
# (gpu-reference-device.sh, the device-common.sh it sources, torch-anchor.py).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dest=$(cd "${1:-$repo}" && pwd)
stage=$dest/.gpu/reference
for f in run.sh node.xz node_modules/webgpu/package.json; do
  [ -e "$dest/.gpu/$f" ] || {
    echo "gpu-reference-run: $dest/.gpu/$f is missing; pack Node and Dawn into .gpu/ first." >&2
    exit 1
  }
done
# The commit the bundle is built from, named now: HEAD may move on before the dataset is made, and
# the dataset records which commit's kernels it measured (make-reference-data.mjs --commit).
commit=$(git -C "$repo" rev-parse --short HEAD)
dirty=
git -C "$repo" diff --quiet HEAD -- src || dirty="
WARNING: src/ has changes not in $commit; the bundle holds them, the dataset's --commit will not.
Commit them and run this again."
(cd "$repo" && BENCH_OUT_DIR="$stage" npx vite build --config vite.bench.config.ts)
# The WGSL SGEMM ceiling probe beside it (step 1e of the device script); its own build empties
# its folder, so it is built elsewhere and copied in.
sgemm_tmp=$(mktemp -d)
(cd "$repo" && SGEMM_OUT_DIR="$sgemm_tmp" npx vite build --config scripts/vite-sgemm-probe.config.ts)
cp "$sgemm_tmp/sgemm-probe.mjs" "$stage/" && rm -rf "$sgemm_tmp"
# The device script sources device-common.sh from its own folder: it travels beside it.
cp "$repo/scripts/gpu-reference-device.sh" "$repo/scripts/device-common.sh" \
  "$repo/scripts/torch-anchor.py" "$stage/"
# Counted without ls: with no wheels, ls fails and pipefail would end the script before it prints.
shopt -s nullglob
whl=("$dest"/.whl/*.whl)
wheels=${#whl[@]}
day=$(date -u +%Y-%m-%dT%H%M)
cat << EOF
Staged $stage ($(ls "$stage" | tr '\n' ' ')); $wheels wheel(s) in $dest/.whl; built from $commit.$dirty

The call (about 2 minutes to start a machine, then at most DEADLINE_S = 280 s):
  run  command:   ROUNDS=5 DEADLINE_S=280 bash .gpu/reference/gpu-reference-device.sh
       carry:     [".gpu", ".whl"]
       timeout_s: 310

Then, in this repository:
  mkdir -p data/runs/$day-h200 && tar -xzf <files_at>/reference.tar.gz -C data/runs/$day-h200
  node scripts/make-reference-data.mjs --bench data/runs/$day-h200/bench.json \\
    --torch data/runs/$day-h200/torch.json --machine "NVIDIA H200" --commit $commit \\
    --command "ROUNDS=5 DEADLINE_S=280 bash .gpu/reference/gpu-reference-device.sh (scripts/gpu-reference-run.sh)"
  node scripts/update-readme-numbers.mjs && npm run build   # numbers in README and article from data/
  # then say in data/runs/README.md which files the dataset came from, and remove the old call's
  # directory (git history keeps it): the dataset is one call, never a merge.
EOF

# What the device scripts share, sourced (not run) from the folder of the script that sources it:
#   here=$(cd "$(dirname "$0")" && pwd)
#   . "$here/device-common.sh"
# scripts/gpu-reference-run.sh copies it beside gpu-reference-device.sh into .gpu/reference/;
# triton-cache-device.sh sources it from scripts/. It sets no shell options: the scripts keep
# `set -uo pipefail` (no -e: a failed step is reported and the call goes on).
# The recorded copies of older scripts under data/runs/ define these steps inline.

# This file's folder: where a staged script and its bundles lie (.gpu/reference/).
device_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Seconds are counted from here: the scripts source this first.
device_start=$SECONDS

# Seconds since the script started.
elapsed() {
  echo $((SECONDS - device_start))
}

# "NAME exit RC after S s" for the command just run (a pipeline: its pipefail status); call it
# right after the command, so that $? is still that command's. Returns the same status.
report() {
  local rc=$?
  echo "$1 exit $rc after $(elapsed) s"
  return "$rc"
}

# Node through the packed .gpu/run.sh (it unpacks Node and Dawn on a bare machine), for scripts
# staged in a folder of .gpu/: gpu_node bench.mjs --verify ...
gpu_node() {
  bash "$device_dir/../run.sh" node "$@"
}

# flash-linear-attention's wheels from DIR (.whl/ of the checkout) into /tmp/site, put on
# PYTHONPATH. Non-zero, installing nothing, when DIR holds no wheel; else pip's status.
install_wheels() {
  local wheels=("$1"/*.whl)
  [ -e "${wheels[0]-}" ] || return 1
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site \
    "${wheels[@]}" && export PYTHONPATH=/tmp/site
}

# The lines env.txt starts with: the time (UTC), the card and its driver, PyTorch's and Triton's
# versions.
describe_machine() {
  date -u +%Y-%m-%dT%H:%M:%SZ
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
  python3 -c 'import torch, triton; print("torch", torch.__version__, "cuda", torch.version.cuda, "triton", triton.__version__)'
}

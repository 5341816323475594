#!/usr/bin/env bash
# Runs ON the GPU machine (staged as .gpu/mqar/device.sh beside train.mjs from `npm run build:train`,
# mqar-summary.mjs and COMMIT): the MQAR reference sweep behind data/learning-h200.json.
#   OUT_DIR=<empty folder> TIME_S=<cap, s> bash .gpu/mqar/device.sh
# SETTINGS (one line per process: "name pairs d_model lr [key=value ...]", keys bundle, forms, seed,
# steps) train at once, each its forms in a row (default softmax, linear, gated) on the one GPU: the processes share it, so their steps per second
# are not speeds of the trainer alone. Every run plans STEPS steps and stops early at its share of
# TIME_S (the JSON then records the steps taken); each process rewrites its JSON after every run.
# The bundle is train.mjs unless a line names another: train-old.mjs, when staged, is the trainer
# of an earlier commit (COMMIT-old), run beside the current one as a check and a fallback.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${OUT_DIR:?OUT_DIR must name the folder the results go to}"
TIME_S=${TIME_S:-180}
STEPS=${STEPS:-2000}
SEED=${SEED:-1}
BATCH=${BATCH:-32}
# One process per run: the widget's default (4 pairs, width 32), twice the pairs, four times the
# width. Call 1a (12 processes, forms in a row, 3,000 steps planned) stopped every run at its time
# share; softmax reached full recall at 4 pairs within 500 steps; at 16 or 32 pairs no form got
# past about a tenth of the answers in the 140 to 380 steps those runs got.
SETTINGS=${SETTINGS:-"p4-d32-softmax 4 32 3e-3 forms=softmax
p4-d32-linear 4 32 3e-3 forms=linear
p4-d32-gated 4 32 3e-3 forms=gated
p8-d32-softmax 8 32 3e-3 forms=softmax
p8-d32-linear 8 32 3e-3 forms=linear
p8-d32-gated 8 32 3e-3 forms=gated
p4-d128-softmax 4 128 3e-3 forms=softmax
p4-d128-linear 4 128 3e-3 forms=linear
p4-d128-gated 4 128 3e-3 forms=gated"}
start=$SECONDS
processes=$(printf '%s\n' "$SETTINGS" | grep -c .)
# A process's runs share TIME_S less 40 s (unpacking, Dawn's start-up, pipelines, the summary).
FORMS=${FORMS:-softmax,linear,gated}
{
  date -u +%Y-%m-%dT%H:%M:%SZ
  echo "commit $(cat "$here/COMMIT" 2>/dev/null || echo unknown)"
  [ -f "$here/COMMIT-old" ] && echo "commit of train-old.mjs $(cat "$here/COMMIT-old")"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
  echo "TIME_S=$TIME_S STEPS=$STEPS SEED=$SEED BATCH=$BATCH FORMS=$FORMS processes=$processes"
} > "$OUT_DIR/env.txt"
cat "$OUT_DIR/env.txt"
# Unpack Node and the Vulkan loader once, before the processes start (run.sh is not safe to
# unpack from several processes at once).
timeout 60 bash "$here/../run.sh" node --version > /dev/null || echo "run.sh failed to start node"
note="One of $processes processes that trained at once on one GPU (each its runs in a row); steps per second are shared, not the trainer's speed."
while read -r name pairs dmodel lr extra; do
  [ -n "$name" ] || continue
  bundle=train.mjs forms=$FORMS seed=$SEED steps=$STEPS
  for kv in $extra; do
    case $kv in
      bundle=* | forms=* | seed=* | steps=*) declare "$kv" ;;
      *) echo "$name: unknown setting $kv" ;;
    esac
  done
  [ -f "$here/$bundle" ] || { echo "$name: no $bundle"; continue; }
  runs=$(($(tr -cd , <<< "$forms" | wc -c) + 1))
  per_run=$(((TIME_S - 40) / runs))
  echo "$name: pairs $pairs, d_model $dmodel, lr $lr, $forms, seed $seed, $steps steps, $bundle, ${per_run} s a run" >> "$OUT_DIR/env.txt"
  timeout $((TIME_S - 20)) bash "$here/../run.sh" node "$here/$bundle" \
    --forms "$forms" --pairs "$pairs" --d-model "$dmodel" --lr "$lr" \
    --steps "$steps" --seconds "$per_run" --batch "$BATCH" --layers 2 --heads 2 --seed "$seed" \
    --every 250 --machine "NVIDIA H200" --note "$note" --json "$OUT_DIR/mqar-$name.json" \
    > "$OUT_DIR/mqar-$name.log" 2>&1 &
done <<< "$SETTINGS"
wait
echo "sweep done after $((SECONDS - start)) s"
for log in "$OUT_DIR"/mqar-*.log; do
  [ -s "${log%.log}.json" ] || { echo "${log##*/} (no JSON):"; tail -n 2 "$log"; }
done
timeout 15 bash "$here/../run.sh" node "$here/mqar-summary.mjs" "$OUT_DIR"/mqar-*.json

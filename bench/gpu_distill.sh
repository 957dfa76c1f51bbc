#!/bin/bash
# The prepared device run for the default's last route to its target (docs/models.md, "Distillation"):
# a wide AWD-LSTM teacher trained on one GPU, then the shipped network distilled from it on lines.
# It has not run on a GPU yet: no device machine has been lent since it was written.
#
# Here, once, on the CPU machine (after `make data`): the encoded data and the shipped network's float
# weights, without the optimizer, into runs/gpu-in (41 MB; the working tree travels up to 64 MiB):
#     bash bench/gpu_distill.sh prepare DATA_RUN FLOAT_CHECKPOINT
# DATA_RUN is a run folder whose vocabulary was built from chitchat's text (--min-count 2 --max-vocab
# 12000, the defaults), not taken from a checkpoint: `nextword train --out-dir runs/data --max-steps 1`
# makes one. The teacher trains on its vocab.json, train_ids.npy, valid_ids.npy and data.json.
# FLOAT_CHECKPOINT is the network to distil, a run's best.pt; `nextword unbundle resources/model --out F`
# makes one from the bundle (int8 weights, made float).
# On the device, one `run` call with carry ["runs/gpu-in"] and timeout_s 600:
#     bash bench/gpu_distill.sh train
# It fits nine minutes: each stage's first 100 steps (its warm-up) time it, and it then runs the whole
# epochs that fit its minutes (TEACHER_MINUTES, LINES_MINUTES, STUDENT_MINUTES), with a --max-minutes
# backstop. What comes back in $OUT (at most 16 MiB a file): the three
# runs' run.json and logs, and the student's weights in half precision (student.pt, 14 MB). Then here,
# from the folder they came back to: `nextword release DIR/student.pt --out B/nextword.pt ...`, export and
# eval as the model card's last steps do, and ship it only by the rule every default met.
set -euo pipefail
cd "$(dirname "$0")/.."
IN=${IN:-runs/gpu-in}
RUNS=${RUNS:-runs/gpu}
if [ -x .venv/bin/python ]; then PYTHON=${PYTHON:-.venv/bin/python}; else PYTHON=${PYTHON:-python3}; fi  # the device: python3
NEXTWORD=${NEXTWORD:-$PYTHON -m engine.cli}
DEVICE=${DEVICE:-cuda}
TEACHER_SIZES=${TEACHER_SIZES:---embed-dim 512 --hidden-size 1536 --num-layers 2}
TEACHER_REGULARISATION=${TEACHER_REGULARISATION:---dropout 0.4 --variational-dropout --weight-dropout 0.3 --embedding-dropout 0.1}
STUDENT_REGULARISATION="--dropout 0.3 --variational-dropout --weight-dropout 0.2 --embedding-dropout 0.05"
TEACHER_MINUTES=${TEACHER_MINUTES:-4.0}
LINES_MINUTES=${LINES_MINUTES:-1.0}
STUDENT_MINUTES=${STUDENT_MINUTES:-2.0}
TIMING_STEPS=${TIMING_STEPS:-100}  # each stage's warm-up, and the steps that time it
DATA_FLAGS=${DATA_FLAGS:-}  # the --data and --valid the encoded text was made from, when not chitchat's
DATA_FILES="vocab.json train_ids.npy valid_ids.npy data.json"

slim_copy() {  # SOURCE TARGET float|half: a checkpoint's weights and records, without optimizer or running mean
    "$PYTHON" - "$@" <<'PY'
import sys
import torch
source, target, precision = sys.argv[1:]
payload = torch.load(source, map_location="cpu", weights_only=True)
if "model_int8" in payload:
    sys.exit(f"{source}: a release (int8); give the run's best.pt or `nextword unbundle`'s")
if precision == "half":  # 14 MB, under the 16 MiB a file that comes back from the device
    tied = payload["model_config"].get("tie_weights")  # the loader ties head.weight to embed.weight again
    payload["model"] = {name: tensor.half() for name, tensor in payload["model"].items()
                        if not (tied and name == "head.weight")}
keep = ("format", "version", "model", "model_config", "vocab", "train_config", "data_hash", "start_state", "progress")
torch.save({key: payload[key] for key in keep if key in payload}, target)
PY
}

prepare() {
    local run=$1 weights=$2
    if ! grep -q '"min_count"' "$run/data.json"; then
        echo "$run/data.json: its vocabulary came from a checkpoint, and the teacher needs one built from the" \
             "text; give a folder of \`nextword train --out-dir runs/data --max-steps 1\`" >&2
        exit 2
    fi
    mkdir -p "$IN"
    for file in $DATA_FILES; do cp "$run/$file" "$IN/"; done
    slim_copy "$weights" "$IN/student.pt" float
    du -ch "$IN"/* | tail -1
}

run_folder() {  # a new run folder that trains on the carried encoded data (the device has no chitchat text)
    mkdir -p "$1"
    for file in $DATA_FILES; do cp "$IN/$file" "$1/"; done
}

sized_run() {  # DIR MINUTES LOG FLAGS...: a short timing run, then resumed for the whole epochs that fit MINUTES
    local dir=$1 minutes=$2 log=$3 epochs
    shift 3
    # The timing steps are the warm-up's, which is the same whatever the epochs: resumed with the epochs
    # that fit, the run follows the schedule of one uninterrupted run.
    $NEXTWORD train --out-dir "$dir" --epochs 100 --max-steps "$TIMING_STEPS" --warmup-steps "$TIMING_STEPS" "$@" \
        > "$log" 2>&1
    epochs=$("$PYTHON" - "$dir/run.json" "$minutes" <<'PY'
import json, sys
record, minutes = json.load(open(sys.argv[1])), float(sys.argv[2])
per_step = record["train_seconds"] / record["steps"]
per_epoch = record["steps"] / record["epochs_completed"]
print(max(1, int(minutes * 60 / (per_step * per_epoch))))
PY
)
    echo "$dir: $epochs epochs" | tee -a "$log"
    $NEXTWORD train --out-dir "$dir" --resume --epochs "$epochs" --max-steps 0 \
        --max-minutes "$("$PYTHON" -c "print(round($minutes * 1.1, 2))")" >> "$log" 2>&1
}

train() {
    local out=${OUT:-$RUNS/out} teacher=$RUNS/teacher
    export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1  # keeps a carried wheels folder
    mkdir -p "$out"
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader > "$out/gpu.txt" 2>&1 || true
    local common="$DATA_FLAGS --device $DEVICE --checkpoint-every 1000000 --patience 100"
    local lines="--layout lines --context-messages 2 --lr 1e-3 --eval-every 500"
    run_folder "$teacher"
    sized_run "$teacher" "$TEACHER_MINUTES" "$out/teacher.log" $common $TEACHER_SIZES $TEACHER_REGULARISATION \
        --batch-size 64 --lr 2e-3 --eval-every 1000000
    cp "$teacher/run.json" "$out/teacher.json"
    sized_run "$RUNS/teacher-lines" "$LINES_MINUTES" "$out/teacher-lines.log" $common $lines \
        --init-from "$teacher/best.pt" $TEACHER_REGULARISATION
    cp "$RUNS/teacher-lines/run.json" "$out/teacher-lines.json"
    sized_run "$RUNS/student" "$STUDENT_MINUTES" "$out/student.log" $common $lines \
        --init-from "$IN/student.pt" --teacher "$RUNS/teacher-lines/best.pt" --distill-weight 0.5 $STUDENT_REGULARISATION
    cp "$RUNS/student/run.json" "$out/student.json"
    slim_copy "$RUNS/student/best.pt" "$out/student.pt" half
    ls -la "$out"
}

case ${1:-} in
    prepare) [ $# -eq 3 ] || { echo "usage: bash bench/gpu_distill.sh prepare DATA_RUN FLOAT_CHECKPOINT" >&2; exit 2; }
             prepare "$2" "$3" ;;
    train) train ;;
    *) echo "usage: bash bench/gpu_distill.sh prepare DATA_RUN FLOAT_CHECKPOINT | train" >&2; exit 2 ;;
esac

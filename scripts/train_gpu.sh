#!/usr/bin/env bash
# A GPU pass: 256 px crops, batch 8, bf16 autocast, a wall-time budget per run (the cards record the steps
# reached), presets and the no-GAN ablation trained side by side on the one GPU.
#   SHARED=../shared bash scripts/train_gpu.sh      # about 8 minutes on one H200
# Not what ships yet: its one run (fp16 autocast and the old style loss, both since replaced) saturated G to black
# (README); this recipe has not been rerun on a GPU since.
set -euo pipefail
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}  # ten trainers share the CPU cores
export SIZE=${SIZE:-256} BATCH=${BATCH:-8} STEPS_U=${STEPS_U:-100000} STEPS_P=${STEPS_P:-100000} CKPT=${CKPT:-500}
export MINUTES_U=${MINUTES_U:-3.5} MINUTES_P=${MINUTES_P:-3} SAMPLE_U=${SAMPLE_U:-2000} SAMPLE_P=${SAMPLE_P:-1000} PARALLEL=1
exec bash "$(dirname "$0")/train_styles.sh"

#!/usr/bin/env bash
# The GPU pass: 256 px crops, batch 8, bf16 autocast, a wall-time budget per run (each card records the steps
# reached and the `--steps N` that reproduces it), all runs side by side on one GPU.
# The shipped presets, except public_domain_collection, starry_night and woman_with_hat_matisse (CPU, train_styles.sh),
# came from this. A first pass, on one H200:
#   python scripts/pack_gpu_data.py && SHARED=.gpu/shared STAGE=presets,ablation LAYOUT_W=20 SAT_W=0 MINUTES_P=2.4 \
#     ONLY="starry_night the_scream shipwreck woman_with_hat_matisse mondrian great_wave the_bedroom starry_night_noadv" \
#     bash scripts/train_gpu.sh
# with two more runs (--layout-weight 40, not shipped) beside them: ten trainers reached 600-625 steps each (great_wave
# and the_bedroom ship from it; its starry_night shipped until stop 14).
# (SAT_W=0: the saturation loss came later. the_scream, shipwreck and woman_with_hat_matisse then went through train_styles.sh's repair stage.)
# A second pass, on one H100 with the saturation loss on from the start (SAT_W=1, the default), gave the universal
# model below (1135 steps, from scratch), models/mondrian (1175 steps) and, through train_styles.sh's repair stage with
# REPAIR_PASS=2, the_scream of commit 334879e (1179 steps). Two invocations side by side, OMP_NUM_THREADS=1:
#   SHARED=.gpu/shared STAGE=universal MINUTES_U=6.5 bash scripts/train_gpu.sh
#   SHARED=.gpu/shared STAGE=presets,ablation MINUTES_P=6.5 PARALLEL=1 bash scripts/train_gpu.sh
# with three probes beside them (README): 14 trainers, ~1170 steps each. Its presets started from the universal
# model of commit ca7f03b (the one the second pass replaced), as every other shipped preset did.
# A third pass trained that universal model on alone (1564 steps, 12 steps/s), into runs/universal3:
#   python train.py --arbitrary --init-from models/universal --style runs/universal_styles --out runs/universal3 \
#     --name 'universal (any style)' --steps 100000 --max-minutes 2.2 --lr 5e-4 --content-dir .gpu/shared/data/content/train \
#     --size 256 --batch 8 --style-weight 10 --layout-weight 20 --saturation-weight 1
# and train_styles.sh's repair stage (runs/gpu3_universal = its model) made the universal model of commit 7b17c14.
# A fourth pass, on one H100, trained that model on into commit 334879e's universal (1435 steps), beside the presets
# and ablation from it at the repair's weights and three probes: 14 trainers, ~1300 steps each (the universal model's
# card has its exact command). Its the_scream and shipwreck (a probe) ship after train_styles.sh's repair stage with
# REPAIR_PASS=4; its other presets do not (README):
#   SHARED=.gpu/shared STAGE=presets,ablation CONTENT_W=3 LAYOUT_W=60 DOMAIN_LAYOUT_W=60 MINUTES_P=7.2 bash scripts/train_gpu.sh
#   python train.py --arbitrary --init-from models/universal --style runs/universal_styles --out runs/universal4 \
#     --name 'universal (any style)' --steps 100000 --max-minutes 7.2 --lr 5e-4 --content-dir .gpu/shared/data/content/train \
#     --size 256 --batch 8 --content-weight 3 --layout-weight 60 --saturation-weight 1
# A fifth pass, on one H200, trained that universal model on for 1101 steps with the same command (--max-minutes 2.2)
# into the shipped models/universal, beside two variants (style weight 20; lr 2e-4), not shipped (README).
# Next, not run yet: stop 17's CPU runs (docs/experiments.md, "What does not close the gap at this budget") found the style distance
# set by the crops G sees, not by its width, batch or schedule; every pass so far shared the GPU among 3-14 trainers.
# One preset alone, for most of a session's device time (the third pass ran 12 steps/s alone at batch 8: ~46k crops
# of 256 px in 8 minutes, 4-5x what any shipped model saw), with the CPU recipe's weights, e.g.:
#   python train.py --init-from models/universal --style .gpu/shared/data/styles/starry_night.jpg --out runs/gpu6_starry_night \
#     --name starry_night --steps 100000 --max-minutes 8 --lr 1e-3 --content-dir .gpu/shared/data/content/train --size 256 \
#     --batch 8 --content-weight 3 --layout-weight 60 --saturation-weight 1 --ckpt-every 500 --sample-every 1000
# and, beside it if the device allows, the same with --discriminator features (stop 19: D on VGG16 features beat no GAN
# on the distribution and the classes at 200-1000 CPU steps, and its Gram gap to no GAN narrowed with the budget, 4.5% ->
# 0.9%; docs/experiments.md, "A discriminator on VGG16 features").
set -euo pipefail
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}  # ten trainers share the CPU cores
export SIZE=${SIZE:-256} BATCH=${BATCH:-8} STEPS_U=${STEPS_U:-100000} STEPS_P=${STEPS_P:-100000} CKPT=${CKPT:-500}
export MINUTES_U=${MINUTES_U:-3} MINUTES_P=${MINUTES_P:-2.4} SAMPLE_U=${SAMPLE_U:-2000} SAMPLE_P=${SAMPLE_P:-1000} PARALLEL=1
exec bash "$(dirname "$0")/train_styles.sh"

#!/usr/bin/env bash
# The GPU pass: 256 px crops, batch 8, bf16 autocast, a wall-time budget per run (each card records the steps
# reached and the `--steps N` that reproduces it), all runs side by side on one GPU.
# The shipped presets, except public_domain_collection, starry_night and woman_with_hat_matisse (CPU, train_styles.sh),
# came from this. A first pass, on one H200:
#   PYTHONPATH=. python scripts/pack_gpu_data.py && SHARED=.gpu/shared STAGE=presets,ablation LAYOUT_W=20 SAT_W=0 MINUTES_P=2.4 \
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
# A sixth pass (stop 20), on one H200, tested stop 17's finding that the style distance is set by the crops G sees:
# starry_night at the CPU recipe's weights, 256 px, batch 16, three trainers side by side for 8.2 min each
# (OMP_NUM_THREADS=4; the GPU at 90%): ~3400 steps, 54k crops each, 5x the fourth pass. models/starry_night is the
# one with D on VGG16 features (its card has the exact command); beside it the same command with the pixel D and
# with --adv-weight 0 (README, "Does the GAN earn its place?"). Through this script (the feature-D run and its no-GAN twin):
#   PYTHONPATH=. python scripts/pack_gpu_data.py && SHARED=.gpu/shared STAGE=presets,ablation ONLY="starry_night starry_night_noadv" \
#     BATCH=16 CONTENT_W=3 LAYOUT_W=60 DISC=features MINUTES_P=8.2 OMP_NUM_THREADS=4 bash scripts/train_gpu.sh
# A seventh pass (stop 34), on one H200: four shipped presets trained on from their shipped weights, at the weights of
# the stage each last came from (the_scream and shipwreck: content 3; woman_with_hat_matisse and the_bedroom: content 10
# with the colour spread loss), D on VGG16 features, 256 px, batch 16, four trainers side by side for 8.5 min each
# (OMP_NUM_THREADS=4; the GPU at 35-100% busy, not saturated): 2368-2421 steps, ~38k crops each:
#   PYTHONPATH=. python scripts/pack_gpu_data.py && SHARED=.gpu/shared STAGE=onward PARALLEL=1 MINUTES_P=8.5 BATCH=16 \
#     SIZE=256 CKPT=100000 GRIDS=0 STEPS_P=100000 OMP_NUM_THREADS=4 bash scripts/train_styles.sh
# (the models' cards have each run's exact command). 14-20% closer to the paintings, but fewer photos' classes and, for
# the_scream and shipwreck, larger colour patches; all four ship, three after train_styles.sh's CPU stage winback (README).
# Next: the same for the other presets (each alone or three to a GPU), and a second seed of the three starry_night runs;
# and the universal model the same way (STAGE=universal BATCH=16, alone on the GPU): on the CPU its polish no longer
# moves it (stop 32: 400-800 steps at 128 px, 200 at 256 px, all within 3% of its Gram distance).
set -euo pipefail
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}  # ten trainers share the CPU cores
export SIZE=${SIZE:-256} BATCH=${BATCH:-8} STEPS_U=${STEPS_U:-100000} STEPS_P=${STEPS_P:-100000} CKPT=${CKPT:-500}
export MINUTES_U=${MINUTES_U:-3} MINUTES_P=${MINUTES_P:-2.4} SAMPLE_U=${SAMPLE_U:-2000} SAMPLE_P=${SAMPLE_P:-1000} PARALLEL=1
exec bash "$(dirname "$0")/train_styles.sh"

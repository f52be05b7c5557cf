#!/usr/bin/env bash
# The exact recipe for the bundled models (models/). Each stage resumes from its checkpoint if rerun,
# so a run cut off by the end of a session continues where it stopped: just run the script again.
#   STAGE=universal|presets|ablation|all  SHARED=../shared  bash scripts/train_styles.sh
# On a GPU, add e.g. SIZE=256 STEPS_U=4000 for a higher-resolution pass.
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${SHARED:-../shared}
PY=${PY:-python}
SIZE=${SIZE:-128}
STEPS_U=${STEPS_U:-300}      # universal model
STEPS_P=${STEPS_P:-80}       # each preset, fine-tuned from the universal model
STAGE=${STAGE:-all}
export SEMSTYLE_VGG_WEIGHTS=${SEMSTYLE_VGG_WEIGHTS:-$SHARED/weights/vgg16_imagenet_features.safetensors}
CONTENT=$SHARED/data/content/train   # never the eval photos
HELD_OUT="la_muse sketch brushstrokes frida_kahlo"  # unseen by every model: the universal model is judged on them

universal_styles() {  # the public-domain collection + the dev styles, minus the held-out ones
  local d=runs/universal_styles
  rm -rf "$d" && mkdir -p "$d"
  for f in "$SHARED"/data/styles_public_domain/*.jpg "$SHARED"/data/styles/*.jpg; do
    case " $HELD_OUT " in *" $(basename "${f%.*}") "*) continue ;; esac
    ln -s "$(realpath "$f")" "$d/$(basename "$f")"
  done
  echo "$d"
}

timed() { local t0=$SECONDS; "$@"; echo "$* :: $((SECONDS - t0)) s wall" | tee -a runs/times.log; }

mkdir -p runs models
if [[ $STAGE == universal || $STAGE == all ]]; then
  timed $PY train.py --arbitrary --content-dir "$CONTENT" --style "$(universal_styles)" --out runs/universal \
    --name "universal (any style)" --steps "$STEPS_U" --size "$SIZE" --batch 4 --lr 5e-4 --ckpt-every 25 --sample-every 100 --resume
  rm -rf models/universal && cp -r runs/universal/model models/universal
fi

preset() {  # name, style image or folder, extra train.py flags...
  local name=$1 style=$2
  shift 2
  timed $PY train.py --init-from models/universal --content-dir "$CONTENT" --style "$style" --out "runs/$name" --name "$name" \
    --steps "$STEPS_P" --size "$SIZE" --batch 4 --lr 1e-3 --ckpt-every 25 --sample-every 40 --resume "$@"
}
ship() { rm -rf "models/$1" && cp -r "runs/$1/model" "models/$1"; }

if [[ $STAGE == presets || $STAGE == all ]]; then
  for s in starry_night the_scream shipwreck woman_with_hat_matisse mondrian; do
    preset "$s" "$SHARED/data/styles/$s.jpg" && ship "$s"
  done
  preset public_domain_collection "$SHARED/data/styles_public_domain" && ship public_domain_collection  # a domain: D learns the collection
  preset great_wave "$SHARED/data/styles_public_domain/artic_24645.jpg" && ship great_wave     # Hokusai, public domain
  preset the_bedroom "$SHARED/data/styles_public_domain/artic_28560.jpg" && ship the_bedroom   # van Gogh, public domain
fi

if [[ $STAGE == ablation || $STAGE == all ]]; then  # the same preset budget without the adversarial loss (not shipped)
  preset starry_night_noadv "$SHARED/data/styles/starry_night.jpg" --adv-weight 0
  preset public_domain_collection_noadv "$SHARED/data/styles_public_domain" --adv-weight 0
fi

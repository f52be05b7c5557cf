"""Domain-style ablation: how close each model's outputs come to a whole style collection.

python -m bench.domain --models models/public_domain_collection runs/public_domain_collection_noadv/model \
    --collection ../shared/data/styles_public_domain --n-content 6

A domain preset has no single style image, so `python -m bench` leaves it out. Here the reference is the
collection: the patch Fréchet distance on relu4_3 between all output positions and all collection positions
(the distribution metric, what D is for), the relative Gram distance to the collection's mean Gram (what the
domain's style loss trains on) and to the nearest single artwork's (the mean Gram is no artwork's), content
distance, EfficientNet-Lite0 top-1 agreement and the probability kept on the photo's class, the share of dark cells
(`metrics.dark_cell_share`: where the output is black-blotched), and the colour change and colour spread
(`metrics.colour_spread`: colour heaped in patches) as `python -m bench` reports them, each a mean over `content/eval`
photos. Prints one Markdown table and writes it to --out.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from statistics import fmean

import torch

from semstyle.vgg import load_vgg16

from bench import metrics
from bench.config import add_eval_args, default_vgg
from bench.data import image_files, load_set, spread
from bench.efficientnet import class_probabilities, load_efficientnet_lite0, patch_features
from bench.methods import load_pipeline, model_name

LAYERS = tuple(dict.fromkeys((metrics.FRECHET_LAYER, metrics.CONTENT_LAYER, *metrics.STYLE_LAYERS)))


@torch.inference_mode()
def evaluate(models: list[Path], collection: Path, content_dir: Path, n_content: int, size: int, vgg, effnet) -> list[dict]:
    art = list(load_set(image_files(collection, "collection"), size).values())
    phi_s = [vgg(x, layers=LAYERS) for x in art]
    ref = metrics.gaussian_stats(torch.cat([metrics.patch_vectors(f[metrics.FRECHET_LAYER]) for f in phi_s]))
    ref_effnet = metrics.gaussian_stats(torch.cat([patch_features(effnet, x) for x in art]))
    art_grams = {n: torch.stack([metrics.gram(f[n])[0] for f in phi_s]) for n in metrics.STYLE_LAYERS}  # (S,C,C)
    mean_gram = {n: g.mean(0, keepdim=True) for n, g in art_grams.items()}
    contents = load_set(spread(image_files(content_dir, "content"), n_content), size)
    seen = [(vgg(x, layers=LAYERS), class_probabilities(effnet, x)) for x in contents.values()]  # the same for every model
    rows = []
    for folder in models:
        pipe = load_pipeline(folder, "cpu")
        patches, patches_effnet, content, gram, nearest, top1, kept, dark, change, spread_ = ([] for _ in range(10))
        for x, (phi_x, p_x) in zip(contents.values(), seen):
            y = pipe.stylize(x).float().clamp(0, 1)
            phi_y = vgg(y, layers=LAYERS)
            patches.append(metrics.patch_vectors(phi_y[metrics.FRECHET_LAYER]))
            patches_effnet.append(patch_features(effnet, y))
            content.append(float(metrics.content_distance(phi_x, phi_y)[0]))
            gram.append(float(metrics.gram_distance_to(phi_y, mean_gram)[0]))
            nearest.append(float(metrics.gram_distance_to_nearest(phi_y, art_grams)[0]))
            p_y = class_probabilities(effnet, y)
            top1.append(float(metrics.top1_agreement(p_x, p_y)[0]))
            kept.append(float(metrics.kept_class_probability(p_x, p_y)[0]))
            dark.append(float(metrics.dark_cell_share(x, y)[0]))
            change.append(float(metrics.colour_change(x, y)[0]))
            spread_.append(float(metrics.colour_spread(x, y)[0]))
        fd = metrics.frechet_distance(*metrics.gaussian_stats(torch.cat(patches)), *ref)
        fd_effnet = metrics.frechet_distance(*metrics.gaussian_stats(torch.cat(patches_effnet)), *ref_effnet)
        rows.append({"model": model_name(folder), "patch_frechet_relu4_3": fd, "patch_frechet_effnet": fd_effnet, "gram_to_collection_mean": fmean(gram),
                     "gram_to_nearest_artwork": fmean(nearest), "content_mse_relu4_3": fmean(content), "top1_agree": fmean(top1),
                     "kept_class_prob": fmean(kept), "dark_cells": fmean(dark), "colour_change": fmean(change), "colour_spread": fmean(spread_)})
    return rows


def markdown(rows: list[dict]) -> str:
    lines = ["| model | patch Fréchet relu4_3 ↓ | patch Fréchet EfficientNet ↓ | Gram to collection mean ↓ | Gram to nearest artwork ↓ | content ↓ | top-1 ↑ | kept-class p ↑ | dark cells ↓ | colour change | colour spread ↓ |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['patch_frechet_relu4_3']:.4g} | {r['patch_frechet_effnet']:.4g} | {r['gram_to_collection_mean']:.3f} | {r['gram_to_nearest_artwork']:.3f} | {r['content_mse_relu4_3']:.0f} | {r['top1_agree']:.2f} | {r['kept_class_prob']:.3f} | {r['dark_cells']:.3f} | {r['colour_change']:.1f} | {r['colour_spread']:.2f} |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", type=Path, required=True, help="semstyle per-style model folders")
    p.add_argument("--collection", type=Path, required=True, help="the style collection the domain models learned")
    add_eval_args(p, n_content=6, size_help="max side of photos and collection images")
    p.add_argument("--out", type=Path, default=Path("bench/results/domain.md"))
    args = p.parse_args(argv)
    vgg, effnet = load_vgg16(args.vgg_weights or default_vgg(), LAYERS), load_efficientnet_lite0(args.effnet_weights)
    table = markdown(evaluate(args.models, args.collection, args.content, args.n_content, args.size, vgg, effnet))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    print(table)


if __name__ == "__main__":
    main()

"""Domain-style ablation: how close each model's outputs come to a whole style collection.

python -m bench.domain --models models/public_domain_collection runs/public_domain_collection_noadv/model \
    --collection ../shared/data/styles_public_domain --n-content 6 --gatys-photos 3

A domain preset has no single style image, so `python -m bench` leaves it out. Here the reference is the
collection: the patch Fréchet distance on relu4_3 between all output positions and all collection positions
(the distribution metric, what D is for), the relative Gram distance to the collection's mean Gram (what the
domain's style loss trains on) and to the nearest single artwork's (the mean Gram is no artwork's), content
distance, EfficientNet-Lite0 top-1 agreement and the probability kept on the photo's class, the share of dark cells
(`metrics.dark_cell_share`: where the output is black-blotched), and the colour change and colour spread
(`metrics.colour_spread`: colour heaped in patches) as `python -m bench` reports them, each a mean over `content/eval`
photos.

Two baselines score the same way: `identity` (the photo itself: how far the photos are from the collection to
begin with) and, on `--gatys-photos` of the photos (evenly spread; Gatys is slow), Gatys's optimisation against the
collection's mean Gram, the domain's own style target. A second table divides each model's distances by Gatys's
on the photos Gatys ran, as `python -m bench` does for a preset against its painting (issue 5's bar for a preset:
Gram at most 1.2× Gatys's, top-1 at least Gatys's). Prints the Markdown tables and writes them to --out, and a grid
of 6 of the photos (Gatys's, if it ran) through every method beside it (`<out stem>_grid.png`).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from statistics import fmean
from typing import Callable

import torch

from semstyle.vgg import load_vgg16

from bench import metrics, plots
from bench.config import BenchConfig, add_eval_args, default_vgg
from bench.data import image_files, load_set, spread
from bench.efficientnet import class_probabilities, load_efficientnet_lite0, patch_features
from bench.gatys import GatysConfig, gatys_to
from bench.methods import load_pipeline, model_name
from bench.quality import PRESET_TARGET, thumbnail

LAYERS = tuple(dict.fromkeys((metrics.FRECHET_LAYER, metrics.CONTENT_LAYER, *metrics.STYLE_LAYERS)))
PER_PHOTO = ("content_mse_relu4_3", "gram_to_collection_mean", "gram_to_nearest_artwork", "top1_agree", "kept_class_prob",
             "dark_cells", "colour_change", "colour_spread")
PAIRED = ("gram_to_collection_mean", "gram_to_nearest_artwork", "content_mse_relu4_3")  # divided by Gatys's
COLLECTION = "the collection"  # the grid's style column: a mosaic of the first 9 artworks


def evaluate(models: list[Path], collection: Path, content_dir: Path, n_content: int, size: int, vgg, effnet,
             gatys_photos: int = 0,
             gatys_cfg: GatysConfig = GatysConfig(steps=BenchConfig.gatys_steps, style_weight=BenchConfig.gatys_style_weight),
             grid_rows: int = 6) -> tuple[list[dict], dict]:
    """One row per method (identity, Gatys on `gatys_photos` photos if > 0, each model): the collection-level
    Fréchet distances, the per-photo means, and `per_photo` ({photo index: {metric: value}}) for the paired table;
    and thumbnails of `grid_rows` photos (of Gatys's, if it ran) through every method, for `plots.grid_plot`."""
    with torch.inference_mode():
        art = list(load_set(image_files(collection, "collection"), size).values())
        phi_s = [vgg(x, layers=LAYERS) for x in art]
        ref = metrics.gaussian_stats(torch.cat([metrics.patch_vectors(f[metrics.FRECHET_LAYER]) for f in phi_s]))
        ref_effnet = metrics.gaussian_stats(torch.cat([patch_features(effnet, x) for x in art]))
        art_grams = {n: torch.stack([metrics.gram(f[n])[0] for f in phi_s]) for n in metrics.STYLE_LAYERS}  # (S,C,C)
        mean_gram = {n: g.mean(0, keepdim=True) for n, g in art_grams.items()}
        named = load_set(spread(image_files(content_dir, "content"), n_content), size)
        names, contents = list(named), list(named.values())
        seen = [(vgg(x, layers=LAYERS), class_probabilities(effnet, x)) for x in contents]  # the same for every method

    every = list(range(len(contents)))
    shown = spread(spread(every, gatys_photos) if gatys_photos > 0 else every, grid_rows)
    thumbs = {(names[i], "", "content"): thumbnail(contents[i]) for i in shown}
    thumbs["", COLLECTION, "style"] = thumbnail(mosaic(art))

    def score(name: str, stylize: Callable[[torch.Tensor], torch.Tensor], photos: list[int]) -> dict:
        patches, patches_effnet, per_photo = [], [], {}
        for i in photos:
            x, (phi_x, p_x) = contents[i], seen[i]
            y = stylize(x).float().clamp(0, 1)
            if i in shown:
                thumbs[names[i], COLLECTION, name] = thumbnail(y)
            with torch.inference_mode():
                phi_y, p_y = vgg(y, layers=LAYERS), class_probabilities(effnet, y)
                patches.append(metrics.patch_vectors(phi_y[metrics.FRECHET_LAYER]))
                patches_effnet.append(patch_features(effnet, y))
                values = (metrics.content_distance(phi_x, phi_y), metrics.gram_distance_to(phi_y, mean_gram),
                          metrics.gram_distance_to_nearest(phi_y, art_grams), metrics.top1_agreement(p_x, p_y),
                          metrics.kept_class_probability(p_x, p_y), metrics.dark_cell_share(x, y),
                          metrics.colour_change(x, y), metrics.colour_spread(x, y))
            per_photo[i] = {k: float(v[0]) for k, v in zip(PER_PHOTO, values)}
        with torch.inference_mode():
            fd = metrics.frechet_distance(*metrics.gaussian_stats(torch.cat(patches)), *ref)
            fd_effnet = metrics.frechet_distance(*metrics.gaussian_stats(torch.cat(patches_effnet)), *ref_effnet)
        return {"model": name, "photos": len(photos), "patch_frechet_relu4_3": fd, "patch_frechet_effnet": fd_effnet,
                **{k: fmean(v[k] for v in per_photo.values()) for k in PER_PHOTO}, "per_photo": per_photo}

    rows = [score("identity", lambda x: x, every)]
    if gatys_photos > 0:
        rows.append(score(f"gatys to the collection mean ({gatys_cfg.steps} {gatys_cfg.optimizer} steps)",
                          lambda x: gatys_to(vgg, x, mean_gram, gatys_cfg), spread(every, gatys_photos)))
    for folder in models:
        pipe = load_pipeline(folder, "cpu")
        rows.append(score(model_name(folder), lambda x: pipe.stylize(x), every))
    return rows, {"thumbs": thumbs, "pairs": [(names[i], COLLECTION) for i in shown], "methods": [r["model"] for r in rows]}


def mosaic(images: list[torch.Tensor], n: int = 3, side: int = 96) -> torch.Tensor:
    """The first n×n images, each centre-cropped to a square and resized to `side`, tiled: (1,3,n·side,n·side)."""
    cells = []
    for x in images[: n * n]:
        s = min(x.shape[-2:])
        top, left = (x.shape[-2] - s) // 2, (x.shape[-1] - s) // 2
        cells.append(torch.nn.functional.interpolate(x[..., top:top + s, left:left + s], size=(side, side), mode="area"))
    cells += [torch.zeros_like(cells[0])] * (n * n - len(cells))
    return torch.cat([torch.cat(cells[r * n:(r + 1) * n], -1) for r in range(n)], -2)


def against_gatys(rows: list[dict]) -> list[dict]:
    """Each model on the photos Gatys ran: its Gram and content distances as multiples of Gatys's there, both
    sides' top-1 agreement and kept-class probability, and whether a preset's bar (`quality.PRESET_TARGET`) is met
    by its Gram distance to the collection's mean. Empty without a Gatys row."""
    base = next((r for r in rows if r["model"].startswith("gatys")), None)
    if base is None:
        return []
    photos = list(base["per_photo"])

    def mean(row: dict, key: str) -> float:
        return fmean(row["per_photo"][i][key] for i in photos)

    out = []
    for r in rows:
        if r["model"].startswith("semstyle:"):
            row = {"model": r["model"], "photos": len(photos), **{f"{k}_x_gatys": mean(r, k) / mean(base, k) for k in PAIRED},
                   "top1_agree": mean(r, "top1_agree"), "top1_agree_gatys": mean(base, "top1_agree"),
                   "kept_class_prob": mean(r, "kept_class_prob"), "kept_class_prob_gatys": mean(base, "kept_class_prob")}
            row["targets_met"] = row["gram_to_collection_mean_x_gatys"] <= PRESET_TARGET.gram and row["top1_agree"] >= row["top1_agree_gatys"]
            out.append(row)
    return out


def markdown(rows: list[dict]) -> str:
    lines = ["| model | photos | patch Fréchet relu4_3 ↓ | patch Fréchet EfficientNet ↓ | Gram to collection mean ↓ | Gram to nearest artwork ↓ | content ↓ | top-1 ↑ | kept-class p ↑ | dark cells ↓ | colour change | colour spread ↓ |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [f"| {r['model']} | {r['photos']} | {r['patch_frechet_relu4_3']:.4g} | {r['patch_frechet_effnet']:.4g} | {r['gram_to_collection_mean']:.3f} | {r['gram_to_nearest_artwork']:.3f} | {r['content_mse_relu4_3']:.0f} | {r['top1_agree']:.2f} | {r['kept_class_prob']:.3f} | {r['dark_cells']:.3f} | {r['colour_change']:.1f} | {r['colour_spread']:.2f} |" for r in rows]
    paired = against_gatys(rows)
    if paired:
        lines += ["", f"Against Gatys on the photos it ran (a preset's bar in issue 5: Gram at most {PRESET_TARGET.gram}× Gatys's, top-1 at least Gatys's):", "",
                  "| model | photos | Gram to collection mean × Gatys ↓ | Gram to nearest artwork × Gatys ↓ | content × Gatys ↓ | top-1 ↑ | Gatys top-1 | kept-class p ↑ | Gatys kept-class p | bar met |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        lines += [f"| {r['model']} | {r['photos']} | {r['gram_to_collection_mean_x_gatys']:.3f} | {r['gram_to_nearest_artwork_x_gatys']:.3f} | {r['content_mse_relu4_3_x_gatys']:.3f} | {r['top1_agree']:.2f} | {r['top1_agree_gatys']:.2f} | {r['kept_class_prob']:.3f} | {r['kept_class_prob_gatys']:.3f} | {'yes' if r['targets_met'] else 'no'} |"
                  for r in paired]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", nargs="+", type=Path, required=True, help="semstyle per-style model folders")
    p.add_argument("--collection", type=Path, required=True, help="the style collection the domain models learned")
    add_eval_args(p, n_content=6, size_help="max side of photos and collection images")
    p.add_argument("--gatys-photos", type=int, default=0, help="run Gatys against the collection's mean Gram on this many of the photos (0 = no Gatys row)")
    p.add_argument("--gatys-steps", type=int, default=BenchConfig.gatys_steps, help="Gatys L-BFGS evaluations per photo (as `python -m bench`)")
    p.add_argument("--out", type=Path, default=Path("bench/results/domain.md"))
    args = p.parse_args(argv)
    vgg, effnet = load_vgg16(args.vgg_weights or default_vgg(), LAYERS), load_efficientnet_lite0(args.effnet_weights)
    rows, grid = evaluate(args.models, args.collection, args.content, args.n_content, args.size, vgg, effnet,
                          gatys_photos=args.gatys_photos, gatys_cfg=GatysConfig(steps=args.gatys_steps, style_weight=BenchConfig.gatys_style_weight))
    table = markdown(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(table)
    grid_path = args.out.with_name(args.out.stem + "_grid.png")
    plots.grid_plot(grid["thumbs"], grid["pairs"], grid["methods"], grid_path)
    print(table)
    print(f"pictures: {grid_path}")


if __name__ == "__main__":
    main()

"""A style image's mat at inference: the universal model with each matted style image whole and with its mat cropped.

python -m bench.mats --model models/universal --styles ../shared/data/styles ../shared/data/styles_public_domain \
    --n-content 8 --out bench/results/mats26_universal

Museum scans of prints and drawings sit on a mat, a flat paper margin (`semstyle.images.trim_mat`). Training crops it
off; `StylePipeline(trim_mats=True)` does the same to a style image before encoding it. This scores both ways, on
every style image that has a mat, against the art without its mat: the Gram distance (relu1_2..relu4_3), content
distance (relu4_3) and EfficientNet-Lite0 top-1 agreement, each a mean over `content/eval` photos. Writes results.md
(one row per style image and the medians) and grid.jpg (for the first --grid-styles images: two rows each, whole
then cropped, over the first 6 photos).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from statistics import fmean, median

import torch
import torch.nn.functional as F

from semstyle.images import load_image, pil_to_tensor, tensor_to_pil, trim_mat
from semstyle.pipeline import StylePipeline
from semstyle.vgg import load_vgg16

from bench import metrics
from bench.config import BenchError, add_eval_args, default_vgg
from bench.data import image_files, load_set, spread
from bench.efficientnet import class_probabilities, load_efficientnet_lite0

LAYERS = tuple(dict.fromkeys((metrics.CONTENT_LAYER, *metrics.STYLE_LAYERS)))
WAYS = ("whole", "cropped")
CELL = 160  # px per grid cell


@torch.inference_mode()
def evaluate(model: Path, style_dirs: list[Path], content_dir: Path, n_content: int, size: int, vgg, effnet, grid_styles: int):
    """-> (one row per matted style image, the grid as a (3,H,W) tensor or None)."""
    pipes = {way: StylePipeline.from_pretrained(model, device="cpu", dtype=torch.float32, trim_mats=way == "cropped") for way in WAYS}
    if not pipes["whole"].is_arbitrary:
        raise BenchError(f"{model} is a per-style model: the mat test needs an arbitrary-style model (models/universal)")
    styles = [(f, load_image(f)) for d in style_dirs for f in image_files(d, "styles")]
    matted = [(f, img, art) for f, img in styles if (art := trim_mat(img)) is not img]
    if not matted:
        raise BenchError(f"no style image in {', '.join(map(str, style_dirs))} has a mat round all four sides")
    contents = list(load_set(spread(image_files(content_dir, "content"), n_content), size).values())
    seen = [(vgg(x, layers=LAYERS), class_probabilities(effnet, x)) for x in contents]
    rows, grid = [], []
    for i, (f, img, art) in enumerate(matted):
        phi_art = vgg(pil_to_tensor(load_image(art, max_side=size)).unsqueeze(0), layers=LAYERS)
        row = {"style": f.name}
        for way, pipe in pipes.items():
            code = pipe.encode_style(img)
            ys = [pipe.stylize(x, code=code).clamp(0, 1) for x in contents]
            phis = [vgg(y, layers=LAYERS) for y in ys]
            row[f"gram_{way}"] = fmean(float(metrics.gram_distance(p, phi_art)[0]) for p in phis)
            row[f"content_{way}"] = fmean(float(metrics.content_distance(c, p)[0]) for (c, _), p in zip(seen, phis))
            row[f"top1_{way}"] = fmean(float(metrics.top1_agreement(p_x, class_probabilities(effnet, y))[0]) for (_, p_x), y in zip(seen, ys))
            if i < grid_styles:
                cells = [F.interpolate(pil_to_tensor(img).unsqueeze(0), (CELL, CELL), mode="bilinear", antialias=True)]
                cells += [F.interpolate(y, (CELL, CELL), mode="bilinear", antialias=True) for y in ys[:6]]
                grid.append(torch.cat(cells, dim=3)[0])
        rows.append(row)
    return rows, (torch.cat(grid, dim=1) if grid else None)


def markdown(rows: list[dict], model: Path, n_content: int) -> str:
    lines = [f"# A style image's mat: {model} with each matted style image whole / cropped ({n_content} eval photos)", "",
             "| style | Gram to the art ↓ | content ↓ | top-1 ↑ |", "|---|---|---|---|"]
    fmt = {"gram": "{:.3f}", "content": "{:.0f}", "top1": "{:.2f}"}
    pair = lambda r, k: " / ".join(fmt[k].format(r[f"{k}_{w}"]) for w in WAYS)  # noqa: E731
    lines += [f"| {r['style']} | {pair(r, 'gram')} | {pair(r, 'content')} | {pair(r, 'top1')} |" for r in rows]
    ratio = [r["gram_cropped"] / r["gram_whole"] for r in rows]
    lines += ["", f"{len(rows)} matted style images. Cropped / whole Gram distance: median {median(ratio):.3f}, closer for "
              f"{sum(q < 1 for q in ratio)} of {len(rows)}. Medians whole / cropped: content "
              + " / ".join(f"{median(r[f'content_{w}'] for r in rows):.0f}" for w in WAYS) + ", top-1 "
              + " / ".join(f"{fmean(r[f'top1_{w}'] for r in rows):.3f}" for w in WAYS) + " (mean)."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", type=Path, default=Path("models/universal"), help="an arbitrary-style model folder")
    p.add_argument("--styles", nargs="+", type=Path, required=True, help="folders of style images (only the matted ones are scored)")
    add_eval_args(p, n_content=8, size_help="max side of the photos and of the art scored against")
    p.add_argument("--grid-styles", type=int, default=4, help="style images shown in grid.jpg (0 = no grid)")
    p.add_argument("--out", type=Path, default=Path("bench/results/mats"))
    args = p.parse_args(argv)
    vgg, effnet = load_vgg16(args.vgg_weights or default_vgg(), LAYERS), load_efficientnet_lite0(args.effnet_weights)
    try:
        rows, grid = evaluate(args.model, args.styles, args.content, args.n_content, args.size, vgg, effnet, args.grid_styles)
    except BenchError as e:
        p.error(str(e))
    args.out.mkdir(parents=True, exist_ok=True)
    table = markdown(rows, args.model, args.n_content)
    (args.out / "results.md").write_text(table)
    if grid is not None:
        tensor_to_pil(grid).save(args.out / "grid.jpg", quality=90)
    print(table)


if __name__ == "__main__":
    main()

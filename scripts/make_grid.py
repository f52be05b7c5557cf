"""Picture grids for the README and for looking at: contents x presets, and the universal model x styles.

python scripts/make_grid.py --contents examples/photo_*.jpg --styles examples/style_*.jpg --out docs/ [--cards]
Rows are contents; columns the content, then each per-style model (--presets-grid), or each style image
through the universal model (--universal-grid, with the style images as a header row). A grid named "" is not
made; a .jpg name is saved at quality 90.
--models takes model folders and folders of them, in the columns' order, so runs can be set beside the shipped
preset: --models models/the_scream runs/a/model runs/b/model --presets-grid compare.jpg --universal-grid "".
--cards also rewrites each model folder's samples.png (rows: content | style | output) from these photos (the
trainer draws its samples from the training photos, which are research-only and must not ship), and points its
card's usage snippet at the folder.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

from semstyle import StylePipeline
from semstyle.card import set_card_usage
from semstyle.images import load_image, pil_to_tensor, resize_max_side, tensor_to_pil


def cell(img, side: int) -> torch.Tensor:
    """PIL -> (3, side, side), centre-cropped square."""
    x = pil_to_tensor(img).unsqueeze(0)
    s = side / min(x.shape[-2:])
    size = tuple(max(side, round(n * s)) for n in x.shape[-2:])  # the short side exactly `side`, whatever the rounding
    x = F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
    h, w = x.shape[-2:]
    return x[0, :, (h - side) // 2 : (h - side) // 2 + side, (w - side) // 2 : (w - side) // 2 + side]


def model_folders(paths: list[str]) -> list[Path]:
    """Each path a model folder (it holds config.json) or a folder of them (sorted); in the order given, once each."""
    folders: list[Path] = []
    for path in map(Path, paths):
        if (path / "config.json").is_file():
            found = [path]
        elif path.is_dir():
            found = sorted(f for f in path.iterdir() if (f / "config.json").is_file())
        else:
            raise SystemExit(f"--models {path}: no such folder")
        if not found:
            raise SystemExit(f"--models {path}: neither a model folder (no config.json) nor a folder of them")
        folders += [f for f in found if f not in folders]
    return folders


def save(grid: torch.Tensor, path: Path) -> None:
    tensor_to_pil(grid).save(path, **({"quality": 90} if path.suffix.lower() in (".jpg", ".jpeg") else {}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--contents", nargs="+", required=True)
    p.add_argument("--styles", nargs="*", default=[], help="style images for the universal model")
    p.add_argument("--models", nargs="+", default=["models"], help="model folders or folders of them, in the columns' order")
    p.add_argument("--side", type=int, default=192)
    p.add_argument("--out", default="docs")
    p.add_argument("--presets-grid", default="grid_presets.png", help="file name in --out ('' = none)")
    p.add_argument("--universal-grid", default="grid_universal.png", help="file name in --out ('' = none)")
    p.add_argument("--cards", action="store_true", help="rewrite models/*/samples.png from --contents (and --styles for the universal model)")
    args = p.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    contents = [resize_max_side(load_image(c), 2 * args.side) for c in args.contents]
    styles = [load_image(s) for s in args.styles]
    folders = model_folders(args.models)
    pipes = {f: StylePipeline.from_pretrained(f, device="cpu") for f in folders}
    presets = [f for f, pipe in pipes.items() if not pipe.is_arbitrary]
    if args.presets_grid:
        rows = [torch.cat([cell(c, args.side)] + [cell(pipes[n](c), args.side) for n in presets], dim=2) for c in contents]
        save(torch.cat(rows, dim=1), out / args.presets_grid)
        print("columns:", ["content", *(f.as_posix() for f in presets)])
    universal = next((pipe for pipe in pipes.values() if pipe.is_arbitrary), None)
    if universal is not None and styles and args.universal_grid:
        header = torch.cat([torch.ones(3, args.side, args.side)] + [cell(s, args.side) for s in styles], dim=2)
        rows = [torch.cat([cell(c, args.side)] + [cell(universal(c, style=s), args.side) for s in styles], dim=2) for c in contents]
        save(torch.cat([header, *rows], dim=1), out / args.universal_grid)
        print("universal columns:", ["content", *args.styles])
    if args.cards:
        for f in folders:
            if (f / "README.md").is_file():
                set_card_usage(f, f.as_posix())  # the card was written where the model was trained (runs/...)
            pipe = pipes[f]
            # a domain preset's folder holds several of its collection's images (style.jpg, style_1.jpg, ...): the
            # rows go through them, as the universal model's go through --styles
            shown = styles if pipe.is_arbitrary else [load_image(p) for p in sorted(f.glob("style*.jpg"))]
            if not shown:
                continue  # nothing to show it with
            rows = []
            for i, c in enumerate(contents):
                style = shown[i % len(shown)]
                out_img = pipe(c, style=style) if pipe.is_arbitrary else pipe(c)
                rows.append(torch.cat([cell(c, args.side), cell(style, args.side), cell(out_img, args.side)], dim=2))
            tensor_to_pil(torch.cat(rows, dim=1)).save(f / "samples.png")
            if pipe.is_arbitrary:  # its style images are the ones shown, not the first few of its (partly dev-only) collection
                for old in f.glob("style*.jpg"):
                    old.unlink()
                for i, style in enumerate(styles):
                    style.convert("RGB").save(f / ("style.jpg" if i == 0 else f"style_{i}.jpg"), quality=90)
        print("card samples rewritten:", [f.name for f in folders])


if __name__ == "__main__":
    main()

"""Evaluation images: content photos and style images as [0,1] tensors, with bad files skipped."""
from __future__ import annotations

import sys
from pathlib import Path

import torch

from semstyle.images import ImageError, list_images, load_image, pil_to_tensor

from bench.config import BenchError

MULTIPLE = 8  # every method keeps H, W when they are multiples of 8 (AdaIN's three poolings)


def spread(items: list, n: int) -> list:
    """n items evenly spaced over `items` (first and last included); n <= 0 or n >= len -> all."""
    if n <= 0 or n >= len(items):
        return list(items)
    if n == 1:
        return [items[0]]
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


def crop_to_multiple(x: torch.Tensor, m: int = MULTIPLE) -> torch.Tensor:
    """(...,H,W) -> centre crop to sides that are multiples of m (at least m)."""
    h, w = x.shape[-2:]
    nh, nw = max(m, h - h % m), max(m, w - w % m)
    top, left = (h - nh) // 2, (w - nw) // 2
    return x[..., top:top + nh, left:left + nw]


def load_tensor(path: Path, max_side: int) -> torch.Tensor:
    """Image file -> (1,3,H,W) in [0,1], longer side <= max_side, sides multiples of 8. Raises ImageError."""
    return crop_to_multiple(pil_to_tensor(load_image(path, max_side=max_side)).unsqueeze(0)).contiguous()


def image_files(folder: Path, what: str) -> list[Path]:
    if not folder.is_dir():
        raise BenchError(f"{what} folder not found: {folder}; pass --{what} DIR (or set SEMSTYLE_SHARED to the shared/ folder)")
    files = list_images(folder)
    if not files:
        raise BenchError(f"no images in {what} folder {folder}; pass --{what} DIR with .jpg/.png files")
    return files


def load_set(paths: list[Path], max_side: int) -> dict[str, torch.Tensor]:
    """{file stem: (1,3,H,W)}; a file that fails to load is reported on stderr and skipped."""
    out = {}
    for p in paths:
        try:
            out[p.stem] = load_tensor(p, max_side)
        except ImageError as e:
            print(f"skipping image: {e}", file=sys.stderr)
    return out


def find_style(files: list[Path], style_name: str) -> Path | None:
    """The style file whose stem equals `style_name` (case-insensitive, spaces as underscores)."""
    key = style_name.strip().lower().replace(" ", "_")
    return next((p for p in files if p.stem.lower() == key), None)

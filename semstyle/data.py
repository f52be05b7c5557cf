"""Image-folder data: photos for content, one image or a folder (a style domain) for style.

Sampling is a pure function of (seed, step, rank): a resumed run draws exactly the batches an
uninterrupted one would, with no DataLoader state to save.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import torch
import torch.nn.functional as F

from .images import ImageError, display_name, list_images, load_image, pil_to_tensor, resize_max_side, trim_mat

log = logging.getLogger(__name__)


class DataError(ValueError):
    """A data folder or file that cannot be used; the message says which and why."""


class ImageSet:
    """Images decoded once (RGB uint8, longer side ≤ `max_side`) and kept in memory.

    `source` is a folder or a single image file. Unreadable files are skipped with a warning and
    counted in `skipped`; an empty or unusable source is a `DataError`. With `trim_mats` (for art, not photos)
    each image's mat is cropped off first (`images.trim_mat`).
    """

    def __init__(self, source: str | os.PathLike, max_side: int, min_side: int = 1, trim_mats: bool = False):
        source = Path(source)
        if source.is_dir():
            files = list_images(source)
            if not files:
                raise DataError(f"{source}: no images found (looked for .jpg .png .webp .bmp .gif .tif)")
        elif source.is_file():
            files = [source]
        else:
            raise DataError(f"{source}: no such file or folder")
        self.files, self.images, self.skipped = [], [], []
        reason = ""  # why the last skipped file was skipped
        for f in files:
            try:
                img = trim_mat(load_image(f)) if trim_mats else load_image(f)
                if min(img.size) < min_side:
                    raise ImageError(f"{display_name(f)}: {img.width}x{img.height} is smaller than {min_side} px")
            except ImageError as e:
                reason = str(e)
                log.warning("skipping %s", reason)
                self.skipped.append(f)
                continue
            img = resize_max_side(img, max_side) if max(img.size) > max_side else img
            self.files.append(f)
            self.images.append((pil_to_tensor(img) * 255).round().to(torch.uint8))  # (3,H,W) uint8
        if not self.images:
            raise DataError(f"{display_name(source)}: none of the {len(files)} image(s) could be read (last: {reason})")
        if self.skipped:
            log.warning("%s: skipped %d unreadable image(s) of %d", source, len(self.skipped), len(files))

    def __len__(self) -> int:
        return len(self.images)

    def random_crops(self, n: int, size: int, gen: torch.Generator, indices: list[int] | None = None) -> tuple[torch.Tensor, list[int]]:
        """n random crops (N,3,size,size) in [0,1], each at a random scale, with random horizontal flips."""
        if indices is None:
            indices = torch.randint(len(self.images), (n,), generator=gen).tolist()
        return torch.stack([random_crop(self.images[i], size, gen) for i in indices]), indices


def random_crop(img: torch.Tensor, size: int, gen: torch.Generator) -> torch.Tensor:
    """uint8 (3,H,W) -> float (3,size,size): rescale so the short side is size*U(1, 1.5), crop, maybe flip."""
    _, h, w = img.shape
    short = size * (1.0 + 0.5 * torch.rand((), generator=gen).item())
    scale = short / min(h, w)
    nh, nw = max(size, round(h * scale)), max(size, round(w * scale))
    x = F.interpolate(img[None].float() / 255.0, size=(nh, nw), mode="bilinear", antialias=scale < 1, align_corners=False)[0]
    top = torch.randint(nh - size + 1, (), generator=gen).item()
    left = torch.randint(nw - size + 1, (), generator=gen).item()
    x = x[:, top : top + size, left : left + size]
    if torch.rand((), generator=gen).item() < 0.5:
        x = x.flip(-1)
    return x.clamp_(0, 1)


def step_generator(seed: int, step: int, rank: int = 0) -> torch.Generator:
    """The RNG for one training step: depends only on (seed, step, rank)."""
    return torch.Generator().manual_seed(seed * 1_000_003 + step * 101 + rank)

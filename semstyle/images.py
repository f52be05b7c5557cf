"""The package's one pixel convention and safe image decoding.

Tensors are float RGB in [0, 1], shaped (N, 3, H, W) or (3, H, W). Every image that
enters semstyle (training data, app uploads, CLI files) goes through `load_image`, so
EXIF rotation, odd modes and hostile files are handled in one place.
"""
from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import BinaryIO

import numpy as np
import torch
from PIL import Image, ImageOps

MAX_PIXELS = 64_000_000  # refuse anything larger before decoding (decompression bombs)
IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


class ImageError(ValueError):
    """An input that cannot be used as an image; the message says why and what to do."""


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any PIL mode (L, LA, P, PA, RGBA, CMYK, I;16, I, F, ...) -> 8-bit RGB; alpha composited on white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(img, dtype=np.float64)
        hi = 65535.0 if img.mode.startswith("I;16") or a.max() > 255 else 255.0
        img = Image.fromarray(np.clip(a / hi * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return img.convert("RGB")


def load_image(source: str | os.PathLike | bytes | BinaryIO | Image.Image, max_side: int | None = None) -> Image.Image:
    """Decode `source` into an RGB PIL image, safely.

    Refuses decompression bombs before decoding, honours EXIF orientation, uses the first
    frame of animations, converts every mode to RGB and optionally downsizes so the longer
    side is at most `max_side`. Raises `ImageError` with a one-line reason.
    """
    name = str(source) if isinstance(source, (str, os.PathLike)) else "image"
    try:
        if isinstance(source, Image.Image):
            img = source
        else:
            fp = io.BytesIO(source) if isinstance(source, bytes) else source
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                img = Image.open(fp)
        w, h = img.size
        if w * h > MAX_PIXELS:
            raise ImageError(f"{name}: {w}x{h} is too large to decode safely (limit {MAX_PIXELS // 1_000_000} MP); downscale it first")
        if w < 1 or h < 1:
            raise ImageError(f"{name}: image has no pixels")
        img.seek(0)  # first frame of an animated GIF/WebP
        img.load()
        img = ImageOps.exif_transpose(img) or img
        img = _to_rgb(img)
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError(f"{name}: file not found") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{name}: image is too large to decode safely; downscale it first") from None
    except Exception as e:  # PIL raises many types for corrupt data (OSError, SyntaxError, ValueError, ...)
        raise ImageError(f"{name}: not a readable image ({type(e).__name__}: {e})") from None
    if max_side is not None and max(img.size) > max_side:
        img = resize_max_side(img, max_side)
    return img


def resize_max_side(img: Image.Image, max_side: int) -> Image.Image:
    w, h = img.size
    s = max_side / max(w, h)
    return img.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.LANCZOS)


def pil_to_tensor(img: Image.Image) -> torch.Tensor:
    """RGB PIL image -> (3, H, W) float tensor in [0, 1]."""
    a = np.asarray(img.convert("RGB"), dtype=np.uint8)
    return torch.from_numpy(a.copy()).permute(2, 0, 1).float().div_(255.0)


def tensor_to_pil(x: torch.Tensor) -> Image.Image:
    """(3, H, W) or (1, 3, H, W) tensor in [0, 1] -> RGB PIL image."""
    if x.dim() == 4:
        if x.shape[0] != 1:
            raise ValueError(f"tensor_to_pil takes one image, got a batch of {x.shape[0]}")
        x = x[0]
    a = x.detach().float().clamp(0, 1).mul(255.0).round().byte().permute(1, 2, 0).cpu().numpy()
    return Image.fromarray(a, "RGB")


def list_images(folder: str | os.PathLike) -> list[Path]:
    """Image files directly inside `folder` (sorted, non-recursive). Hidden files are ignored."""
    folder = Path(folder)
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith("."))

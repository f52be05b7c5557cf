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
# The only decoders Pillow may use: the formats above (its JPEG decoder also reads the MPO files that
# phones write). Its other plugins are never reached, so e.g. an EPS renamed .png cannot make Pillow
# run Ghostscript.
FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "GIF", "TIFF")
USE_INSTEAD = "use a JPEG, PNG, WebP, BMP, GIF or TIFF picture"


class ImageError(ValueError):
    """An input that cannot be used as an image; the message says why and what to do."""


def _to_rgb(img: Image.Image) -> Image.Image:
    """Any PIL mode (L, LA, P, PA, RGBA, CMYK, I;16, I, F, ...) -> 8-bit RGB; alpha composited on white."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        img = _to_8bit(img)
    if img.mode == "P":
        img = img.convert("RGBA")
    if img.mode in ("RGBA", "LA", "PA"):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return img.convert("RGB")


def _to_8bit(img: Image.Image) -> Image.Image:
    """16-bit, 32-bit integer or float grey -> L. The range is guessed from the data: 0-1 (float only),
    0-255 or 0-65535. NaN and infinities become black."""
    a = np.nan_to_num(np.asarray(img, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    peak = a.max(initial=0.0)
    if img.mode.startswith("I;16") or peak > 255:
        hi = 65535.0
    else:
        hi = 1.0 if img.mode == "F" and peak <= 1.0 else 255.0
    return Image.fromarray(np.clip(a / hi * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")


def display_name(source: object) -> str:
    """How a message names an input: its path, or "image" for bytes and file objects."""
    return printable(str(source)) if isinstance(source, (str, os.PathLike)) else "image"


def printable(text: str) -> str:
    """`text` with control characters escaped: a file name holding a newline cannot split a message."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def load_image(source: str | os.PathLike | bytes | BinaryIO | Image.Image, max_side: int | None = None) -> Image.Image:
    """Decode `source` into an RGB PIL image, safely.

    Refuses decompression bombs before decoding, honours EXIF orientation, uses the first
    frame of animations, converts every mode to RGB and optionally downsizes so the longer
    side is at most `max_side`. Raises `ImageError` with a one-line reason.
    """
    name = display_name(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            warnings.filterwarnings("ignore", category=UserWarning, module="PIL")  # e.g. broken EXIF: the pixels are fine
            img = _decode(source, name)
    except ImageError:
        raise
    except FileNotFoundError:
        raise ImageError(f"{name}: file not found") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(f"{name}: image is too large to decode safely; downscale it first") from None
    except Image.UnidentifiedImageError:
        raise ImageError(f"{name}: not a readable image (unknown or unsupported format); {USE_INSTEAD}") from None
    except Exception as e:  # PIL raises many types for corrupt data (OSError, SyntaxError, ValueError, ...)
        raise ImageError(f"{name}: not a readable image ({type(e).__name__}: {printable(str(e))}); {USE_INSTEAD}") from None
    if max_side is not None and max(img.size) > max_side:
        img = resize_max_side(img, max_side)
    return img


def _decode(source: str | os.PathLike | bytes | BinaryIO | Image.Image, name: str) -> Image.Image:
    if isinstance(source, Image.Image):
        return _checked_rgb(source, name)
    _check_file(source, name)
    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source, formats=FORMATS) as img:
        return _checked_rgb(img, name)  # a new image: the file can be closed


def _checked_rgb(img: Image.Image, name: str) -> Image.Image:
    w, h = img.size
    if w * h > MAX_PIXELS:
        raise ImageError(f"{name}: {w}x{h} is too large to decode safely (limit {MAX_PIXELS // 1_000_000} MP); downscale it first")
    if w < 1 or h < 1:
        raise ImageError(f"{name}: image has no pixels")
    img.seek(0)  # first frame of an animated GIF/WebP
    img.load()
    return _to_rgb(ImageOps.exif_transpose(img) or img)


def _check_file(source: object, name: str) -> None:
    """Refuse a folder or an empty file by name; Pillow's own errors for them do not say what is wrong."""
    is_path = isinstance(source, (str, os.PathLike))
    if is_path and os.path.isdir(source):
        raise ImageError(f"{name}: is a folder, not an image file")
    if source == b"" or (is_path and os.path.isfile(source) and os.path.getsize(source) == 0):
        raise ImageError(f"{name}: empty file (0 bytes); {USE_INSTEAD}")


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
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in IMAGE_EXTENSIONS and not p.name.startswith(".") and p.is_file())


def trim_mat(img: Image.Image, tol: float = 12.0, max_fraction: float = 0.25) -> Image.Image:
    """Crop a mat: a margin of one flat colour round all four sides, as museum scans of prints and drawings have.

    A style's Gram statistics would otherwise count the mat's flat colour and its edges, which a generator then
    draws inside the photo as light streaks and panels. A side's mat is its run of flat rows (or columns): rows
    with 90% of their pixels within `tol` (0-255) of the mat's colour, the median of the four corners (JPEG's
    ringing and chroma subsampling spoil the rest). The crop takes 1% of the side more, for the mat's anti-aliased
    edge. An image without a mat on all four sides, or with one wider than `max_fraction` of a side (a flat
    picture, not a mat), comes back unchanged. 24 of the 148 style images in ../shared have one; no photo there."""
    a = np.asarray(img.convert("RGB"))  # uint8: a float copy of a 12-megapixel scan took seconds
    h, w = a.shape[:2]
    colour = np.median(np.stack([a[0, 0], a[0, -1], a[-1, 0], a[-1, -1]]).astype(np.float32), axis=0)
    lo, hi = np.ceil(colour - tol), np.floor(colour + tol)  # |pixel - colour| <= tol, for integer pixels
    near = np.ones((h, w), dtype=bool)
    for c in range(3):
        near &= (a[..., c] >= lo[c]) & (a[..., c] <= hi[c])
    flat_rows, flat_cols = near.mean(axis=1) >= 0.9, near.mean(axis=0) >= 0.9
    runs = [_leading(flat_rows), _leading(flat_rows[::-1]), _leading(flat_cols), _leading(flat_cols[::-1])]
    sides = [h, h, w, w]
    if min(runs) == 0 or any(r > max_fraction * s for r, s in zip(runs, sides)):
        return img
    top, bottom, left, right = (r + max(1, round(0.01 * s)) for r, s in zip(runs, sides))
    return img.crop((left, top, w - right, h - bottom))


def _leading(flags: np.ndarray) -> int:
    """How many of `flags` are True before the first False."""
    return len(flags) if flags.all() else int(np.argmin(flags))

"""What the app does, without the UI: validate inputs, pick the model, stylise (tiled), save results.

Everything here raises `ImageError` (bad picture) or `StyleError` (bad style) with one-line messages;
`app.py` turns them into gr.Error / gr.Warning. Notices (e.g. "downscaled") are returned, not shown.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from PIL import Image

from .color import preserve_colors
from .images import FORMATS, ImageError, display_name, load_image, pil_to_tensor, resize_max_side, tensor_to_pil
from .pipeline import blend
from .presets import Loaded, StyleError, StyleLibrary
from .tiling import OVERLAP, TILE, stylize_tiled

MIN_SIDE = 16  # smaller pictures are refused: there is nothing to stylise
MAX_SIDE_RANGE = (256, 2048)  # output max side the UI offers; larger outputs are tiled beyond TILE
STREAM_SIDE = 320  # live webcam frames are stylised at this max side
Progress = Callable[[float, str], None]


@dataclass
class Result:
    image: Image.Image  # the stylised picture, full resolution
    content: Image.Image  # the content as it was stylised (after any downscale), same size as `image`
    style: str  # what was used, for captions
    seconds: float
    notices: list[str] = field(default_factory=list)


def open_picture(source, max_side: int, what: str = "content image") -> tuple[Image.Image, list[str]]:
    """Decode safely (semstyle.images.load_image), refuse tiny pictures, downscale to max_side with a notice."""
    if source is None:
        raise ImageError(f"no {what}: upload a picture, paste one, or take a webcam snapshot")
    try:
        img = load_image(source)
    except ImageError as e:
        raise ImageError(_reword(e, source, what)) from None
    w, h = img.size
    if min(w, h) < MIN_SIDE:
        raise ImageError(f"the {what} is {w}x{h} px, too small to stylise; use one at least {MIN_SIDE} px on each side")
    notices = []
    frames = _frame_count(source)
    if frames > 1:
        notices.append(f"The {what} is animated ({frames} frames); the first frame was used.")
    if max(w, h) > max_side:
        img = resize_max_side(img, max_side)
        notices.append(f"The {what} ({w}x{h}) was downscaled to {img.width}x{img.height} (output max side {max_side}).")
    return img, notices


def _frame_count(source) -> int:
    """Frames in an animated GIF/WebP/PNG (header walk only; called after load_image accepted the file).

    A phone's MPO JPEG also has several frames, but the others are previews or depth maps: not an animation."""
    if not isinstance(source, (str, os.PathLike, bytes)):
        return 1
    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source, formats=FORMATS) as im:
            return int(getattr(im, "n_frames", 1)) if im.format in ("GIF", "WEBP", "PNG") else 1
    except Exception:  # noqa: BLE001 - only a notice depends on it
        return 1


def _reword(err: ImageError, source, what: str) -> str:
    """load_image names the file by its path; a user knows it as "the content image" and by its file name."""
    msg = str(err)
    if isinstance(source, (str, os.PathLike)):
        path = display_name(source)
        msg = msg.removeprefix(f"{path}: ").replace(path, display_name(Path(source).name))
    else:
        msg = msg.removeprefix("image: ")
    return f"the {what}: {msg}"


def _check(strength: float, max_side: int) -> tuple[float, int]:
    try:
        strength, max_side = float(strength), int(max_side)
    except (TypeError, ValueError):
        raise ValueError("strength must be a number in 0-1 and max side a whole number of pixels") from None
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be between 0 and 1, got {strength}")
    lo, hi = MAX_SIDE_RANGE
    if not lo <= max_side <= hi:
        raise ValueError(f"output max side must be between {lo} and {hi} px, got {max_side}")
    return strength, max_side


class Studio:
    def __init__(self, library: StyleLibrary, tile: int = TILE, overlap: int = OVERLAP):
        self.library = library
        self.tile, self.overlap = tile, overlap
        self._codes: OrderedDict[str, tuple[torch.Tensor, list[str]]] = OrderedDict()  # style-image digest -> code, notices

    # ---- styles -----------------------------------------------------------------------------------

    def model_for(self, style: str, progress: Progress | None = None, download: bool = True) -> Loaded:
        """A preset name or Hub model id -> a loaded per-style model. Raises StyleError."""
        loaded = self.library.load(self.library.find(style), progress, download=download)
        if loaded.pipe.is_arbitrary:
            raise StyleError(f"{style!r} is an arbitrary-style model (it needs a style image): pick a per-style model, "
                             "or use a style image with the bundled universal model")
        return loaded

    def _style_code(self, loaded: Loaded, style_image) -> tuple[torch.Tensor, list[str]]:
        """The style image's code (cached by content) and what the user should know about it (its mat was cropped)."""
        style, _ = open_picture(style_image, 1024, what="style image")  # downscaling it is no news: the model encodes it smaller still
        digest = hashlib.sha1(style.tobytes() + repr(style.size).encode()).hexdigest()
        cached = self._codes.get(digest)
        if cached is None:
            art = loaded.pipe.crop_style(style)  # its mat cropped (pipe.trim_mats), as training does
            with loaded.lock:
                code = loaded.pipe.encode_style(loaded.pipe.style_tensor(art))
            notices = [] if art.size == style.size else [
                f"The style image's mat (a flat margin round the picture) was cropped off before encoding: "
                f"{style.width}x{style.height} -> {art.width}x{art.height} px, so its colour and edges are not part of the style."]
            cached = self._codes[digest] = (code, notices)
            while len(self._codes) > 64:
                self._codes.popitem(last=False)
        return cached

    # ---- stylise ------------------------------------------------------------------------------------

    def stylize(self, content, style: str, strength: float = 1.0, max_side: int = 1024, preserve: bool = False,
                progress: Progress | None = None) -> Result:
        strength, max_side = _check(strength, max_side)
        img, notices = open_picture(content, max_side)
        loaded = self.model_for(style, progress)
        return self._run(loaded, img, loaded.pipe.encode_style(None), loaded.name, strength, preserve, notices, progress)

    def stylize_with_style_image(self, content, style_image, strength: float = 1.0, max_side: int = 1024,
                                 preserve: bool = False, progress: Progress | None = None) -> Result:
        strength, max_side = _check(strength, max_side)
        img, notices = open_picture(content, max_side)
        loaded = self.library.load_universal()
        code, style_notices = self._style_code(loaded, style_image)
        return self._run(loaded, img, code, "your style image", strength, preserve, notices + style_notices, progress)

    def _run(self, loaded: Loaded, img: Image.Image, code: torch.Tensor, name: str, strength: float, preserve: bool,
             notices: list[str], progress: Progress | None) -> Result:
        t0 = time.perf_counter()
        x = pil_to_tensor(img).unsqueeze(0)  # (1,3,H,W)
        with loaded.lock:
            y = stylize_tiled(loaded.pipe, x, code, tile=self.tile, overlap=self.overlap, progress=progress)
        y = _finish(x, y, strength, preserve)
        return Result(tensor_to_pil(y), img, name, time.perf_counter() - t0, notices)

    def stylize_frame(self, frame, style: str, strength: float = 1.0, preserve: bool = False,
                      side: int = STREAM_SIDE) -> Image.Image:
        """One live-webcam frame at `side` px: untiled, no downloads (the style must be loadable quickly)."""
        img, _ = open_picture(frame, side, what="webcam frame")
        loaded = self.model_for(style, download=False)
        x = pil_to_tensor(img).unsqueeze(0)
        with loaded.lock:
            y = loaded.pipe.stylize(x, code=loaded.pipe.encode_style(None)).float().cpu()
        return tensor_to_pil(_finish(x, y, float(strength), preserve))


def _finish(x: torch.Tensor, y: torch.Tensor, strength: float, preserve: bool) -> torch.Tensor:
    """Per-pixel post-processing: keep the content's colours, then blend toward the content."""
    if preserve:
        y = preserve_colors(x, y)
    return blend(x, y, strength)


def save_result(result: Result, folder: str | os.PathLike | None = None) -> tuple[str, str]:
    """Write the result as a full-resolution PNG and the content as a JPEG; return (content_path, result_path)."""
    folder = Path(folder or tempfile.gettempdir())
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"semstyle-{time.strftime('%Y%m%d-%H%M%S')}-{os.urandom(3).hex()}"
    result_path, content_path = folder / f"{stem}.png", folder / f"{stem}-content.jpg"
    result.image.save(result_path, format="PNG", compress_level=3)  # faster than the default 6, ~10% bigger
    result.content.save(content_path, format="JPEG", quality=92)
    return str(content_path), str(result_path)

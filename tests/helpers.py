"""Small builders shared by tests: tiny models, random VGG weights, image folders, matted prints."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import save_file

from semstyle.config import GeneratorConfig, ModelConfig
from semstyle.modeling import StyleModel
from semstyle.vgg import vgg16_layers

TINY = GeneratorConfig(channels=(8, 16), n_res=1, style_dim=8)


def tiny_model(kind: str = "per_style", seed: int = 0, **kw) -> StyleModel:
    torch.manual_seed(seed)
    model = StyleModel(ModelConfig(kind=kind, generator=TINY, style_name=kw.pop("style_name", "tiny"), **kw))
    with torch.no_grad():  # non-trivial modulation so the style code matters
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    return model.eval()


def random_vgg_weights(path: Path) -> Path:
    """A VGG16 `features` file in torchvision's layout with random weights (for tests without ../shared)."""
    torch.manual_seed(0)
    save_file({k: v.contiguous() for k, v in vgg16_layers("relu5_3").state_dict().items()}, str(path))
    return path


def image_folder(path: Path, n: int = 4, size: tuple[int, int] = (80, 64), seed: int = 0) -> Path:
    """n smooth random RGB JPEGs."""
    path.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        Image.fromarray(small).resize(size, Image.Resampling.BICUBIC).save(path / f"img_{i}.jpg")
    return path


MAT = (250, 237, 211)  # the paper white of the Art Institute's scan of the Great Wave


def picture(w: int = 80, h: int = 60, seed: int = 0) -> np.ndarray:
    """A smooth random picture: no row or column of it is flat."""
    small = np.random.default_rng(seed).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC))


def matted(art: np.ndarray, sides: tuple[int, int, int, int] = (8, 8, 8, 8)) -> Image.Image:
    """`art` on a mat `sides` = (top, bottom, left, right) px wide, saved and reloaded as a JPEG (ringing at its edge)."""
    top, bottom, left, right = sides
    h, w = art.shape[:2]
    a = np.empty((h + top + bottom, w + left + right, 3), np.uint8)
    a[:] = MAT
    a[top:top + h, left:left + w] = art
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=90)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")

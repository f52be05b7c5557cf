"""The methods the quality run compares, behind one call shape: (content, style) -> output.

Only methods whose outputs mean something are here: identity, Gatys and trained semstyle
models. Johnson and AdaIN have untrained weights and are timed by `bench.speed` only.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch

from semstyle.vgg import VGG16Features

from bench.config import BenchError
from bench.gatys import GatysConfig, gatys

Stylize = Callable[[torch.Tensor, torch.Tensor | None], torch.Tensor]  # (1,3,H,W), (1,3,h,w) or None -> (1,3,H,W)


@dataclass(frozen=True)
class Method:
    name: str
    run: Stylize
    style_name: str | None = None  # per-style model: the only style it can do; None = any style
    max_pairs: int = 0  # run on at most this many pairs (evenly spread); 0 = all. Gatys is slow.


def identity() -> Method:
    """The content unchanged: the 'no style at all' end of every trade-off."""
    return Method("identity", lambda x, style: x.clone())


def gatys_method(vgg: VGG16Features, cfg: GatysConfig, max_pairs: int = 0) -> Method:
    return Method(f"gatys ({cfg.steps} {cfg.optimizer} steps)", lambda x, style: gatys(vgg, x, style, cfg), max_pairs=max_pairs)


def model_name(folder: Path) -> str:
    return f"semstyle:{Path(folder).name}"


def load_pipeline(folder: Path, device: str):
    """StylePipeline from a local model folder, fp32 (the bench applies autocast itself), or BenchError."""
    if not Path(folder).is_dir():
        raise BenchError(f"model folder not found: {folder}; pass --models with folders holding config.json and model.safetensors")
    try:
        from semstyle.pipeline import StylePipeline

        return StylePipeline.from_pretrained(folder, device=device, dtype=torch.float32)
    except Exception as e:  # ModelLoadError, ConfigError, HubError, a half-written file ...
        msg = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise BenchError(f"model {folder} does not load ({type(e).__name__}: {msg}); fix it or leave it out of --models") from None


def semstyle_method(folder: Path, device: str) -> Method:
    """A trained semstyle model; per-style models report their `style_name`."""
    pipe = load_pipeline(folder, device)
    name = model_name(folder)
    if pipe.is_arbitrary:
        return Method(name, lambda x, style: pipe.stylize(x, style))
    style_name = pipe.config.style_name or Path(folder).name
    return Method(name, lambda x, style: pipe.stylize(x), style_name=style_name)

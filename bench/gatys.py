"""Gatys et al. 2016: optimise the image itself to match content features and style Grams.

Same VGG16, layers and Gram definition as the bench's metrics (style on relu1_2, relu2_2,
relu3_3, relu4_3; content on relu4_3), so it is the "direct optimisation of our own metric"
reference. Starts from the content image. A step is one forward+backward through VGG
(for L-BFGS: one function evaluation), so time scales linearly with `steps`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from semstyle.losses import content_loss, gram, gram_loss
from semstyle.vgg import VGG16Features

from bench.metrics import CONTENT_LAYER, STYLE_LAYERS


@dataclass(frozen=True)
class GatysConfig:
    steps: int = 300  # forward+backward evaluations
    optimizer: str = "lbfgs"  # "lbfgs" or "adam"
    lr: float = 1.0  # L-BFGS step size; Adam uses adam_lr
    adam_lr: float = 0.02  # in [0,1] pixel units (~5/255)
    content_weight: float = 1.0
    # The shared VGG16 features are on Caffe's scale (~60x torchvision's), so raw Gram errors are
    # ~10^7x the PyTorch tutorial's and its style weight of 1e6 would erase the content; 3 balances
    # them (checked by eye at 160 px, 30 L-BFGS steps: 0.1 barely styles, 10 hides much of the content).
    style_weight: float = 3.0


def gatys(vgg: VGG16Features, content: torch.Tensor, style: torch.Tensor, cfg: GatysConfig = GatysConfig()) -> torch.Tensor:
    """content (1,3,H,W), style (1,3,h,w), both [0,1] -> stylised (1,3,H,W) [0,1], detached."""
    with torch.no_grad():
        target_grams = {n: gram(f) for n, f in vgg(style, layers=STYLE_LAYERS).items()}
    return gatys_to(vgg, content, target_grams, cfg)


def gatys_to(vgg: VGG16Features, content: torch.Tensor, target_grams: dict[str, torch.Tensor],
             cfg: GatysConfig = GatysConfig()) -> torch.Tensor:
    """`gatys` against given Gram matrices (1, C, C) per style layer, e.g. a style collection's mean."""
    if cfg.optimizer not in ("lbfgs", "adam"):
        raise ValueError(f"unknown Gatys optimizer {cfg.optimizer!r}; use 'lbfgs' or 'adam'")
    layers = tuple(dict.fromkeys(STYLE_LAYERS + (CONTENT_LAYER,)))
    target_grams = {n: target_grams[n].detach().clone() for n in STYLE_LAYERS}  # clone: may come from inference mode
    with torch.no_grad():
        phi_c = {CONTENT_LAYER: vgg(content, layers=(CONTENT_LAYER,))[CONTENT_LAYER].detach()}
    img = content.detach().float().clone(memory_format=torch.contiguous_format).requires_grad_(True)

    def loss_fn() -> torch.Tensor:
        phi = vgg(img, layers=layers)
        return cfg.content_weight * content_loss(phi_c, phi, (CONTENT_LAYER,)) + cfg.style_weight * gram_loss(phi, target_grams, STYLE_LAYERS)

    if cfg.optimizer == "adam":
        opt = torch.optim.Adam([img], lr=cfg.adam_lr)
        for _ in range(cfg.steps):
            opt.zero_grad(set_to_none=True)
            loss_fn().backward()
            opt.step()
            with torch.no_grad():
                img.clamp_(0, 1)
    elif cfg.steps > 0:
        lbfgs(img, loss_fn, cfg.steps, cfg.lr)
    return img.detach().clamp(0, 1)


def lbfgs(x: torch.Tensor, loss_fn: Callable[[], torch.Tensor], steps: int, lr: float = 1.0) -> None:
    """Minimise loss_fn() over the leaf tensor x in place: L-BFGS with a strong-Wolfe line search, `steps` evaluations.

    Negative tolerances: it never stops early, so every run costs `steps` evaluations (the line search may finish
    its current iteration, a few more at most)."""
    opt = torch.optim.LBFGS([x], lr=lr, max_iter=steps, max_eval=steps,
                            tolerance_grad=-1.0, tolerance_change=-1.0, history_size=50, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad(set_to_none=True)
        loss = loss_fn()
        loss.backward()
        return loss

    opt.step(closure)

"""Grow a trained generator into a wider or deeper one that starts out computing exactly the same images.

A preset fine-tuned from the universal model inherits its size; growing it (`train.py --init-from models/universal
--channels 32,64,128 --n-res 5`) gives the fine-tune more capacity without training from scratch (Net2Net's idea,
Chen et al. 2016, with zeros in place of its copies):

- every conv's trained weights go to the first channels of the larger conv; the weights from a new input channel to
  an old output channel are zero, so the old channels never see the new ones, and instance norm, being per channel,
  normalises them as before. New channels keep their random initialisation; nothing reads them yet, and the zero
  weights get a gradient, so training opens them up;
- each norm's style modulation is copied per half (the scales γ, then the shifts β);
- new residual blocks go after the trained ones, with their last norm's scale 1 + γ at 0 (γ's bias −1) and β at 0:
  the block adds nothing, and γ gets a gradient.
"""
from __future__ import annotations

import torch

from .config import GeneratorConfig
from .networks import Generator


def can_grow(src: GeneratorConfig, dst: GeneratorConfig) -> bool:
    """dst has src's resolutions and style code, and at least its widths and residual blocks."""
    return (len(src.channels) == len(dst.channels) and all(a <= b for a, b in zip(src.channels, dst.channels))
            and src.n_res <= dst.n_res and src.style_dim == dst.style_dim)


@torch.no_grad()
def load_generator(dst: Generator, src: Generator) -> None:
    """src's weights into dst: strictly where their configs match, else grown (module docstring)."""
    if dst.config == src.config:
        dst.load_state_dict(src.state_dict())
        return
    if not can_grow(src.config, dst.config):
        raise ValueError(f"cannot start a generator {_describe(dst.config)} from one {_describe(src.config)}: it can only "
                         f"grow (as many widths, each at least as wide, as many residual blocks or more, the same style_dim)")
    new_state = dst.state_dict()  # views of dst's parameters: copying into them sets dst
    for key, old in src.state_dict().items():
        new = new_state[key]
        if ".affine." in key:  # Linear(style_dim, 2C): the γ rows, then the β rows
            c_old, c_new = old.shape[0] // 2, new.shape[0] // 2
            new[:c_old], new[c_new:c_new + c_old] = old[:c_old], old[c_old:]
        elif new.dim() == 4:  # conv (out, in, 3, 3)
            o, i = old.shape[:2]
            new[:o, :i] = old
            new[:o, i:] = 0
        else:  # conv bias
            new[:old.shape[0]] = old
    for block in dst.res[src.config.n_res:]:
        norm = block.b.norm
        norm.affine.weight.zero_()
        norm.affine.bias.zero_()
        norm.affine.bias[:norm.affine.out_features // 2] = -1


def _describe(g: GeneratorConfig) -> str:
    return f"(channels {list(g.channels)}, {g.n_res} residual blocks, style_dim {g.style_dim})"

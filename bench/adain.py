"""AdaIN (Huang & Belongie 2017): VGG encoder to relu4_1, adaptive instance norm, mirrored decoder.

`adain` is a pure function; `AdaINNet` wires it to the bench's VGG16 (the paper used VGG19;
we keep one VGG for every method). The decoder is untrained, so the net is for SPEED ONLY.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from semstyle.losses import mean_std
from semstyle.vgg import VGG16Features

ENCODER_LAYER = "relu4_1"
StyleCode = tuple[torch.Tensor, torch.Tensor]  # per-channel (mean, std) of relu4_1, each (1,512,1,1)


def adain(content: torch.Tensor, style: torch.Tensor | StyleCode, alpha: float = 1.0) -> torch.Tensor:
    """(N,C,H,W) content features, style features (N or 1,C,h,w) or their (mean, std) -> (N,C,H,W).

    Re-normalises each content channel to the style's mean and std; `alpha` blends with the
    content features (1 = full style, 0 = content unchanged).
    """
    mc, sc = mean_std(content)
    ms, ss = style if isinstance(style, tuple) else mean_std(style)
    t = (content.float() - mc) / sc * ss + ms
    return (alpha * t + (1 - alpha) * content.float()).to(content.dtype)


def _conv(c_in: int, c_out: int) -> list[nn.Module]:
    return [nn.ReflectionPad2d(1), nn.Conv2d(c_in, c_out, 3)]


def mirrored_decoder() -> nn.Sequential:
    """relu4_1 (N,512,H/8,W/8) -> (N,3,H,W): VGG16's conv1_1..conv4_1 reversed, pools -> nearest ×2."""
    layers: list[nn.Module] = []
    plan = [(512, 256), "U", (256, 256), (256, 256), (256, 128), "U", (128, 128), (128, 64), "U", (64, 64), (64, 3)]
    for i, step in enumerate(plan):
        if step == "U":
            layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
            continue
        layers += _conv(*step)
        if i != len(plan) - 1:
            layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class AdaINNet(nn.Module):
    """content (N,3,H,W) [0,1] + style (1,3,h,w) or cached StyleCode -> (N,3,H,W). H, W multiples of 8."""

    def __init__(self, encoder: VGG16Features):
        super().__init__()
        if encoder.layers[-1] != ENCODER_LAYER:
            raise ValueError(f"AdaIN needs a VGG16Features ending at {ENCODER_LAYER}, got {encoder.layers}")
        self.encoder = encoder
        self.decoder = mirrored_decoder()

    def encode_style(self, style: torch.Tensor) -> StyleCode:
        return mean_std(self.encoder(style)[ENCODER_LAYER])

    def forward(self, x: torch.Tensor, style: torch.Tensor | None = None, code: StyleCode | None = None, alpha: float = 1.0) -> torch.Tensor:
        if code is None:
            if style is None:
                raise ValueError("AdaINNet needs a style image or a cached code from encode_style()")
            code = self.encode_style(style)
        t = adain(self.encoder(x)[ENCODER_LAYER], code, alpha)
        return self.decoder(t)

"""EfficientNet-Lite0 ImageNet classifier: the judge of semantic preservation.

Written from the layout in ../shared/README.md so the bench needs no extra package.
Parameter names match the lukemelas-style keys of `efficientnet_lite0_imagenet.safetensors`
(`_conv_stem`, `_blocks.N._depthwise_conv`, ..., `_fc`), so the file loads with strict=True.
Lite = no squeeze-excite, ReLU6, fixed stem/head. Convolutions use TensorFlow "SAME" padding.
"""
from __future__ import annotations

import math
import os
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file

BN_EPS = 1e-3
# (kernel, stride, expand, in, out, repeats) per stage
STAGES = ((3, 1, 1, 32, 16, 1), (3, 2, 6, 16, 24, 2), (5, 2, 6, 24, 40, 2), (3, 2, 6, 40, 80, 3),
          (5, 1, 6, 80, 112, 3), (5, 2, 6, 112, 192, 4), (3, 1, 6, 192, 320, 1))
RESIZE, CROP = 256, 224
PATCH_BLOCKS = 11  # the first 11 MBConv blocks end the 112-channel stage, at 1/16 resolution


class SameConv2d(nn.Conv2d):
    """Conv2d with TF "SAME" padding: out = ceil(in / stride); the odd extra pixel goes bottom/right."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pads = []
        for size, k, s in zip(x.shape[-2:], self.kernel_size, self.stride):
            total = max((math.ceil(size / s) - 1) * s + k - size, 0)
            pads.append((total // 2, total - total // 2))
        (top, bottom), (left, right) = pads
        return super().forward(F.pad(x, (left, right, top, bottom)))


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS)


class MBConv(nn.Module):
    """Inverted residual without SE: [1x1 expand] -> kxk depthwise -> 1x1 project (+ skip when shapes match)."""

    def __init__(self, k: int, stride: int, expand: int, c_in: int, c_out: int):
        super().__init__()
        mid = c_in * expand
        if expand != 1:
            self._expand_conv = SameConv2d(c_in, mid, 1, bias=False)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, k, stride=stride, groups=mid, bias=False)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, c_out, 1, bias=False)
        self._bn2 = _bn(c_out)
        self.skip = stride == 1 and c_in == c_out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        if hasattr(self, "_expand_conv"):
            h = F.relu6(self._bn0(self._expand_conv(h)))
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))  # linear bottleneck: no activation
        return h + x if self.skip else h


class EfficientNetLite0(nn.Module):
    """x: normalised (N,3,224,224) -> logits (N,1000). Use `preprocess` first."""

    def __init__(self, num_classes: int = 1000):
        super().__init__()
        self._conv_stem = SameConv2d(3, 32, 3, stride=2, bias=False)
        self._bn0 = _bn(32)
        blocks = []
        for k, s, e, c_in, c_out, n in STAGES:
            for i in range(n):
                blocks.append(MBConv(k, s if i == 0 else 1, e, c_in if i == 0 else c_out, c_out))
        self._blocks = nn.ModuleList(blocks)
        self._conv_head = SameConv2d(320, 1280, 1, bias=False)
        self._bn1 = _bn(1280)
        self._fc = nn.Linear(1280, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(N,3,H,W) normalised -> pooled (N,1280)."""
        h = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks:
            h = block(h)
        h = F.relu6(self._bn1(self._conv_head(h)))
        return h.mean((2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._fc(self.features(x))

    def feature_map(self, x: torch.Tensor, blocks: int = PATCH_BLOCKS) -> torch.Tensor:
        """Normalised (N,3,H,W), any size -> the output of the stem and the first `blocks` MBConv blocks."""
        h = F.relu6(self._bn0(self._conv_stem(x)))
        for block in self._blocks[:blocks]:
            h = block(h)
        return h


def preprocess(x: torch.Tensor) -> torch.Tensor:
    """RGB [0,1] (N,3,H,W) -> (N,3,224,224): short side to 256 (bilinear, antialiased), centre crop, (x·255 − 127)/128."""
    h, w = x.shape[-2:]
    s = RESIZE / min(h, w)
    nh, nw = max(CROP, round(h * s)), max(CROP, round(w * s))
    x = F.interpolate(x.float(), size=(nh, nw), mode="bilinear", antialias=True, align_corners=False)
    top, left = (nh - CROP) // 2, (nw - CROP) // 2
    return normalise(x[..., top:top + CROP, left:left + CROP])


def normalise(x: torch.Tensor) -> torch.Tensor:
    """RGB [0,1] -> the network's input range: (x·255 − 127)/128."""
    return (x.float() * 255.0 - 127.0) / 128.0


@torch.inference_mode()
def patch_features(net: EfficientNetLite0, x: torch.Tensor) -> torch.Tensor:
    """RGB [0,1] (N,3,H,W), at its own size -> (M,112): one vector per position of the 1/16-resolution feature map.

    The bench's second distribution metric: a Fréchet distance in a network that no semstyle loss (and no
    feature discriminator) reads, unlike VGG16's relu4_3."""
    f = net.feature_map(normalise(x)).float()
    return f.permute(0, 2, 3, 1).reshape(-1, f.shape[1])


@torch.inference_mode()
def class_probabilities(net: EfficientNetLite0, x: torch.Tensor) -> torch.Tensor:
    """RGB [0,1] (N,3,H,W) -> softmax probabilities (N,1000), fp32."""
    return net(preprocess(x)).float().softmax(1)


def load_efficientnet_lite0(path: str | os.PathLike) -> EfficientNetLite0:
    """Eval-mode, frozen EfficientNet-Lite0 from a safetensors file (strict key match)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"EfficientNet-Lite0 weights not found at {p}; pass --effnet-weights PATH")
    net = EfficientNetLite0()
    net.load_state_dict(load_file(str(p)), strict=True)
    return net.eval().requires_grad_(False)


def load_class_names(path: str | os.PathLike) -> list[str]:
    """imagenet_classes.txt ("wnid name" per line) -> names in index order."""
    return [line.split(maxsplit=1)[1].strip() for line in Path(path).read_text().splitlines() if line.strip()]

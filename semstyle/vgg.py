"""Frozen ImageNet VGG16 feature extractor Φ: the high-level feature loss's network.

Written out (13 convolutions) so semstyle does not depend on torchvision. Parameter names
match torchvision's `vgg16().features` state dict ("0.weight" ... "28.bias"), so the
published weights load strictly. The module owns the ImageNet normalisation: callers pass
RGB in [0, 1], the package's pixel convention.
"""
from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn as nn
from safetensors.torch import load_file

VGG_WEIGHTS_ENV = "SEMSTYLE_VGG_WEIGHTS"
VGG_URL = "https://download.pytorch.org/models/vgg16-397923af.pth"  # torchvision's ImageNet weights

# (out_channels) per conv, "M" = 2x2 max-pool; torchvision's configuration "D".
_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
_NAMES = ["1_1", "1_2", "2_1", "2_2", "3_1", "3_2", "3_3", "4_1", "4_2", "4_3", "5_1", "5_2", "5_3"]


def _layer_index() -> dict[str, int]:
    """Feature name ("relu3_3") -> index of that layer in the Sequential."""
    index, i, conv = {}, 0, 0
    for v in _CFG:
        if v == "M":
            i += 1
            continue
        index[f"conv{_NAMES[conv]}"], index[f"relu{_NAMES[conv]}"] = i, i + 1
        i, conv = i + 2, conv + 1
    return index


LAYER_INDEX = _layer_index()
LAYER_CHANNELS = {f"{kind}{n}": c for n, c in zip(_NAMES, [v for v in _CFG if v != "M"]) for kind in ("conv", "relu")}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def vgg16_layers(last: str = "relu5_3") -> nn.Sequential:
    """torchvision-compatible VGG16 `features`, truncated after `last`."""
    layers: list[nn.Module] = []
    c_in = 3
    for v in _CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c_in, v, 3, padding=1), nn.ReLU(inplace=True)]
            c_in = v
    return nn.Sequential(*layers[: LAYER_INDEX[last] + 1])


class VGG16Features(nn.Module):
    """Φ: x in [0,1] (N,3,H,W) -> {name: feature map}. Frozen; computes only up to the deepest name asked for."""

    def __init__(self, layers: tuple[str, ...] = ("relu1_2", "relu2_2", "relu3_3", "relu4_1", "relu4_3")):
        super().__init__()
        unknown = [n for n in layers if n not in LAYER_INDEX]
        if unknown:
            raise ValueError(f"unknown VGG16 layer(s) {unknown}; choose from {sorted(LAYER_INDEX)}")
        self.layers = tuple(sorted(layers, key=LAYER_INDEX.__getitem__))
        self.features = vgg16_layers(self.layers[-1])
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> "VGG16Features":
        return super().train(False)  # always frozen: no dropout/BN here, but keep the contract explicit

    def forward(self, x: torch.Tensor, layers: tuple[str, ...] | None = None) -> dict[str, torch.Tensor]:
        want = self.layers if layers is None else layers
        stop = max(LAYER_INDEX[n] for n in want)
        by_index = {LAYER_INDEX[n]: n for n in want}
        h = (x - self.mean.to(x.dtype)) / self.std.to(x.dtype)
        out = {}
        for i, layer in enumerate(self.features):
            h = layer(h)
            if i in by_index:  # safe to keep without a copy: the next layer (conv or pool) allocates a new tensor
                out[by_index[i]] = h
            if i == stop:
                break
        return out

    def load_features_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        """Load a torchvision `vgg16().features` state dict (keys "0.weight"...), strictly for the layers kept."""
        keep = {k: v for k, v in state.items() if int(k.split(".")[0]) < len(self.features)}
        self.features.load_state_dict(keep, strict=True)


def load_vgg16_state_dict(path: str | os.PathLike | None = None) -> dict[str, torch.Tensor]:
    """The VGG16 `features` weights, from (in order) `path`, $SEMSTYLE_VGG_WEIGHTS, or torchvision's URL.

    Files given by path must be safetensors (never unpickled). The download fallback uses
    torch.hub's state-dict loader with `weights_only=True` on torchvision's published file.
    """
    path = path or os.environ.get(VGG_WEIGHTS_ENV)
    if path:
        p = Path(path)
        if not p.is_file():
            raise FileNotFoundError(f"VGG16 weights not found at {p}; pass --vgg-weights PATH to a .safetensors file in torchvision's vgg16().features layout")
        try:
            return load_file(str(p))
        except Exception as e:
            raise ValueError(f"{p} is not a readable safetensors file ({e}); VGG16 weights must be safetensors, never a pickle") from None
    try:
        state = torch.hub.load_state_dict_from_url(VGG_URL, progress=True, weights_only=True)
    except Exception as e:
        raise RuntimeError(
            f"no VGG16 weights: pass --vgg-weights PATH (or set {VGG_WEIGHTS_ENV}) to a safetensors file in "
            f"torchvision's vgg16().features layout, or connect to the internet to download {VGG_URL} ({type(e).__name__})"
        ) from None
    return {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}


def load_vgg16(path: str | os.PathLike | None = None, layers: tuple[str, ...] | None = None) -> VGG16Features:
    """A frozen, eval-mode Φ with ImageNet weights (see `load_vgg16_state_dict` for where they come from)."""
    vgg = VGG16Features(layers) if layers else VGG16Features()
    vgg.load_features_state_dict(load_vgg16_state_dict(path))
    return vgg

"""Johnson et al. 2016 feed-forward transformer net (as in pytorch/examples fast_neural_style).

Used by the bench for SPEED ONLY: the weights are random (untrained), so its outputs say
nothing about quality. ~1.68M parameters. Input/output RGB [0,1] (N,3,H,W); H and W should
be multiples of 4 for the output to match the input size exactly.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class ConvLayer(nn.Module):
    """Reflection pad + conv: keeps H, W at stride 1."""

    def __init__(self, c_in: int, c_out: int, k: int, stride: int = 1):
        super().__init__()
        self.pad = nn.ReflectionPad2d(k // 2)
        self.conv = nn.Conv2d(c_in, c_out, k, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.pad(x))


class ResidualBlock(nn.Module):
    """conv-IN-ReLU-conv-IN + skip, 128 channels in the paper."""

    def __init__(self, c: int):
        super().__init__()
        self.conv1, self.in1 = ConvLayer(c, c, 3), nn.InstanceNorm2d(c, affine=True)
        self.conv2, self.in2 = ConvLayer(c, c, 3), nn.InstanceNorm2d(c, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.in2(self.conv2(F.relu(self.in1(self.conv1(x)))))


class UpsampleConv(nn.Module):
    """Nearest ×2 upsample then conv (no checkerboard from transposed convs)."""

    def __init__(self, c_in: int, c_out: int, k: int):
        super().__init__()
        self.conv = ConvLayer(c_in, c_out, k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class TransformerNet(nn.Module):
    """(N,3,H,W) [0,1] -> (N,3,H,W) [0,1]: 9x9 conv 32, 3x3/2 64, 3x3/2 128, 5 res blocks, 2 up-convs 64/32, 9x9 conv 3."""

    def __init__(self, n_res: int = 5):
        super().__init__()
        self.down = nn.ModuleList([ConvLayer(3, 32, 9), ConvLayer(32, 64, 3, 2), ConvLayer(64, 128, 3, 2)])
        self.down_norm = nn.ModuleList([nn.InstanceNorm2d(c, affine=True) for c in (32, 64, 128)])
        self.res = nn.Sequential(*[ResidualBlock(128) for _ in range(n_res)])
        self.up = nn.ModuleList([UpsampleConv(128, 64, 3), UpsampleConv(64, 32, 3)])
        self.up_norm = nn.ModuleList([nn.InstanceNorm2d(c, affine=True) for c in (64, 32)])
        self.out = ConvLayer(32, 3, 9)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for conv, norm in zip(self.down, self.down_norm):
            h = F.relu(norm(conv(h)))
        h = self.res(h)
        for conv, norm in zip(self.up, self.up_norm):
            h = F.relu(norm(conv(h)))
        return (torch.tanh(self.out(h)) + 1) / 2  # keep the package's [0,1] convention

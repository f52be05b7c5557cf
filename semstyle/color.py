"""Colour preservation: keep the content's colours, take only the stylised luminance.

Gatys et al. 2016 ("Preserving color in neural artistic style transfer"), luminance-only transfer:
Y from the stylised image, Cb and Cr from the content. YCbCr is the JPEG (BT.601, full-range) one.
"""
from __future__ import annotations

import torch

# Rows: Y, Cb, Cr from R, G, B in [0, 1]; Cb and Cr are centred on 0 (no +0.5 offset needed here).
_RGB_TO_YCBCR = torch.tensor([
    [0.299, 0.587, 0.114],
    [-0.168736, -0.331264, 0.5],
    [0.5, -0.418688, -0.081312],
])
_YCBCR_TO_RGB = torch.linalg.inv(_RGB_TO_YCBCR)


def _apply(matrix: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """3x3 colour matrix applied to (..., 3, H, W)."""
    return torch.einsum("ij,...jhw->...ihw", matrix.to(x.device, x.dtype), x)


def rgb_to_ycbcr(x: torch.Tensor) -> torch.Tensor:
    """(..., 3, H, W) RGB in [0, 1] -> Y in [0, 1], Cb and Cr in [-0.5, 0.5]."""
    return _apply(_RGB_TO_YCBCR, x)


def ycbcr_to_rgb(x: torch.Tensor) -> torch.Tensor:
    return _apply(_YCBCR_TO_RGB, x)


def preserve_colors(content: torch.Tensor, stylized: torch.Tensor) -> torch.Tensor:
    """Stylised luminance with the content's chrominance. Both (..., 3, H, W) in [0, 1], same shape."""
    if content.shape != stylized.shape:
        raise ValueError(f"content {tuple(content.shape)} and stylised {tuple(stylized.shape)} must have the same shape")
    content, stylized = content.float(), stylized.float()
    ycc = torch.cat([rgb_to_ycbcr(stylized)[..., :1, :, :], rgb_to_ycbcr(content)[..., 1:, :, :]], dim=-3)
    return ycbcr_to_rgb(ycc).clamp_(0.0, 1.0)

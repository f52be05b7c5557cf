"""Tiled inference: stylise images larger than one tile with bounded memory and no visible seams.

Two things make tiles agree with each other (and with an untiled pass):
* normalisation: G's instance norms would otherwise see different statistics in every tile (a sky
  tile and a forest tile would be normalised differently). We record every norm layer's per-channel
  (mean, std) on one pass over a downscaled copy of the whole image and reuse them for every tile
  (`Norm.recording` / `Norm.frozen` in `semstyle.networks`).
* context: tiles overlap, start on multiples of G's downsampling factor (so their pixel grids line
  up with the whole image's), and are blended with weights that ramp linearly across each overlap.

The norms are module state, so a model must not run two stylisations at once while statistics are
frozen: callers that share a model between threads hold a lock (`semstyle.presets` does).
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from .device import autocast
from .pipeline import StylePipeline

Progress = Callable[[float, str], None]  # (fraction done in [0, 1], what is happening)

# One pass up to TILE + OVERLAP px; beyond that, tiles of about TILE px. Not smaller: on this 2-core CPU a
# 1024² image costs ~1.8x a single pass when cut into 512 px tiles (4 overlapping tiles plus the
# statistics pass), and a single 1088² pass peaks at ~0.6 GB (fp32 CPU, default generator).
TILE = 1024
OVERLAP = 64  # pixels shared by neighbouring tiles, blended linearly
STATS_SIDE = 1024  # the statistics pass sees the whole image downscaled to this (exact up to this size)


def tile_spans(length: int, tile: int, overlap: int, multiple: int) -> list[tuple[int, int]]:
    """(start, end) of the tiles covering [0, length) along one axis.

    ceil(length / tile) tiles, each about length/n + overlap long (so at most tile + overlap, plus
    multiple - 1 for the last), evenly spaced; starts are multiples of `multiple`, so every tile's
    pixel grid lines up with the whole image's through G's downsampling.
    """
    n = -(-length // tile)
    if n <= 1:
        return [(0, length)]
    span = min(length, -(-length // n) + overlap)
    spans = []
    for i in range(n):
        start = round(i * (length - span) / (n - 1)) // multiple * multiple
        spans.append((start, length if i == n - 1 else start + span))
    return spans


def _ramp(start: int, end: int, length: int, overlap: int) -> torch.Tensor:
    """1-D blend weights (end-start,) for one tile: linear 0→1 over `overlap` at inner edges, 1 at image borders."""
    pos = torch.arange(end - start, dtype=torch.float32) + 0.5
    w = torch.ones(end - start)
    if start > 0:
        w = torch.minimum(w, pos / overlap)
    if end < length:
        w = torch.minimum(w, (end - start - pos) / overlap)
    return w.clamp_(min=1e-3)  # never exactly 0: a pixel covered only by an edge still gets a value


def record_statistics(pipe: StylePipeline, x: torch.Tensor, code: torch.Tensor, side: int) -> None:
    """Run G once on `x` downscaled to `side` and freeze every norm layer's statistics."""
    h, w = x.shape[-2:]
    scale = min(1.0, side / max(h, w))
    size = (max(1, round(h * scale)), max(1, round(w * scale)))  # a 10000x1 strip stays 1 px wide, not 0
    small = x if scale == 1.0 else F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
    norms = pipe.model.generator.norms()
    for norm in norms:
        norm.frozen, norm.recording = None, True
    try:
        with autocast(pipe.device, pipe.dtype):
            pipe.generate(pipe.prepare(small), code.to(pipe.device))
    except BaseException:
        release_statistics(pipe)
        raise
    for norm in norms:
        norm.recording = False


def release_statistics(pipe: StylePipeline) -> None:
    for norm in pipe.model.generator.norms():
        norm.frozen, norm.recording = None, False


@torch.inference_mode()
def stylize_tiled(
    pipe: StylePipeline,
    x: torch.Tensor,
    code: torch.Tensor,
    tile: int = TILE,
    overlap: int = OVERLAP,
    stats_side: int = STATS_SIDE,
    progress: Progress | None = None,
) -> torch.Tensor:
    """x (1,3,H,W) in [0,1] -> stylised (1,3,H,W), fp32 on the CPU. Images within one tile take one pass.

    Strength and colour preservation are the caller's business (they are per-pixel and cheap).
    """
    if x.dim() != 4 or x.shape[0] != 1:
        raise ValueError(f"stylize_tiled takes one image shaped (1,3,H,W), got {tuple(x.shape)}")
    if not 0 < overlap <= tile // 2:
        raise ValueError(f"overlap {overlap} must be between 1 and half the tile size {tile}")
    h, w = x.shape[-2:]
    if max(h, w) <= tile + overlap:
        return pipe.stylize(x, code=code).float().cpu()

    m = pipe.config.generator.multiple
    rows, cols = tile_spans(h, tile, overlap, m), tile_spans(w, tile, overlap, m)
    total = len(rows) * len(cols)
    out = torch.zeros(1, 3, h, w)
    weight = torch.zeros(1, 1, h, w)
    if progress:
        progress(0.0, f"whole-image statistics at {stats_side}px")
    record_statistics(pipe, x, code, stats_side)
    try:
        done = 0
        for top, bottom in rows:
            wy = _ramp(top, bottom, h, overlap)
            for left, right in cols:
                wx = _ramp(left, right, w, overlap)
                y = pipe.stylize(x[:, :, top:bottom, left:right], code=code).float().cpu()
                wt = (wy[:, None] * wx[None, :])[None, None]  # (1,1,th,tw)
                out[:, :, top:bottom, left:right] += y * wt
                weight[:, :, top:bottom, left:right] += wt
                done += 1
                if progress:
                    progress(done / total, f"tile {done}/{total}")
    finally:
        release_statistics(pipe)
    return out / weight

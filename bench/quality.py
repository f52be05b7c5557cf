"""Quality run: every method on every content×style pair, scored by `bench.metrics`.

Rows are plain dicts (one per method×pair, one per method×style for the Fréchet distance) so
they go straight to CSV. Outputs are kept only as small thumbnails for grid.png.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from PIL import Image

from semstyle.images import tensor_to_pil
from semstyle.vgg import VGG16Features

from bench import metrics
from bench.data import spread
from bench.efficientnet import EfficientNetLite0, class_probabilities, patch_features
from bench.methods import Method

THUMB = 160  # grid.png cell side


@dataclass
class QualityResult:
    rows: list[dict] = field(default_factory=list)  # per method × pair
    frechet: list[dict] = field(default_factory=list)  # per method × style
    thumbs: dict[tuple[str, str, str], Image.Image] = field(default_factory=dict)  # (content, style, method) -> image


def thumbnail(x: torch.Tensor) -> Image.Image:
    img = tensor_to_pil(x.cpu())
    img.thumbnail((THUMB, THUMB))
    return img


def evaluate(methods: list[Method], contents: dict[str, torch.Tensor], styles: dict[str, torch.Tensor],
             vgg: VGG16Features, effnet: EfficientNetLite0, device: str = "cpu") -> QualityResult:
    """Run each method on each applicable (content, style) pair and score it. Failures are reported and skipped."""
    res = QualityResult()
    with torch.inference_mode():
        phi_c = {k: vgg(x.to(device), layers=metrics.ALL_LAYERS) for k, x in contents.items()}
        probs_c = {k: class_probabilities(effnet, x.to(device)) for k, x in contents.items()}
        phi_s = {k: vgg(s.to(device), layers=metrics.ALL_LAYERS) for k, s in styles.items()}
        grams_s = {k: {n: metrics.gram(f[n]) for n in metrics.STYLE_LAYERS} for k, f in phi_s.items()}
        style_stats = {k: metrics.gaussian_stats(metrics.patch_vectors(f[metrics.FRECHET_LAYER]).cpu()) for k, f in phi_s.items()}
        style_stats_effnet = {k: _gaussian(patch_features(effnet, s.to(device)).cpu()) for k, s in styles.items()}
    for c in contents:
        res.thumbs[(c, "", "content")] = thumbnail(contents[c])
    for s in styles:
        res.thumbs[("", s, "style")] = thumbnail(styles[s])

    for m in methods:
        patches: dict[str, list[torch.Tensor]] = {}
        patches_effnet: dict[str, list[torch.Tensor]] = {}
        pairs = [(c, s) for s in styles if m.style_name in (None, s) for c in contents]
        for c, s in spread(pairs, m.max_pairs):
            content, style = contents[c].to(device), styles[s]  # the photo on the device once, for G and every metric
            try:
                t0 = time.perf_counter()
                y = m.run(content, style.to(device)).float()
                seconds = time.perf_counter() - t0
                if y.shape[-2:] != content.shape[-2:]:  # score at the content's size
                    y = F.interpolate(y, size=content.shape[-2:], mode="bilinear", antialias=True, align_corners=False)
                y = y.clamp(0, 1)
                with torch.inference_mode():
                    phi_y = vgg(y, layers=metrics.ALL_LAYERS)
                    p_y = class_probabilities(effnet, y)
            except Exception as e:  # one bad pair must not end the run
                print(f"skipping {m.name} on {c} × {s}: {type(e).__name__}: {e}", file=sys.stderr)
                continue
            by_layer = {gram_key(n): float(metrics.gram_distance_to(phi_y, grams_s[s], (n,))[0]) for n in metrics.STYLE_LAYERS}
            res.rows.append({
                "method": m.name, "content": c, "style": s, "seconds": seconds,
                "content_mse_relu4_3": float(metrics.content_distance(phi_c[c], phi_y)[0]),
                "vgg_perceptual_uncalibrated": float(metrics.perceptual_distance(phi_c[c], phi_y)[0]),
                "style_gram": sum(by_layer.values()) / len(by_layer),  # metrics.gram_distance, from its layers
                **by_layer,
                "style_gram_tiles2": float(metrics.tile_gram_distance_to(phi_y, grams_s[s], 2)[0]),
                "style_mean_std": float(metrics.mean_std_distance(phi_y, phi_s[s])[0]),
                "top1_agree": float(metrics.top1_agreement(probs_c[c], p_y)[0]),
                "kept_class_prob": float(metrics.kept_class_probability(probs_c[c], p_y)[0]),
                "dark_cells": float(metrics.dark_cell_share(content, y)[0]),
                "colour_change": float(metrics.colour_change(content, y)[0]),
                "colour_spread": float(metrics.colour_spread(content, y)[0]),
            })
            patches.setdefault(s, []).append(metrics.patch_vectors(phi_y[metrics.FRECHET_LAYER]).cpu())
            patches_effnet.setdefault(s, []).append(patch_features(effnet, y).cpu())
            res.thumbs[(c, s, m.name)] = thumbnail(y)
        for s, vecs in patches.items():
            x = torch.cat(vecs)
            if x.shape[0] < 2:
                print(f"no patch Fréchet distance for {m.name} × {s}: fewer than 2 relu4_3 positions; use a larger --size", file=sys.stderr)
                continue
            mu, cov = metrics.gaussian_stats(x)
            effnet_stats = _gaussian(torch.cat(patches_effnet[s]))
            res.frechet.append({"method": m.name, "style": s, "n_output_patches": x.shape[0],
                                "n_style_patches": int(phi_s[s][metrics.FRECHET_LAYER][0, 0].numel()),
                                "patch_frechet_relu4_3": metrics.frechet_distance(mu, cov, *style_stats[s]),
                                "patch_frechet_effnet": _frechet(effnet_stats, style_stats_effnet[s])})
    return res


def _gaussian(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
    """`metrics.gaussian_stats`, or None below 2 samples (an image too small for EfficientNet's 1/16 map)."""
    return metrics.gaussian_stats(x) if x.shape[0] >= 2 else None


def _frechet(a: tuple | None, b: tuple | None) -> float:
    return metrics.frechet_distance(*a, *b) if a and b else float("nan")


SUMMARY_COLUMNS = ("content_mse_relu4_3", "vgg_perceptual_uncalibrated", "style_gram", "style_mean_std",
                   "top1_agree", "kept_class_prob", "dark_cells", "colour_change",
                   "colour_spread", "seconds")


def gram_key(layer: str) -> str:
    """The column of one layer's Gram distance; `style_gram` is the mean of these over `metrics.STYLE_LAYERS`."""
    return f"style_gram_{layer}"


@dataclass(frozen=True)
class Target:
    """Issue 5's bars for a model, each against Gatys on the same (content, style) pairs; top-1 agreement at least
    Gatys's always."""
    gram: float  # style distance at most this × Gatys's
    content: float | None = None  # content distance at most this × Gatys's; None: no bar


PRESET_TARGET = Target(gram=1.2)
UNIVERSAL_TARGET = Target(gram=1.5, content=1.0)


def against_baseline(rows: list[dict], baseline: str, targets: dict[str, Target]) -> list[dict]:
    """Each method of `targets` on the pairs where `baseline` also ran (Gatys runs on few): its mean style and
    content distances as multiples of the baseline's means over those same pairs (the style's also per layer), both
    sides' top-1 agreement and kept-class probability, and whether every bar is met. Methods that share no pair with
    the baseline are left out. Means over the model's own pairs would compare it on other photos than Gatys
    (`summarise`)."""
    base = {(r["content"], r["style"]): r for r in rows if r["method"] == baseline}
    out = []
    for name, target in targets.items():
        mine = [r for r in rows if r["method"] == name and (r["content"], r["style"]) in base]
        if not mine:
            continue
        theirs = [base[r["content"], r["style"]] for r in mine]
        row = {"method": name, "pairs": len(mine),
               "gram_x_baseline": _ratio(mine, theirs, "style_gram"), "gram_target": target.gram,
               **{f"gram_{n}_x_baseline": _ratio(mine, theirs, gram_key(n)) for n in metrics.STYLE_LAYERS},
               "gram_tiles2_x_baseline": _ratio(mine, theirs, "style_gram_tiles2"),
               "content_x_baseline": _ratio(mine, theirs, "content_mse_relu4_3"),
               "content_target": float("nan") if target.content is None else target.content,
               "top1_agree": _mean(mine, "top1_agree"), "top1_agree_baseline": _mean(theirs, "top1_agree"),
               "kept_class_prob": _mean(mine, "kept_class_prob"), "kept_class_prob_baseline": _mean(theirs, "kept_class_prob")}
        row["targets_met"] = (row["gram_x_baseline"] <= target.gram and row["top1_agree"] >= row["top1_agree_baseline"]
                              and (target.content is None or row["content_x_baseline"] <= target.content))
        out.append(row)
    return out


def _mean(rows: list[dict], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows)


def _ratio(rows: list[dict], baseline_rows: list[dict], key: str) -> float:
    base = _mean(baseline_rows, key)
    return _mean(rows, key) / base if base > 0 else float("nan")


def summarise(res: QualityResult) -> list[dict]:
    """One row per method: means over its pairs, and the mean patch Fréchet distance over its styles."""
    out = []
    for name in dict.fromkeys(r["method"] for r in res.rows):
        rows = [r for r in res.rows if r["method"] == name]
        fds = [r for r in res.frechet if r["method"] == name]
        row = {"method": name, "pairs": len(rows)}
        row.update({k: _mean(rows, k) for k in SUMMARY_COLUMNS})
        for k in ("patch_frechet_relu4_3", "patch_frechet_effnet"):
            row[k] = _mean(fds, k) if fds else float("nan")
        out.append(row)
    return out

"""Evaluation metrics as pure tensor functions.

Feature maps come from `semstyle.vgg.VGG16Features` as {name: (N,C,H,W)}; probabilities from
`bench.efficientnet`. Every per-image metric returns shape (N,) so callers can average or
tabulate; nothing here touches files, devices or networks.
"""
from __future__ import annotations

import torch

from semstyle.losses import Features, cell_ycbcr, chroma_layout_loss, colour_spread_loss, gram, mean_std, tiles

CONTENT_LAYER = "relu4_3"
STYLE_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
PERCEPTUAL_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3")  # LPIPS-VGG's taps, on VGG16
FRECHET_LAYER = "relu4_3"
ALL_LAYERS = tuple(dict.fromkeys(STYLE_LAYERS + PERCEPTUAL_LAYERS))


def _per_image_mse(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(N,...) x (N or 1,...) -> (N,) mean squared difference per image (fp32)."""
    d = a.float() - b.float()
    return d.pow(2).flatten(1).mean(1)


def _check_same_shape(a: torch.Tensor, b: torch.Tensor, what: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{what}: feature shapes differ {tuple(a.shape)} vs {tuple(b.shape)}; resize the output to the content's size first")


def content_distance(phi_content: Features, phi_output: Features, layer: str = CONTENT_LAYER) -> torch.Tensor:
    """MSE between content and output features on `layer` (relu4_3): (N,). 0 for identical images."""
    _check_same_shape(phi_content[layer], phi_output[layer], "content_distance")
    return _per_image_mse(phi_output[layer], phi_content[layer])


def unit_normalise(f: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """(N,C,H,W) -> same, each spatial position's channel vector scaled to unit L2 length (LPIPS's step 1)."""
    f = f.float()
    return f / (f.pow(2).sum(1, keepdim=True).sqrt() + eps)


def perceptual_distance(phi_a: Features, phi_b: Features, layers: tuple[str, ...] = PERCEPTUAL_LAYERS) -> torch.Tensor:
    """VGG perceptual distance (uncalibrated, LPIPS-style): (N,).

    Per layer: channel-unit-normalise both maps, squared difference summed over channels,
    mean over positions; then an equal-weight mean over `layers`. LPIPS proper learns a
    per-channel weighting on human judgements; this has none, so it is NOT LPIPS and its
    values are only comparable with themselves. Range [0, 4] (unit vectors).
    """
    per_layer = []
    for n in layers:
        _check_same_shape(phi_a[n], phi_b[n], "perceptual_distance")
        d = (unit_normalise(phi_a[n]) - unit_normalise(phi_b[n])).pow(2).sum(1)  # (N,H,W)
        per_layer.append(d.flatten(1).mean(1))
    return torch.stack(per_layer).mean(0)


def _relative_sq_error(out: torch.Tensor, target: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """(N,...) vs (N or 1,...) -> (N,) ‖out − target‖² / ‖target‖² per image."""
    d = (out.float() - target.float()).pow(2).flatten(1).sum(1)
    return d / (target.float().pow(2).flatten(1).sum(1) + eps)


def gram_distance(phi_output: Features, phi_style: Features, layers: tuple[str, ...] = STYLE_LAYERS) -> torch.Tensor:
    """Style Gram distance: mean over `layers` of ‖G(out) − G(style)‖²_F / ‖G(style)‖²_F, G = `semstyle.losses.gram`: (N,).

    Relative, so every layer counts equally (raw Gram errors on relu2_2 are ~10⁴× those on
    relu4_3) and the value does not depend on the VGG weights' overall scale. 0 = same Grams;
    sizes may differ.
    """
    return gram_distance_to(phi_output, {n: gram(phi_style[n]) for n in layers}, layers)


def gram_distance_to(phi_output: Features, target_grams: dict[str, torch.Tensor], layers: tuple[str, ...] = STYLE_LAYERS) -> torch.Tensor:
    """`gram_distance` against given Gram matrices (N or 1, C, C) per layer, e.g. a style collection's mean: (N,)."""
    return _between_grams({n: gram(phi_output[n]) for n in layers}, target_grams, layers)


def _between_grams(grams: dict[str, torch.Tensor], target_grams: dict[str, torch.Tensor], layers: tuple[str, ...]) -> torch.Tensor:
    """Mean over `layers` of the relative squared error between Gram matrices: (N,)."""
    return sum(_relative_sq_error(grams[n], target_grams[n]) for n in layers) / len(layers)


def gram_distance_to_nearest(phi_output: Features, target_grams: dict[str, torch.Tensor], layers: tuple[str, ...] = STYLE_LAYERS) -> torch.Tensor:
    """`gram_distance_to` the nearest of S targets (S, C, C) per layer, e.g. a collection's artworks: (N,).
    The output's Grams are computed once, not once per target (129 artworks: ~100× faster)."""
    grams = {n: gram(phi_output[n]) for n in layers}
    return torch.stack([_between_grams(grams, {n: t[s:s + 1] for n, t in target_grams.items()}, layers)
                        for s in range(len(next(iter(target_grams.values()))))], 1).min(1).values


def tile_gram_distance_to(phi_output: Features, target_grams: dict[str, torch.Tensor], k: int = 2,
                          layers: tuple[str, ...] = STYLE_LAYERS) -> torch.Tensor:
    """`gram_distance_to` of each tile of a k×k grid of the output, averaged over the tiles: (N,). Targets (1, C, C).

    The whole picture's Gram is the mean of its tiles', so an output can meet a painting's with the style laid on thick
    in some tiles and the photo left as it was in others; each tile's distance cannot. Its ratio to the whole picture's
    says how evenly the style is spread (against a baseline's on the same pairs: more or less evenly than it)."""
    per_tile = gram_distance_to({n: tiles(phi_output[n], k) for n in layers}, target_grams, layers)
    return per_tile.reshape(-1, k * k).mean(1)


def mean_std_distance(phi_output: Features, phi_style: Features, layers: tuple[str, ...] = STYLE_LAYERS) -> torch.Tensor:
    """Style mean-std distance: mean over `layers` of ‖[μ,σ](out) − [μ,σ](style)‖² / ‖[μ,σ](style)‖², per-channel stats: (N,)."""
    total = 0.0
    for n in layers:
        out, style = torch.cat(mean_std(phi_output[n]), 1), torch.cat(mean_std(phi_style[n]), 1)  # (N,2C,1,1)
        total = total + _relative_sq_error(out, style)
    return total / len(layers)


def top1_agreement(p_content: torch.Tensor, p_output: torch.Tensor) -> torch.Tensor:
    """(N,K) class probabilities x2 -> (N,) 1.0 where both have the same top-1 class, else 0.0."""
    return (p_content.argmax(1) == p_output.argmax(1)).float()


def kept_class_probability(p_content: torch.Tensor, p_output: torch.Tensor) -> torch.Tensor:
    """(N,K) x2 -> (N,) probability the output gives to the content's top-1 class."""
    return p_output.float().gather(1, p_content.argmax(1, keepdim=True)).squeeze(1)


def dark_cell_share(content: torch.Tensor, output: torch.Tensor, cells: int = 16, factor: float = 0.5) -> torch.Tensor:
    """Share of a cells×cells grid that the output darkened to under `factor` of the photo's luminance there, both
    relative to their image's median cell (a picture darkened as a whole has none): (N,). 0 = no dark patch.

    Images are RGB in [0, 1]. Relative luminance counts from 0.05 up, so a cell already black in the photo cannot
    darken further."""
    def relative(img: torch.Tensor) -> torch.Tensor:
        lum = cell_ycbcr(img, cells)[:, 0].flatten(1)
        return lum / lum.median(1, keepdim=True).values.clamp_min(1e-6) + 0.05

    return (relative(output) < factor * relative(content)).float().mean(1)


def colour_change(content: torch.Tensor, output: torch.Tensor, cells: int = 8) -> torch.Tensor:
    """Root mean square change of each cell's chroma (Cb, Cr, relative to the image's mean chroma) from photo to
    output over a cells×cells grid, in thousandths of the chroma range: (N,). 0 = the photo's colours where they were.

    `semstyle.losses.chroma_layout_loss` per image, square-rooted: a new palette laid evenly over the picture costs
    nothing, a patch of one colour over part of a sky or a wall does (the colour blotches). A painting whose colours
    are laid out unlike the photo's (the Scream's orange sky) moves it too: compare models of one style."""
    return 1000 * _per_image(chroma_layout_loss, content, output, cells).sqrt()


def colour_spread(content: torch.Tensor, output: torch.Tensor, cells: int = 8) -> torch.Tensor:
    """Standard deviation over a cells×cells grid of the colourfulness the output adds to the photo in each cell, in
    thousandths: (N,). 0 = whatever colour the style adds, it adds evenly.

    `semstyle.losses.colour_spread_loss` per image, square-rooted. Unlike `colour_change` it sees a patch of strokes
    of opposite colours (blue and orange), which cancel in a cell's mean chroma."""
    return 1000 * _per_image(colour_spread_loss, content, output, cells).sqrt()


def _per_image(loss, content: torch.Tensor, output: torch.Tensor, cells: int) -> torch.Tensor:
    """A batch-mean training loss of (photo, output) taken image by image: (N,)."""
    return torch.stack([loss(c[None], o[None], cells) for c, o in zip(content, output)]).float()


def patch_vectors(f: torch.Tensor) -> torch.Tensor:
    """(N,C,H,W) -> (N·H·W, C): each spatial position (one receptive-field patch) as a sample."""
    return f.float().permute(0, 2, 3, 1).reshape(-1, f.shape[1])


def gaussian_stats(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(M,D) samples -> mean (D,) and unbiased covariance (D,D), in float64."""
    if x.shape[0] < 2:
        raise ValueError(f"gaussian_stats needs at least 2 samples, got {x.shape[0]}; use larger images or more of them")
    x = x.double()
    mu = x.mean(0)
    xc = x - mu
    return mu, xc.T @ xc / (x.shape[0] - 1)


def _sqrtm_psd(s: torch.Tensor) -> torch.Tensor:
    """Symmetric PSD (D,D) -> its symmetric square root (negative round-off eigenvalues clamped to 0)."""
    w, v = torch.linalg.eigh(s)
    return (v * w.clamp(min=0).sqrt()) @ v.T


def frechet_distance(mu1: torch.Tensor, s1: torch.Tensor, mu2: torch.Tensor, s2: torch.Tensor) -> float:
    """‖μ1 − μ2‖² + tr(S1 + S2 − 2 (S1^½ S2 S1^½)^½): the Fréchet (2-Wasserstein²) distance of two Gaussians.

    tr((S1 S2)^½) is computed as tr((S1^½ S2 S1^½)^½), which is symmetric, so `eigh` suffices.
    """
    mu1, mu2, s1, s2 = mu1.double(), mu2.double(), s1.double(), s2.double()
    r1 = _sqrtm_psd(s1)
    m = r1 @ s2 @ r1
    cross = torch.linalg.eigvalsh((m + m.T) / 2).clamp(min=0).sqrt().sum()
    return float((mu1 - mu2).pow(2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * cross)

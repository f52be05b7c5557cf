"""Pure loss functions. Features come from `semstyle.vgg.VGG16Features` as {name: (N,C,H,W)}."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .color import rgb_to_ycbcr

Features = dict[str, torch.Tensor]


def gram(f: torch.Tensor) -> torch.Tensor:
    """(N,C,H,W) -> (N,C,C) Gram matrix normalised by C*H*W (fp32 for stability)."""
    n, c, h, w = f.shape
    f = f.float().reshape(n, c, h * w)
    return torch.bmm(f, f.transpose(1, 2)) / (c * h * w)


def mean_std(f: torch.Tensor, eps: float = 1e-5) -> tuple[torch.Tensor, torch.Tensor]:
    """(N,C,H,W) -> per-channel mean and std, each (N,C,1,1)."""
    f = f.float()
    var = f.var(dim=(2, 3), keepdim=True, unbiased=False)
    return f.mean(dim=(2, 3), keepdim=True), (var + eps).sqrt()


def content_loss(phi_x: Features, phi_y: Features, layers: tuple[str, ...], symmetric: bool = False) -> torch.Tensor:
    """The seed's E‖Φ(x) − Φ(G(x))‖², relative so layers and images weigh alike; summed over `layers`.

    Plain: relative to E‖Φ(x)‖² over the batch. With `symmetric` (what G trains on), per image, relative to
    (‖Φ(x)‖² + ‖Φ(G(x))‖²) / 2. Plain, blacking out an object costs its ‖Φ(x)‖², exactly 1 relative, less than
    painting texture over it that does not match it (1 + ‖Φ(G(x))‖²/‖Φ(x)‖²), so G learns black blobs. Symmetric,
    black scores 2, the same as uncorrelated texture, and any texture that keeps some of the object scores less."""
    total = 0.0
    for n in layers:
        fx, fy = phi_x[n].float(), phi_y[n].float()
        if symmetric:
            total = total + _relative_sq_error(fy, fx, symmetric=True, eps=1e-8).mean()
        else:
            total = total + F.mse_loss(fy, fx) / fx.pow(2).mean().clamp_min(1e-8)
    return total


def _relative_sq_error(y: torch.Tensor, t: torch.Tensor, symmetric: bool, eps: float) -> torch.Tensor:
    """(N,...) vs (N or 1,...) -> (N,): mean (y − t)² over mean t², or with `symmetric` over (mean y² + mean t²) / 2."""
    s = t.pow(2).flatten(1).mean(1)
    if symmetric:
        s = (s + y.pow(2).flatten(1).mean(1)) / 2
    return ((y - t) ** 2).flatten(1).mean(1).div(s.clamp_min(eps))


def tiles(f: torch.Tensor, k: int) -> torch.Tensor:
    """(N,C,H,W) -> (N·k·k, C, H//k, W//k): a k×k grid of tiles, image by image (rows and columns that do not divide
    by k are left off the bottom and right edges)."""
    n, c, h, w = f.shape
    if h < k or w < k:
        raise ValueError(f"a {h}x{w} feature map cannot be cut into {k}x{k} tiles; use fewer tiles or a larger image")
    f = f[..., : h // k * k, : w // k * k].reshape(n, c, k, h // k, k, w // k)
    return f.permute(0, 2, 4, 1, 3, 5).reshape(n * k * k, c, h // k, w // k)


def gram_loss(phi_y: Features, target_grams: dict[str, torch.Tensor], layers: tuple[str, ...], symmetric: bool = False,
              scale_free: bool = False, n_tiles: int = 1) -> torch.Tensor:
    """Σ_layers ‖G(Φ(y)) − G_t‖² / s (means). Relative, because raw Gram magnitudes differ by ~10⁴ between
    relu1_2 and relu4_3: s is the target's own ‖G_t‖², or with `symmetric` (‖G(Φ(y))‖² + ‖G_t‖²) / 2.

    The symmetric form is what G trains on. With s = ‖G_t‖² a black output scores exactly 1 per layer, less than
    a poor stylisation of a bright photo scores against a dark painting, so black becomes the minimum and
    training collapses into it (README). Symmetric, black scores 2, the maximum; for G(Φ(y)) = α·G_t the loss
    is 2(1 − 2α/(1 + α²)), smallest at α = 1; a nearly flat painting cannot blow it up.
    With `scale_free` both Grams are first divided by their Frobenius norm: only the shape of the feature
    correlations is matched, not their energy (the domain collection's deep features carry about half a
    photo's; G met that by blacking out regions). With `n_tiles` = k > 1 each tile of a k×k grid of the picture is
    held to the target, not only the whole: a Gram is a mean over positions, so the whole picture can meet it with the
    style laid on thick in some places and the photo left nearly as it was in others (mondrian's patches of grid).
    Targets are (N or 1, C, C) and broadcast over the batch."""
    prep = _unit if scale_free else (lambda g: g)

    def target(n: str) -> torch.Tensor:  # one per image -> one per tile
        t = prep(target_grams[n].float())
        return t if t.shape[0] == 1 else t.repeat_interleave(n_tiles * n_tiles, 0)

    return sum(_relative_sq_error(prep(gram(tiles(phi_y[n], n_tiles))), target(n), symmetric, eps=1e-12).mean() for n in layers)


def _unit(g: torch.Tensor) -> torch.Tensor:
    """(N,C,C) Grams, each over its Frobenius norm."""
    return g / g.flatten(1).norm(dim=1).clamp_min(1e-12)[:, None, None]


def mean_std_loss(phi_y: Features, target: dict[str, tuple[torch.Tensor, torch.Tensor]], layers: tuple[str, ...]) -> torch.Tensor:
    """AdaIN's style loss: Σ_layers ‖μ(Φ(y)) − μ_t‖² + ‖σ(Φ(y)) − σ_t‖² (mean)."""
    total = 0.0
    for n in layers:
        m, s = mean_std(phi_y[n])
        mt, st = target[n]
        total = total + F.mse_loss(m, mt.expand_as(m)) + F.mse_loss(s, st.expand_as(s))
    return total


def layout_loss(x: torch.Tensor, y: torch.Tensor, cells: int = 16) -> torch.Tensor:
    """Mean squared difference of luminance between photo x and output y, averaged over a cells×cells grid.

    Only the large-scale light and dark layout counts: colour and any texture finer than a cell are free. It keeps
    G from meeting a dark painting's statistics with black blobs over parts of the photo."""
    return F.mse_loss(cell_ycbcr(y, cells)[:, :1], cell_ycbcr(x, cells)[:, :1])


def chroma_layout_loss(x: torch.Tensor, y: torch.Tensor, cells: int = 8) -> torch.Tensor:
    """Mean squared difference between photo x and output y of each cell's chroma (Cb, Cr) relative to the
    image's mean chroma, over a cells×cells grid.

    The palette may change as a whole (the style's colours replace the photo's), and colour finer than a cell
    (texture, strokes) is free, but a patch of one of the style's colours laid over part of a uniform sky or wall
    is not: the colour blotches that the layout loss, which holds luminance only, lets through."""
    return F.mse_loss(relative_chroma(y, cells), relative_chroma(x, cells))


def colour_spread_loss(x: torch.Tensor, y: torch.Tensor, cells: int = 8) -> torch.Tensor:
    """Variance over a cells×cells grid of the colourfulness that output y adds to photo x in each cell.

    A cell's colourfulness is its pixels' mean squared chroma distance from the image's mean chroma. The style may
    make the picture as colourful as it likes, evenly; what costs is colour heaped into some cells and not others.
    The chroma layout loss cannot see such a patch when it is made of strokes of opposite colours (blue and orange
    cancel in a cell's mean chroma): the_bedroom's blotches since it was trained with that loss."""
    added = cell_colourfulness(y, cells) - cell_colourfulness(x, cells)
    return (added - added.mean((2, 3), keepdim=True)).pow(2).mean()


def dark_patch_loss(x: torch.Tensor, y: torch.Tensor, cells: int = 16, floor: float = 0.05) -> torch.Tensor:
    """Mean squared shortfall, in log units, of each cell's luminance in output y below the photo x's, each relative
    to its own image's median cell, over a cells×cells grid.

    The layout loss holds luminance absolutely, so it charges for darkening the whole photo cell by cell: on the
    domain's training samples, a photo darkened to 60% everywhere cost it more than an output with a black blob over
    a sixteenth of it. A style darker than the photo is then cheapest met in one place (the domain collection's
    museum backgrounds became black blobs over the city, the elephant and the dogs). Here the picture may darken
    as a whole, and brighten anywhere, but no cell may darken more than the median cell does; a cell's luminance
    counts from `floor` of the median up. The median is a reference, not a target: no gradient reaches it, so the
    loss lightens the dark cells rather than darkening the median one."""
    def relative(img: torch.Tensor) -> torch.Tensor:
        lum = cell_ycbcr(img, cells)[:, 0].flatten(1)
        return lum / lum.detach().median(1, keepdim=True).values.clamp_min(1e-6)

    shortfall = (relative(x) + floor).log() - (relative(y) + floor).log()
    return F.relu(shortfall).pow(2).mean()


def cell_ycbcr(img: torch.Tensor, cells: int) -> torch.Tensor:
    """(N,3,H,W) RGB -> (N,3,cells,cells): each cell's mean Y, Cb, Cr. Both steps are linear, so pooling first is
    exact, and the colour transform then runs on cells×cells pixels instead of H×W."""
    return rgb_to_ycbcr(F.adaptive_avg_pool2d(img.float(), cells))


def relative_chroma(img: torch.Tensor, cells: int) -> torch.Tensor:
    """(N,3,H,W) RGB -> (N,2,cells,cells): each cell's Cb, Cr less the image's mean: where colours lie, not the palette."""
    c = cell_ycbcr(img, cells)[:, 1:]
    return c - c.mean((2, 3), keepdim=True)


def cell_colourfulness(img: torch.Tensor, cells: int) -> torch.Tensor:
    """(N,3,H,W) RGB -> (N,1,cells,cells): each cell's mean squared distance of its pixels' (Cb, Cr) from the image's
    mean: how much colour a cell holds, whether its strokes agree in hue or cancel."""
    c = rgb_to_ycbcr(img.float())[:, 1:]
    return F.adaptive_avg_pool2d((c - c.mean((2, 3), keepdim=True)).pow(2).sum(1, keepdim=True), cells)


def logit_overshoot(z: torch.Tensor, bound: float = 4.6) -> torch.Tensor:
    """Mean squared excess of G's pre-sigmoid output z beyond ±bound (4.6 = logit(0.99), the range G reads the photo in).

    A pixel deep in the sigmoid's tail gets no gradient from any loss on the image (σ'(−10) ≈ 5e-5): a black blob,
    once painted, stays, whatever the content and layout losses say. This keeps z where the image losses can reach it."""
    return F.relu(z.float().abs() - bound).pow(2).mean()


def total_variation(y: torch.Tensor) -> torch.Tensor:
    """Mean absolute difference between neighbouring pixels (anisotropic TV)."""
    return (y[..., 1:, :] - y[..., :-1, :]).abs().mean() + (y[..., :, 1:] - y[..., :, :-1]).abs().mean()


def d_hinge_loss(real_logits: list[torch.Tensor], fake_logits: list[torch.Tensor]) -> torch.Tensor:
    """Hinge loss for D, summed over scales: E[relu(1 − D(x))] + E[relu(1 + D(G(z)))]."""
    return sum(F.relu(1 - r.float()).mean() + F.relu(1 + f.float()).mean() for r, f in zip(real_logits, fake_logits))


def g_hinge_loss(fake_logits: list[torch.Tensor]) -> torch.Tensor:
    """Hinge loss for G, summed over scales: −E[D(G(z))]."""
    return sum(-f.float().mean() for f in fake_logits)


def r1_penalty(real_logits: list[torch.Tensor], real: torch.Tensor) -> torch.Tensor:
    """R1 = E‖∇_x D(x)‖² on real images (`real` must require grad)."""
    (grad,) = torch.autograd.grad(sum(r.float().sum() for r in real_logits), real, create_graph=True)
    return grad.float().pow(2).flatten(1).sum(1).mean()

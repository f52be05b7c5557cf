"""bench.metrics on hand-made feature maps and distributions: values we can work out on paper."""
import math

import pytest
import torch

from bench import metrics
from semstyle.losses import chroma_layout_loss, gram

LAYERS = metrics.ALL_LAYERS


def features(seed: int = 0, n: int = 2, hw: tuple[int, int] = (5, 7)) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return {name: torch.rand(n, 4 + i, *hw, generator=g) for i, name in enumerate(LAYERS)}


def constant(value: float, c: int = 3, hw: tuple[int, int] = (4, 6)) -> dict[str, torch.Tensor]:
    return {name: torch.full((1, c, *hw), value) for name in LAYERS}


def test_identical_images_have_zero_distance():
    f = features()
    for fn in (metrics.content_distance, metrics.perceptual_distance, metrics.gram_distance, metrics.mean_std_distance):
        d = fn(f, f)
        assert d.shape == (2,)
        assert torch.allclose(d, torch.zeros(2), atol=1e-6), fn.__name__


def test_different_images_have_positive_distance():
    a, b = features(0), features(1)
    for fn in (metrics.content_distance, metrics.perceptual_distance, metrics.gram_distance, metrics.mean_std_distance):
        assert (fn(a, b) > 0).all(), fn.__name__


def test_gram_of_constant_map_is_value_squared_over_channels():
    # G_ij = Σ_p a·a / (C·H·W) = a² / C for every i, j
    g = gram(torch.full((1, 3, 4, 6), 2.0))
    assert torch.allclose(g, torch.full((1, 3, 3), 4.0 / 3))


def test_gram_distance_of_constant_maps():
    a, b = 2.0, 3.0  # G_out = a²/C, G_style = b²/C everywhere -> relative error ((a² − b²)/b²)² on every layer
    d = metrics.gram_distance(constant(a), constant(b, hw=(8, 8)))  # sizes may differ
    assert d.item() == pytest.approx(((a * a - b * b) / (b * b)) ** 2, rel=1e-5)


def test_gram_distance_is_the_mean_of_its_layers():  # bench.quality derives `style_gram` from the per-layer columns
    out, style = features(seed=0), features(seed=1, hw=(6, 6))
    by_layer = [metrics.gram_distance(out, style, (n,)) for n in metrics.STYLE_LAYERS]
    assert torch.allclose(sum(by_layer) / len(by_layer), metrics.gram_distance(out, style), rtol=1e-6)


def test_tile_gram_distance_sees_style_laid_on_in_one_half():
    style = constant(3.0)
    target = {n: gram(f) for n, f in style.items()}
    everywhere = constant(2.0)  # each tile is the whole picture: the same distance
    assert metrics.tile_gram_distance_to(everywhere, target).item() == pytest.approx(metrics.gram_distance(everywhere, style).item(), rel=1e-5)
    half = {n: torch.cat([f * 2 ** 0.5, torch.zeros_like(f)], 3) for n, f in style.items()}  # twice the energy left, none right
    assert metrics.gram_distance(half, style).item() == pytest.approx(0, abs=1e-10)  # the whole picture's Gram is the painting's
    assert metrics.tile_gram_distance_to(half, target).item() == pytest.approx(1.0, rel=1e-5)  # each tile: (2b² − b²)² or (0 − b²)², over b⁴
    other = {n: gram(f) for n, f in features(1, n=1).items()}
    assert metrics.tile_gram_distance_to(features(0, n=3, hw=(6, 8)), other).shape == (3,)


def test_gram_distance_to_nearest_takes_each_outputs_closest_target():
    out = {n: torch.cat([constant(2.0)[n][:1], constant(3.0)[n][:1]]) for n in metrics.STYLE_LAYERS}  # two outputs
    art = {n: torch.cat([gram(constant(b)[n][:1]) for b in (3.0, 2.0, 10.0)]) for n in metrics.STYLE_LAYERS}  # three artworks
    assert metrics.gram_distance_to_nearest(out, art).tolist() == [0.0, 0.0]  # each is one of the artworks
    far = {n: g[2:] for n, g in art.items()}  # only the brightest: ((a² − 100)/100)²
    assert metrics.gram_distance_to_nearest(out, far).tolist() == pytest.approx([0.96 ** 2, 0.91 ** 2], rel=1e-5)
    outs, arts = features(0, n=3), {n: gram(f) for n, f in features(1, n=5).items()}  # random: no ties
    each = torch.stack([metrics.gram_distance_to(outs, {n: g[s:s + 1] for n, g in arts.items()}) for s in range(5)], 1)
    torch.testing.assert_close(metrics.gram_distance_to_nearest(outs, arts), each.min(1).values)


def test_mean_std_distance_of_constant_maps():
    a, b = 2.0, 5.0  # μ = value, σ = √eps ≈ 0 -> ((a − b)/b)²
    d = metrics.mean_std_distance(constant(a), constant(b))
    assert d.item() == pytest.approx(((a - b) / b) ** 2, rel=1e-4)


def test_mean_std_distance_sees_std_only_changes():
    x = torch.randn(1, 8, 16, 16, generator=torch.Generator().manual_seed(0))
    same_mean = {n: x for n in metrics.STYLE_LAYERS}
    wider = {n: (x - x.mean((2, 3), keepdim=True)) * 3 + x.mean((2, 3), keepdim=True) for n in metrics.STYLE_LAYERS}
    assert metrics.mean_std_distance(wider, same_mean).item() > 0.1


def test_content_distance_is_mse_on_relu4_3():
    a, b = constant(1.0), constant(3.0)
    b["relu1_2"] = a["relu1_2"] + 100  # other layers do not count
    assert metrics.content_distance(a, b).item() == pytest.approx(4.0)


def test_content_distance_rejects_size_mismatch():
    with pytest.raises(ValueError, match="resize"):
        metrics.content_distance(constant(1.0), constant(1.0, hw=(5, 5)))


def test_perceptual_distance_ignores_scale_and_sees_direction():
    f = features()
    assert torch.allclose(metrics.perceptual_distance(f, {k: 5 * v for k, v in f.items()}), torch.zeros(2), atol=1e-6)
    e1 = {n: torch.zeros(1, 2, 3, 3).index_fill_(1, torch.tensor([0]), 1.0) for n in LAYERS}
    e2 = {n: torch.zeros(1, 2, 3, 3).index_fill_(1, torch.tensor([1]), 1.0) for n in LAYERS}
    assert metrics.perceptual_distance(e1, e2).item() == pytest.approx(2.0)  # ‖e1 − e2‖² of orthogonal unit vectors


def test_semantic_metrics():
    p_content = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    p_output = torch.tensor([[0.6, 0.3, 0.1], [0.5, 0.1, 0.4]])
    assert metrics.top1_agreement(p_content, p_output).tolist() == [1.0, 0.0]
    assert metrics.kept_class_probability(p_content, p_output).tolist() == pytest.approx([0.6, 0.4])


def test_patch_vectors_are_positions():
    f = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)
    v = metrics.patch_vectors(f)
    assert v.shape == (8, 3)
    assert v[0].tolist() == f[0, :, 0, 0].tolist()


def test_frechet_of_identical_gaussians_is_zero():
    x = torch.randn(500, 6, generator=torch.Generator().manual_seed(0)) @ torch.randn(6, 6, generator=torch.Generator().manual_seed(1))
    mu, cov = metrics.gaussian_stats(x)
    assert metrics.frechet_distance(mu, cov, mu, cov) == pytest.approx(0.0, abs=1e-8)


def test_frechet_of_shifted_means_is_squared_shift():
    x = torch.randn(300, 4, generator=torch.Generator().manual_seed(0))
    shift = torch.tensor([1.0, -2.0, 0.5, 3.0])
    mu1, cov1 = metrics.gaussian_stats(x)
    mu2, cov2 = metrics.gaussian_stats(x + shift)
    assert metrics.frechet_distance(mu1, cov1, mu2, cov2) == pytest.approx(float(shift.pow(2).sum()), rel=1e-6)


def test_frechet_of_diagonal_covariances():
    # commuting covariances: tr(S1 + S2 − 2√(S1 S2)) = Σ (√s1 − √s2)²
    s1, s2 = torch.tensor([1.0, 4.0, 9.0]), torch.tensor([4.0, 1.0, 9.0])
    mu = torch.zeros(3)
    expected = float((s1.sqrt() - s2.sqrt()).pow(2).sum())
    assert metrics.frechet_distance(mu, torch.diag(s1), mu, torch.diag(s2)) == pytest.approx(expected)
    assert math.isclose(metrics.frechet_distance(mu, torch.diag(s1), mu, torch.diag(s2)), metrics.frechet_distance(mu, torch.diag(s2), mu, torch.diag(s1)), rel_tol=1e-9)


def test_gaussian_stats_needs_two_samples():
    with pytest.raises(ValueError, match="at least 2"):
        metrics.gaussian_stats(torch.zeros(1, 3))


def test_dark_cell_share_counts_a_black_patch_not_a_darker_picture():
    g = torch.Generator().manual_seed(0)
    photo = 0.3 + 0.5 * torch.rand(2, 3, 64, 64, generator=g)
    assert (metrics.dark_cell_share(photo, photo) == 0).all()
    assert (metrics.dark_cell_share(photo, photo * 0.3) == 0).all()  # darker as a whole: a dark style, no patch
    blob = photo.clone()
    blob[0, :, :16, :16] = 0.0  # a black sixteenth of the first picture
    assert metrics.dark_cell_share(photo, blob).tolist() == [1 / 16, 0.0]
    night = photo.clone()
    night[:, :, :16, :16] = 0.0  # black in the photo already: not the output's doing
    assert (metrics.dark_cell_share(night, night) == 0).all()


def test_colour_change_counts_a_colour_patch_not_a_new_palette():
    g = torch.Generator().manual_seed(0)
    photo = 0.3 + 0.4 * torch.rand(2, 3, 64, 64, generator=g)
    assert metrics.colour_change(photo, photo).tolist() == [0.0, 0.0]
    tinted = photo + torch.tensor([0.1, 0.0, -0.1]).view(1, 3, 1, 1)  # warmer as a whole: the style's palette
    assert metrics.colour_change(photo, tinted).max() < 1e-3
    blotch = _blotched(photo)
    assert metrics.colour_change(photo, blotch)[0] > 20 and metrics.colour_change(photo, blotch)[1] == 0  # the first has it
    assert math.isclose(float(metrics.colour_change(photo[:1], blotch[:1])), 1000 * float(chroma_layout_loss(photo[:1], blotch[:1]).sqrt()), rel_tol=1e-5)


def _blotched(photo: torch.Tensor) -> torch.Tensor:
    """A saturated blue patch over a sixteenth of the first picture."""
    out = photo.clone()
    out[0, :, :16, :16] = torch.tensor([0.1, 0.2, 0.9]).view(3, 1, 1)
    return out


def test_colour_spread_sees_opposite_colours_that_colour_change_does_not():
    photo = torch.nn.functional.interpolate(0.3 + 0.4 * torch.rand(2, 3, 4, 4, generator=torch.Generator().manual_seed(0)), size=64, mode="bilinear")
    stripes = (torch.arange(64) % 2).view(1, 1, 1, 64) * torch.tensor([0.2, 0.0, -0.2]).view(1, 3, 1, 1) - torch.tensor([0.1, 0.0, -0.1]).view(1, 3, 1, 1)
    out = photo.clone()
    out[0, :, :16, :16] += stripes[0, :, :16, :16]  # blue and orange stripes over a corner of the first picture
    assert metrics.colour_change(photo, out)[0] < 1e-3  # they cancel in each cell's mean chroma
    assert metrics.colour_spread(photo, out)[0] > 1 and metrics.colour_spread(photo, out)[1] == 0
    assert metrics.colour_spread(photo, photo + stripes).max() < 0.2 * metrics.colour_spread(photo, out)[0]  # laid on evenly

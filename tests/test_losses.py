"""Loss functions against values computed by hand."""
import pytest
import torch
import torch.nn.functional as F

from semstyle import losses as L


def test_gram_of_hand_made_features():
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).reshape(1, 1, 2, 2)  # C=1, H=W=2
    assert torch.allclose(L.gram(f), torch.tensor([[[(1 + 4 + 9 + 16) / 4]]]))
    f2 = torch.stack([torch.ones(2, 2), 2 * torch.ones(2, 2)]).reshape(1, 2, 2, 2)
    assert torch.allclose(L.gram(f2), torch.tensor([[[1.0, 2.0], [2.0, 4.0]]]) * 4 / 8)


def test_mean_std():
    f = torch.tensor([1.0, 3.0, 1.0, 3.0]).reshape(1, 1, 2, 2)
    m, s = L.mean_std(f, eps=0.0)
    assert m.item() == 2.0 and s.item() == 1.0


def test_content_loss_is_relative_mse():
    a = {"relu4_3": torch.full((1, 2, 2, 2), 2.0)}
    b = {"relu4_3": torch.full((1, 2, 2, 2), 3.0)}
    assert torch.isclose(L.content_loss(a, b, ("relu4_3",)), torch.tensor(1.0 / 4.0))
    assert L.content_loss(a, a, ("relu4_3",)) == 0
    # symmetric: (3 − 2)² / ((4 + 9) / 2) = 2/13, per image
    assert torch.isclose(L.content_loss(a, b, ("relu4_3",), symmetric=True), torch.tensor(2.0 / 13.0))


def test_symmetric_content_loss_does_not_prefer_black_to_texture():
    g = torch.Generator().manual_seed(0)
    photo = {"x": torch.rand(2, 8, 16, 16, generator=g)}
    black = {"x": torch.zeros(2, 8, 16, 16)}
    texture = {"x": 0.5 * photo["x"] + 2 * torch.rand(2, 8, 16, 16, generator=g)}  # keeps part of the photo under strong texture
    # the plain relative loss scores black 1, below the textured output; symmetric, black is 2, its maximum
    assert L.content_loss(photo, black, ("x",)) == 1 < L.content_loss(photo, texture, ("x",))
    assert L.content_loss(photo, black, ("x",), symmetric=True) == 2 > L.content_loss(photo, texture, ("x",), symmetric=True)


def test_gram_loss_is_relative_and_zero_at_target():
    f = {"x": torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 2, 2)}
    t = {"x": L.gram(f["x"])}
    assert L.gram_loss(f, t, ("x",)) == 0
    doubled = {"x": 2 * t["x"]}  # ‖g − 2g‖² / ‖2g‖² = 1/4
    assert torch.isclose(L.gram_loss(f, doubled, ("x",)), torch.tensor(0.25))
    # symmetric: ‖g − 2g‖² / ((‖g‖² + ‖2g‖²) / 2) = 1 / (5/2) = 0.4, i.e. 2(1 − 2α/(1 + α²)) at α = 1/2
    assert torch.isclose(L.gram_loss(f, doubled, ("x",), symmetric=True), torch.tensor(0.4))


def test_symmetric_gram_loss_makes_a_black_output_the_worst_not_the_best():
    g = torch.Generator().manual_seed(0)
    style = {"x": torch.rand(2, 8, 16, 16, generator=g)}
    target = {"x": L.gram(style["x"])[:1]}
    black = {"x": torch.zeros(2, 8, 16, 16)}
    bright = {"x": 3 * torch.rand(2, 8, 16, 16, generator=g)}  # a poor match with 9× the Gram magnitude
    # the plain relative loss prefers black (exactly 1) to the poor match; the symmetric one scores black 2, its maximum
    assert L.gram_loss(black, target, ("x",)) == 1 < L.gram_loss(bright, target, ("x",))
    assert L.gram_loss(black, target, ("x",), symmetric=True) == 2 > L.gram_loss(bright, target, ("x",), symmetric=True)


def test_scale_free_gram_loss_ignores_feature_energy_not_correlations():
    g = torch.Generator().manual_seed(0)
    f = {"x": torch.rand(2, 8, 16, 16, generator=g)}
    t = {"x": L.gram(f["x"])[:1]}
    half = {"x": f["x"][:1] * 0.5}  # a quarter of the Gram: the same correlations, less energy
    assert L.gram_loss(half, t, ("x",), symmetric=True) > 0.5
    assert L.gram_loss(half, t, ("x",), symmetric=True, scale_free=True) < 1e-10
    other = {"x": torch.rand(1, 8, 16, 16, generator=g) ** 4}  # other correlations
    assert L.gram_loss(other, t, ("x",), scale_free=True) > 1e-3
    # unit Grams: ‖ĝ − ĝ_t‖² over ‖ĝ_t‖² = 1 is 2 − 2cos, so it never exceeds 4 (black counts as cos 0: 2)
    black = {"x": torch.zeros(1, 8, 16, 16)}
    assert torch.isclose(L.gram_loss(black, t, ("x",), symmetric=True, scale_free=True), torch.tensor(2.0))


def test_tiles_cut_each_image_into_a_grid_whose_grams_average_to_the_whole():
    f = torch.arange(2 * 3 * 9 * 8, dtype=torch.float32).reshape(2, 3, 9, 8)
    t = L.tiles(f, 2)  # 9 rows: the last is left off
    assert t.shape == (8, 3, 4, 4)
    assert torch.equal(t[1], f[0, :, :4, 4:]) and torch.equal(t[2], f[0, :, 4:8, :4]) and torch.equal(t[7], f[1, :, 4:8, 4:])
    assert torch.allclose(L.gram(t).reshape(2, 4, 3, 3).mean(1), L.gram(f[..., :8, :]))
    with pytest.raises(ValueError, match="fewer tiles or a larger image"):
        L.tiles(f, 10)


def test_tiled_gram_loss_charges_style_laid_on_in_patches():
    base = torch.rand(1, 8, 8, 4, generator=torch.Generator().manual_seed(0))
    texture = torch.cat([base, base], 2)  # the left half of the picture: each of its tiles has the whole's Gram
    t = {"x": L.gram(texture)}
    everywhere = {"x": torch.cat([texture, texture], 3)}  # the texture over the whole picture
    patch = {"x": torch.cat([texture * 2 ** 0.5, torch.zeros_like(texture)], 3)}  # twice as strong on one half, none on the other
    for y in (everywhere, patch):  # the whole picture's Gram meets the target exactly either way
        assert L.gram_loss(y, t, ("x",), symmetric=True) < 1e-10
    assert L.gram_loss(everywhere, t, ("x",), symmetric=True, n_tiles=2) < 1e-10
    assert L.gram_loss(patch, t, ("x",), symmetric=True, n_tiles=2) > 1  # the empty tiles score 2 each, the others 0.4
    # one target per image (the universal model's batch) goes to each of its tiles
    per_image = {"x": torch.cat([t["x"], 2 * t["x"]])}
    both = {"x": torch.cat([everywhere["x"], everywhere["x"] * 2 ** 0.5])}
    assert L.gram_loss(both, per_image, ("x",), symmetric=True, n_tiles=2) < 1e-10


def test_layout_loss_ignores_colour_and_fine_texture_but_not_a_dark_blob():
    g = torch.Generator().manual_seed(0)
    photo = 0.25 + 0.5 * torch.rand(1, 3, 64, 64, generator=g)
    assert L.layout_loss(photo, photo) == 0
    checker = (torch.arange(64)[:, None] + torch.arange(64)[None, :]) % 2 * 0.4 - 0.2  # 1-px texture, zero mean per cell
    assert L.layout_loss(photo, photo + checker) < 1e-10
    grey = (photo * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True).expand(-1, 3, -1, -1)
    assert L.layout_loss(photo, grey) < 1e-10  # same luminance, no colour: colour is free
    blob = photo.clone()
    blob[..., :32, :32] = 0  # a black quarter
    assert L.layout_loss(photo, blob) > 0.05


def test_chroma_layout_loss_lets_the_palette_change_but_not_a_colour_patch():
    g = torch.Generator().manual_seed(0)
    photo = 0.25 + 0.5 * torch.rand(1, 3, 64, 64, generator=g)
    assert L.chroma_layout_loss(photo, photo) == 0
    tinted = photo * torch.tensor([1.2, 0.9, 0.7]).view(1, 3, 1, 1)  # the same tint everywhere: a new palette
    tinted_patch = photo.clone()
    tinted_patch[..., :16, :16] = tinted[..., :16, :16]  # the same tint on one corner only: a blotch
    assert L.chroma_layout_loss(photo, tinted) < 0.05 * L.chroma_layout_loss(photo, tinted_patch)
    grey = photo.mean(1, keepdim=True).expand(-1, 3, -1, -1)
    assert L.chroma_layout_loss(photo, photo - 0.2) < 1e-10  # the same colours, darker: the layout loss's business
    assert L.chroma_layout_loss(photo, grey) > 0  # losing the photo's colour layout is not free
    checker = (torch.arange(64)[:, None] + torch.arange(64)[None, :]) % 2 * torch.tensor([0.3, -0.3, 0.0]).view(1, 3, 1, 1)
    assert L.chroma_layout_loss(photo, photo + checker) < 1e-10  # colour texture finer than a cell is free
    y = tinted_patch.clone().requires_grad_(True)
    L.chroma_layout_loss(photo, y).backward()
    assert y.grad[..., :16, :16].abs().sum() > 0  # it pulls the patch back


def test_dark_patch_loss_lets_the_picture_darken_as_a_whole_but_not_in_one_place():
    g = torch.Generator().manual_seed(0)
    photo = 0.3 + 0.5 * torch.rand(2, 3, 64, 64, generator=g)
    assert L.dark_patch_loss(photo, photo) == 0
    darker = photo * 0.5  # a dark style over the whole picture
    assert L.dark_patch_loss(photo, darker) < 1e-10
    blob = photo.clone()
    blob[..., :16, :16] *= 0.1  # the same darkness in one corner: a black blob
    assert L.dark_patch_loss(photo, blob) > 0.05
    assert L.layout_loss(photo, blob) < L.layout_loss(photo, darker)  # why: the layout loss prefers the blob
    light = photo.clone()
    light[..., :16, :16] = 1.0  # light strokes in one corner are free
    assert L.dark_patch_loss(photo, light) < 1e-3 * L.dark_patch_loss(photo, blob)
    y = blob.clone().requires_grad_(True)
    L.dark_patch_loss(photo, y).backward()
    assert (y.grad[..., :16, :16] < 0).all() and y.grad[..., 32:, 32:].abs().sum() == 0  # it lightens the blob only


def test_logit_overshoot_reaches_saturated_pixels_that_image_losses_cannot():
    z = torch.tensor([-20.0, -4.0, 0.0, 3.0, 10.0], requires_grad=True)
    loss = L.logit_overshoot(z, bound=4.6)
    assert torch.isclose(loss, torch.tensor((15.4**2 + 5.4**2) / 5))  # only the two beyond ±4.6 count
    loss.backward()
    assert -z.grad[0] > 0 > -z.grad[4] and (z.grad[1:4] == 0).all()  # descent pulls both back towards the range
    # a loss on the image itself: the black pixel's gradient vanishes (why a painted blob stays)
    z2 = z.detach().requires_grad_()
    torch.sigmoid(z2).sum().backward()
    assert z2.grad[0] < 1e-8


def test_mean_std_loss():
    f = {"x": torch.tensor([1.0, 3.0, 1.0, 3.0]).reshape(1, 1, 2, 2)}
    target = {"x": (torch.tensor(2.0).reshape(1, 1, 1, 1), torch.tensor(3.0).reshape(1, 1, 1, 1))}
    assert torch.isclose(L.mean_std_loss(f, target, ("x",)), torch.tensor(4.0), atol=1e-4)  # (1 − 3)²


def test_total_variation():
    y = torch.tensor([[0.0, 1.0], [0.0, 1.0]]).reshape(1, 1, 2, 2)
    assert L.total_variation(y) == 1.0  # vertical diffs 0, horizontal diffs 1


def test_hinge_losses():
    real, fake = [torch.tensor([2.0, 0.0])], [torch.tensor([-2.0, 0.5])]
    # D: mean(relu(1 − [2, 0])) + mean(relu(1 + [−2, 0.5])) = 0.5 + 0.75
    assert torch.isclose(L.d_hinge_loss(real, fake), torch.tensor(1.25))
    assert torch.isclose(L.g_hinge_loss(fake), torch.tensor(0.75))


def test_r1_penalty_of_a_linear_critic():
    x = torch.rand(3, 2, requires_grad=True)
    logits = [x @ torch.tensor([3.0, 4.0])]  # ∇ = (3, 4), ‖∇‖² = 25
    assert torch.isclose(L.r1_penalty(logits, x), torch.tensor(25.0))


def test_colour_spread_loss_sees_a_patch_of_opposite_colours_that_the_chroma_layout_loss_does_not():
    g = torch.Generator().manual_seed(0)
    photo = F.interpolate(0.25 + 0.5 * torch.rand(1, 3, 4, 4, generator=g), size=64, mode="bilinear")  # smooth, as photos are
    assert L.colour_spread_loss(photo, photo) == 0
    checker = (torch.arange(64)[:, None] + torch.arange(64)[None, :]) % 2 * torch.tensor([0.2, 0.0, -0.2]).view(1, 3, 1, 1)
    patch = photo.clone()
    patch[..., :16, :16] += checker[..., :16, :16] - 0.1 * torch.tensor([1.0, 0.0, -1.0]).view(1, 3, 1, 1)  # blue and orange
    assert L.chroma_layout_loss(photo, patch) < 1e-10  # pixel by pixel in one corner: they cancel in each cell's mean chroma
    assert L.colour_spread_loss(photo, patch) > 1e-6  # (4 of 64 cells each ~0.008 more colourful: variance ~3e-6)
    everywhere = photo + checker - 0.1 * torch.tensor([1.0, 0.0, -1.0]).view(1, 3, 1, 1)  # the same strokes over the whole picture
    assert L.colour_spread_loss(photo, everywhere) < 0.05 * L.colour_spread_loss(photo, patch)  # colour laid on evenly is free
    assert L.colour_spread_loss(photo, photo + torch.tensor([0.1, 0.0, -0.1]).view(1, 3, 1, 1)) < 1e-10  # a new palette is free
    y = patch.clone().requires_grad_(True)
    L.colour_spread_loss(photo, y).backward()
    assert y.grad[..., :16, :16].abs().sum() > 0  # it pulls the patch back

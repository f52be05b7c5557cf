"""Tiled inference agrees with one pass and leaves no seams; colour preservation keeps the content's chroma."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from semstyle.color import preserve_colors, rgb_to_ycbcr, ycbcr_to_rgb
from semstyle.config import GeneratorConfig, ModelConfig
from semstyle.modeling import StyleModel
from semstyle.pipeline import StylePipeline
from semstyle.tiling import stylize_tiled, tile_spans

# Real-size channels (so G's receptive field is the real one, ~80 px), fewer residual blocks for speed.
GEN = GeneratorConfig(channels=(24, 48, 96), n_res=2, style_dim=16)


@pytest.fixture(scope="module")
def pipe() -> StylePipeline:
    torch.manual_seed(0)
    model = StyleModel(ModelConfig(kind="per_style", generator=GEN, style_name="test"))
    with torch.no_grad():  # a non-trivial style modulation (fresh models start as plain instance norm)
        for norm in model.generator.norms():
            norm.affine.weight.normal_(0, 0.2)
            norm.affine.bias.normal_(0, 0.2)
        model.style_code.normal_()
        model.generator.tail[1].weight.normal_(0, 0.3)  # the tail starts at zero (G = identity): make G act
    return StylePipeline(model, device="cpu", dtype=torch.float32)


def photo_like(h: int, w: int, seed: int = 0) -> torch.Tensor:
    """(1,3,h,w) in [0,1]: smooth regions with edges and fine texture, like a photo at this scale."""
    g = torch.Generator().manual_seed(seed)
    coarse = F.interpolate(torch.rand(1, 3, 6, 8, generator=g), size=(h, w), mode="bicubic", align_corners=False)
    edges = (F.interpolate(torch.rand(1, 1, 12, 16, generator=g), size=(h, w), mode="nearest") > 0.5).float()
    return (0.7 * coarse + 0.2 * edges + 0.05 * torch.rand(1, 3, h, w, generator=g)).clamp(0, 1)


def column_gradient(y: torch.Tensor) -> torch.Tensor:
    """Mean |∂y/∂x| between column j and j+1, for every j: (W-1,)."""
    return (y[..., 1:] - y[..., :-1]).abs().mean(dim=(0, 1, 2))


def row_gradient(y: torch.Tensor) -> torch.Tensor:
    return (y[..., 1:, :] - y[..., :-1, :]).abs().mean(dim=(0, 1, 3))


def edges_of(spans: list[tuple[int, int]], length: int) -> list[int]:
    """Gradient indices at every tile border inside the image (where a seam would show)."""
    cuts = {s for s, _ in spans if s > 0} | {e for _, e in spans if e < length}
    return sorted(c - 1 for c in cuts)


def test_tile_spans_cover_align_and_overlap():
    for length in (100, 513, 577, 1000, 1024, 2048, 2047):
        spans = tile_spans(length, 512, 64, 8)
        assert spans[0][0] == 0 and spans[-1][1] == length
        assert all(s % 8 == 0 for s, _ in spans)
        assert all(e - s <= 512 + 64 + 7 for s, e in spans)
        assert all(b[0] <= a[1] - 64 for a, b in zip(spans, spans[1:]))  # consecutive tiles overlap >= 64
    assert tile_spans(1024, 512, 64, 8) == [(0, 576), (448, 1024)]  # 2 tiles, not 3


def test_tiled_matches_single_pass_where_both_fit(pipe):
    x = photo_like(296, 424)
    code = pipe.encode_style(None)
    full = pipe.stylize(x, code=code)
    tiled = stylize_tiled(pipe, x, code, tile=160, overlap=64, stats_side=1024)  # stats of the whole image: exact
    assert tiled.shape == full.shape
    effect = (full - x).abs().mean()  # how much G changes the picture (this random G: ~0.28)
    diff = (tiled - full).abs()
    # What differs is only context beyond a tile's overlap (G sees ~80 px around a pixel; tiles share 64).
    assert diff.mean() < 0.05 * effect, (diff.mean(), effect)
    assert diff.flatten().quantile(0.999) < 0.25, diff.flatten().quantile(0.999)
    assert all(norm.frozen is None and not norm.recording for norm in pipe.model.generator.norms())  # released


def test_no_seams_with_downscaled_statistics(pipe):
    """At every tile border the tiled output's gradient matches the single pass's (content edges are in both);
    a real seam, from tiles stylised independently, breaks that by more than 10x the allowed deviation."""
    x = photo_like(296, 424, seed=1)
    code = pipe.encode_style(None)
    tiled = stylize_tiled(pipe, x, code, tile=160, overlap=64, stats_side=200)  # the whole image at ~half size
    full = pipe.stylize(x, code=code)
    m = pipe.config.generator.multiple
    for gradient, length in ((column_gradient, 424), (row_gradient, 296)):
        ref = gradient(full)
        at = edges_of(tile_spans(length, 160, 64, m), length)
        deviation = (gradient(tiled)[at] - ref[at]).abs()
        assert deviation.max() < 0.6 * ref.median(), (deviation, ref.median())

    # The metric does see a seam: tiles stylised independently, each with its own statistics, abut visibly.
    naive = torch.cat([pipe.stylize(x[..., :, :212], code=code), pipe.stylize(x[..., :, 212:], code=code)], dim=-1)
    ref = column_gradient(full)
    assert (column_gradient(naive)[211] - ref[211]).abs() > 6 * ref.median()


def test_single_tile_is_the_plain_pass(pipe):
    x = photo_like(100, 140)
    code = pipe.encode_style(None)
    torch.testing.assert_close(stylize_tiled(pipe, x, code, tile=160, overlap=64), pipe.stylize(x, code=code))


def test_progress_is_reported(pipe):
    seen = []
    stylize_tiled(pipe, photo_like(200, 330), pipe.encode_style(None), tile=128, overlap=32,
                  progress=lambda f, desc: seen.append((f, desc)))
    assert seen[0][0] == 0.0 and seen[-1][0] == 1.0
    assert [f for f, _ in seen] == sorted(f for f, _ in seen)


def test_statistics_are_released_after_an_error(pipe):
    with pytest.raises(Exception):
        stylize_tiled(pipe, photo_like(200, 330), torch.zeros(1, 999), tile=128, overlap=32)
    assert all(norm.frozen is None and not norm.recording for norm in pipe.model.generator.norms())


# ---- colour preservation -------------------------------------------------------------------------


def test_ycbcr_round_trip():
    x = torch.rand(2, 3, 17, 9)
    torch.testing.assert_close(ycbcr_to_rgb(rgb_to_ycbcr(x)), x, atol=1e-5, rtol=0)
    grey = torch.full((3, 4, 4), 0.3)
    torch.testing.assert_close(rgb_to_ycbcr(grey)[1:], torch.zeros(2, 4, 4), atol=1e-6, rtol=0)


def test_preserve_colors_takes_luma_from_stylised_and_chroma_from_content():
    content = 0.45 + 0.1 * torch.rand(1, 3, 32, 24)  # mild colours and mid luminance: the mix stays in gamut
    stylised = 0.3 + 0.4 * torch.rand(1, 3, 32, 24)
    out = preserve_colors(content, stylised)
    y_out, y_sty, y_con = rgb_to_ycbcr(out), rgb_to_ycbcr(stylised), rgb_to_ycbcr(content)
    torch.testing.assert_close(y_out[:, :1], y_sty[:, :1], atol=1e-5, rtol=0)
    torch.testing.assert_close(y_out[:, 1:], y_con[:, 1:], atol=1e-5, rtol=0)
    assert out.min() >= 0 and out.max() <= 1


def test_preserve_colors_of_a_grey_content_is_grey_and_shapes_must_match():
    out = preserve_colors(torch.full((3, 8, 8), 0.5), torch.rand(3, 8, 8))
    assert (out.max(dim=0).values - out.min(dim=0).values).max() < 1e-5  # R = G = B
    with pytest.raises(ValueError, match="same shape"):
        preserve_colors(torch.rand(3, 8, 8), torch.rand(3, 8, 9))


def test_the_cli_tiles_images_larger_than_one_tile(tmp_path, monkeypatch):
    """`python -m semstyle stylize` goes through stylize_tiled: bounded memory for a large photo, same size out."""
    from PIL import Image

    import semstyle.tiling as tiling
    from semstyle.__main__ import main
    from tests.helpers import tiny_model

    tiny_model().save_folder(tmp_path / "m")
    Image.effect_noise((1200, 40), 50).convert("RGB").save(tmp_path / "wide.png")
    Image.effect_noise((60, 40), 50).convert("RGB").save(tmp_path / "small.png")
    recorded = []
    monkeypatch.setattr(tiling, "record_statistics", lambda *a: recorded.append(a[1].shape))
    monkeypatch.setattr(tiling, "release_statistics", lambda pipe: None)
    assert main(["stylize", str(tmp_path / "wide.png"), str(tmp_path / "small.png"), "--model", str(tmp_path / "m"),
                 "--out", str(tmp_path / "out"), "--strength", "0.5", "--device", "cpu"]) == 0
    assert [tuple(s[-2:]) for s in recorded] == [(40, 1200)]  # the wide one in tiles; the small one in one pass
    assert Image.open(tmp_path / "out" / "wide.png").size == (1200, 40)
    assert Image.open(tmp_path / "out" / "small.png").size == (60, 40)


def test_a_strip_one_pixel_wide_is_tiled(pipe):
    """The statistics pass downscales the long side to 1024 px; the short side must stay at least 1 px."""
    x = torch.rand(1, 3, 2100, 1)
    assert stylize_tiled(pipe, x, pipe.encode_style(None)).shape == x.shape

"""Every model bundled in models/ loads strictly and stylises a small image; sizes stay within budget."""
from pathlib import Path

import pytest
import torch

from semstyle import StylePipeline
from semstyle.config import ModelConfig
from semstyle.images import load_image, pil_to_tensor, resize_max_side
from semstyle.modeling import WEIGHTS_NAME
from tests.conftest import ROOT
from tests.helpers import tiny_model

MODELS = sorted(p for p in (ROOT / "models").glob("*") if (p / "config.json").is_file())
PRESETS = [p for p in MODELS if ModelConfig.from_json((p / "config.json").read_text()).kind == "per_style"]
MB = 1024 * 1024


def test_the_app_ships_a_universal_model_and_at_least_eight_presets():
    kinds = [StylePipeline.from_pretrained(p, device="cpu").is_arbitrary for p in MODELS]
    assert kinds.count(True) >= 1 and kinds.count(False) >= 8, [p.name for p in MODELS]


@pytest.mark.parametrize("folder", MODELS, ids=[p.name for p in MODELS])
def test_shipped_model_loads_strictly_and_stylises(folder: Path):
    pipe = StylePipeline.from_pretrained(folder, device="cpu")
    size = (folder / WEIGHTS_NAME).stat().st_size
    assert size <= (30 if pipe.is_arbitrary else 8) * MB, f"{folder.name}: {size / MB:.1f} MB"
    assert (folder / "README.md").is_file() and (folder / "style.jpg").is_file()
    # a real photo and painting (the shipped examples), not noise: on noise the universal model's change is small
    # and depends on the draw (0.0075-0.01), which made this test pass or fail with the suite's order
    x = pil_to_tensor(resize_max_side(load_image(ROOT / "examples" / "photo_dogs.jpg"), 64)).unsqueeze(0)
    style = load_image(ROOT / "examples" / "style_starry_night.jpg") if pipe.is_arbitrary else None
    y = pipe.stylize(x, style=style)
    assert y.shape == x.shape and torch.isfinite(y).all()
    # trained weights: it really changes the picture (an untrained G is the identity; the shipped models change this
    # pair by 0.08-0.19, the universal model 0.17; the one shipped before stop 12 changed it by 0.013)
    assert (y - x).abs().mean() > 0.01, f"{folder.name} hardly changes the photo"


def worst_edge_over_inside(pipe: StylePipeline, x: torch.Tensor) -> float:
    """The largest mean change along one edge (4 px) of the photo, over the mean change inside it."""
    d = (pipe.stylize(x) - x).abs().mean(1)[0]
    edges = [d[:, :4], d[:, -4:], d[:4], d[-4:]]
    return max(e.mean() for e in edges).item() / d[8:-8, 8:-8].mean().item()


@pytest.mark.parametrize("folder", PRESETS, ids=[p.name for p in PRESETS])
def test_no_preset_changes_the_photos_borders_much_more_than_its_inside(folder: Path):
    """Measured at 0.7-1.5 for every preset (great_wave shipped before stop 24: 4.4 without the border, 1.5 with it)."""
    x = pil_to_tensor(resize_max_side(load_image(ROOT / "examples" / "photo_dandelions.jpg"), 256)).unsqueeze(0)
    assert worst_edge_over_inside(StylePipeline.from_pretrained(folder, device="cpu"), x) < 2.5


class EdgePainter(torch.nn.Module):
    """A G that paints its own thing along the edges of whatever it is given, as great_wave's G did (8.5x)."""

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        y = x - 0.1
        y[..., :4, :], y[..., -4:, :], y[..., :4], y[..., -4:] = 1.0, 1.0, 1.0, 1.0
        return y


def test_the_mirrored_border_keeps_gs_edge_effects_outside_the_picture():
    model = tiny_model()
    model.generator = EdgePainter()
    x = torch.full((1, 3, 64, 96), 0.5)
    assert worst_edge_over_inside(StylePipeline(model, device="cpu", border=0), x) == pytest.approx(5.0)  # 0.5 / 0.1
    assert worst_edge_over_inside(StylePipeline(model, device="cpu"), x) == pytest.approx(1.0)

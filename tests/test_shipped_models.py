"""Every model bundled in models/ loads strictly and stylises a small image; sizes stay within budget."""
from pathlib import Path

import pytest
import torch

from semstyle import StylePipeline
from semstyle.modeling import WEIGHTS_NAME
from tests.conftest import ROOT

MODELS = sorted(p for p in (ROOT / "models").glob("*") if (p / "config.json").is_file())
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
    x = torch.rand(1, 3, 45, 61)
    style = torch.rand(1, 3, 64, 64) if pipe.is_arbitrary else None
    y = pipe.stylize(x, style=style)
    assert y.shape == x.shape and torch.isfinite(y).all()
    assert (y - x).abs().mean() > 0.01  # trained weights: it really changes the picture

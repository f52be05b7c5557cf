"""Every model bundled in models/ loads strictly and stylises a small image; sizes stay within budget."""
from pathlib import Path

import pytest
import torch

from semstyle import StylePipeline
from semstyle.images import load_image, pil_to_tensor, resize_max_side
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
    # a real photo and painting (the shipped examples), not noise: on noise the universal model's change is small
    # and depends on the draw (0.0075-0.01), which made this test pass or fail with the suite's order
    x = pil_to_tensor(resize_max_side(load_image(ROOT / "examples" / "photo_dogs.jpg"), 64)).unsqueeze(0)
    style = load_image(ROOT / "examples" / "style_starry_night.jpg") if pipe.is_arbitrary else None
    y = pipe.stylize(x, style=style)
    assert y.shape == x.shape and torch.isfinite(y).all()
    # trained weights: it really changes the picture (an untrained G is the identity; the shipped models change this
    # pair by 0.08-0.19, the universal model 0.17; the one shipped before stop 12 changed it by 0.013)
    assert (y - x).abs().mean() > 0.01, f"{folder.name} hardly changes the photo"


def test_no_edge_effects_along_the_borders():
    """G changes an image's outer pixels much more than its inside; the pipeline's mirrored border moves that outside."""
    folder = ROOT / "models" / "great_wave"  # the strongest case of the shipped presets (the others: 0.5-1.5 unbordered)
    if not folder.is_dir():
        pytest.skip("models/great_wave is not shipped")
    x = pil_to_tensor(resize_max_side(load_image(ROOT / "examples" / "photo_dandelions.jpg"), 256)).unsqueeze(0)

    def worst_edge_over_inside(border: int) -> float:
        d = (StylePipeline.from_pretrained(folder, device="cpu", border=border).stylize(x) - x).abs().mean(1)[0]
        edges = [d[:, :4], d[:, -4:], d[:4], d[-4:]]
        return max(e.mean() for e in edges).item() / d[8:-8, 8:-8].mean().item()

    assert worst_edge_over_inside(0) > 3  # 4.5 (stop 23's preset; 8.5 for the one before it): the effect is real
    assert worst_edge_over_inside(8) < 2.5  # 1.5 with the default border (1.8 before)

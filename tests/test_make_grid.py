"""scripts/make_grid.py: the README's picture grids, and runs set beside a shipped preset."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.helpers import image_folder, tiny_model

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_grid.py"
SIDE = 32


def make_grid(monkeypatch, *args: str) -> None:
    monkeypatch.setattr(sys, "argv", ["make_grid.py", "--side", str(SIDE), *args])
    runpy.run_path(str(SCRIPT), run_name="__main__")


@pytest.fixture
def folders(tmp_path):
    """Two photos; a folder `models` of two presets (b, c) and the universal model; a run's model folder (a)."""
    photos = sorted(image_folder(tmp_path / "photos", n=2, size=(96, 72)).glob("*.jpg"))
    for name, seed in (("b", 1), ("c", 2)):
        tiny_model(seed=seed, style_name=name).save_folder(tmp_path / "models" / name)
    tiny_model("arbitrary", seed=3, style_name="universal").save_folder(tmp_path / "models" / "universal")
    tiny_model(seed=4, style_name="a").save_folder(tmp_path / "runs" / "a" / "model")
    return tmp_path, [str(p) for p in photos]


def columns(path: Path) -> list[np.ndarray]:
    grid = np.asarray(Image.open(path), dtype=np.float32)
    return [grid[:, i : i + SIDE] for i in range(0, grid.shape[1], SIDE)]


def test_columns_follow_the_models_given(folders, monkeypatch):
    root, photos = folders
    out = root / "out"
    make_grid(monkeypatch, "--contents", *photos, "--out", str(out), "--universal-grid", "", "--presets-grid", "all.png",
              "--models", str(root / "models"))
    make_grid(monkeypatch, "--contents", *photos, "--out", str(out), "--universal-grid", "", "--presets-grid", "cmp.png",
              "--models", str(root / "models" / "c"), str(root / "runs" / "a" / "model"), str(root / "models"))
    every, cmp = columns(out / "all.png"), columns(out / "cmp.png")
    assert every[0].shape == (2 * SIDE, SIDE, 3) and len(every) == 3  # content, b, c: the universal model is no column
    assert len(cmp) == 4  # content, c, a, then b (c is not repeated)
    np.testing.assert_array_equal(cmp[0], every[0])
    np.testing.assert_array_equal(cmp[1], every[2])  # c
    np.testing.assert_array_equal(cmp[3], every[1])  # b
    assert not any(np.array_equal(cmp[2], col) for col in every)  # a, the run's model, is a column of its own


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_a_path_that_holds_no_model_says_so(folders, monkeypatch, make):
    root, photos = folders
    bad = root / make
    if make == "empty":
        bad.mkdir()
    with pytest.raises(SystemExit, match=f"--models {bad}: " + ("no such folder" if make == "missing" else "neither")):
        make_grid(monkeypatch, "--contents", *photos, "--out", str(root / "out"), "--models", str(root / "models"), str(bad))


def test_cards_show_each_style_image_a_preset_folder_holds(folders, monkeypatch):
    """A preset's samples show its style.jpg on every row; a domain preset's go through its collection's images
    (style.jpg, style_1.jpg, ...); a folder with no style image keeps the samples it has."""
    root, photos = folders
    photos = photos + photos[:1]  # 3 rows
    red, blue = (Image.new("RGB", (40, 40), c) for c in ((255, 0, 0), (0, 0, 255)))
    red.save(root / "models" / "b" / "style.jpg")
    red.save(root / "models" / "c" / "style.jpg")
    blue.save(root / "models" / "c" / "style_1.jpg")
    make_grid(monkeypatch, "--contents", *photos, "--out", str(root / "out"), "--presets-grid", "", "--universal-grid", "",
              "--models", str(root / "models" / "b"), str(root / "models" / "c"), str(root / "runs" / "a" / "model"), "--cards")

    def style_cells(folder):  # the middle column's mean colour, row by row
        style = columns(folder / "samples.png")[1]
        return [style[i : i + SIDE].mean((0, 1)) for i in range(0, style.shape[0], SIDE)]

    assert [np.argmax(c) for c in style_cells(root / "models" / "b")] == [0, 0, 0]  # red on every row
    assert [np.argmax(c) for c in style_cells(root / "models" / "c")] == [0, 2, 0]  # red, blue, red
    assert not (root / "runs" / "a" / "model" / "samples.png").exists()

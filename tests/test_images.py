"""Style images lose a scan's mat (images.trim_mat) before training, and nothing else does."""
from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from semstyle.data import ImageSet
from semstyle.images import trim_mat
from semstyle.trainer import TrainConfig

MAT = (250, 237, 211)  # the paper white of the Art Institute's scan of the Great Wave


def picture(w: int = 80, h: int = 60, seed: int = 0) -> np.ndarray:
    """A smooth random picture: no row or column of it is flat."""
    small = np.random.default_rng(seed).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC))


def matted(art: np.ndarray, sides: tuple[int, int, int, int] = (8, 8, 8, 8)) -> Image.Image:
    """`art` on a mat `sides` = (top, bottom, left, right) px wide, saved and reloaded as a JPEG (ringing at its edge)."""
    top, bottom, left, right = sides
    h, w = art.shape[:2]
    a = np.empty((h + top + bottom, w + left + right, 3), np.uint8)
    a[:] = MAT
    a[top:top + h, left:left + w] = art
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, "JPEG", quality=90)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def test_the_mat_is_cropped_and_the_art_is_kept():
    img = matted(picture(80, 60), (8, 6, 10, 7))
    out = trim_mat(img)
    # the mat's flat runs, plus 1% of each side (a pixel here) for its edge, which JPEG ringing widens by a pixel or so
    assert 76 <= out.width <= 80 and 56 <= out.height <= 60
    assert (np.abs(np.asarray(out).astype(int) - MAT).max(axis=2) <= 12).mean() < 0.02  # as little mat as the art has


@pytest.mark.parametrize("case", ["three sides", "flat sky on top", "one colour", "mat wider than a quarter", "no mat"])
def test_pictures_without_a_mat_round_all_four_sides_come_back_unchanged(case):
    img = {
        "three sides": lambda: matted(picture(), (8, 8, 8, 0)),
        "flat sky on top": lambda: matted(picture(), (20, 0, 0, 0)),
        "one colour": lambda: Image.new("RGB", (64, 48), MAT),
        "mat wider than a quarter": lambda: matted(picture(20, 20), (30, 30, 30, 30)),
        "no mat": lambda: Image.fromarray(picture()),
    }[case]()
    assert trim_mat(img) is img


def test_training_trims_style_images_but_not_photos_and_old_runs_kept_their_mats(tmp_path):
    matted(picture(), (8, 8, 8, 8)).save(tmp_path / "print.png")
    whole, trimmed = ImageSet(tmp_path, max_side=1000), ImageSet(tmp_path, max_side=1000, trim_mats=True)
    assert whole.images[0].shape == (3, 76, 96)
    _, h, w = trimmed.images[0].shape
    assert 56 <= h <= 60 and 76 <= w <= 80
    new = TrainConfig(content_dir="photos", style="art", out="run")
    assert new.trim_mats
    old = new.to_dict()
    del old["trim_mats"]  # a checkpoint or model card from before the option
    assert not TrainConfig.from_dict(old).trim_mats

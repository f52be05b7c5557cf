"""Style images lose a scan's mat (images.trim_mat) before training and before the pipeline encodes them; nothing else does."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from semstyle.data import ImageSet
from semstyle.images import trim_mat
from semstyle.trainer import TrainConfig
from tests.helpers import MAT, matted, picture


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


def test_the_pipeline_encodes_a_style_image_without_its_mat(tmp_path):
    from semstyle import StylePipeline
    from tests.helpers import tiny_model

    tiny_model("arbitrary").save_folder(tmp_path)
    pipe = StylePipeline.from_pretrained(tmp_path, device="cpu", dtype=torch.float32)
    whole = StylePipeline.from_pretrained(tmp_path, device="cpu", dtype=torch.float32, trim_mats=False)
    framed = matted(picture(120, 90), (14, 14, 14, 14))
    art = trim_mat(framed)
    assert art.size != framed.size
    assert torch.allclose(pipe.encode_style(framed), whole.encode_style(art), atol=1e-6)  # the mat, and only it, is gone
    assert not torch.allclose(pipe.encode_style(framed), whole.encode_style(framed), atol=1e-3)
    plain = Image.fromarray(picture(120, 90))  # no mat: the same code either way
    assert torch.equal(pipe.encode_style(plain), whole.encode_style(plain))
    # the two steps encode_style takes a PIL image through, public so the app can say what was cropped
    assert pipe.crop_style(framed).size == art.size and whole.crop_style(framed).size == framed.size
    assert torch.equal(pipe.encode_style(pipe.style_tensor(pipe.crop_style(framed))), pipe.encode_style(framed))
    big = Image.fromarray(picture(900, 600))
    assert max(pipe.style_tensor(big).shape[-2:]) == pipe.config.style_size < 900

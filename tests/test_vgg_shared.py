"""Checks with the real ImageNet VGG16 from ../shared (skipped, with the reason, when it is absent)."""
import pytest
import torch
import torch.nn.functional as F

from semstyle.images import load_image, pil_to_tensor, resize_max_side
from semstyle.trainer import TrainConfig, Trainer
from semstyle.vgg import load_vgg16
from tests.conftest import SHARED, VGG_PATH, needs_shared

pytestmark = needs_shared


def _img(name: str, side: int = 224) -> torch.Tensor:
    return pil_to_tensor(resize_max_side(load_image(SHARED / "data" / "content" / "showcase" / name), side)).unsqueeze(0)


def test_features_are_semantic():
    """Φ is semantic: two different photos of flowers are closer in relu5_3 pooled features than either is
    to photos of other objects (cups, a kite), although colours and layouts differ throughout."""
    vgg = load_vgg16(VGG_PATH, ("relu5_3",))
    names = ["mate-backgrounds_nature__FreshFlower.jpg", "mate-backgrounds_nature__YellowFlower.jpg",
             "plasma-workspace-wallpapers_photos__ColorfulCups.jpg", "plasma-workspace-wallpapers_photos__Kite.jpg"]
    with torch.no_grad():
        e = torch.cat([F.normalize(vgg(_img(n))["relu5_3"].mean((2, 3)), dim=1) for n in names])
    sim = e @ e.T
    same = sim[0, 1]
    different = sim[:2, 2:].max()
    assert same > different + 0.3, sim


def test_thirty_steps_lower_content_plus_style_loss(tmp_path):
    cfg = TrainConfig(content_dir=str(SHARED / "data" / "content" / "eval"), style=str(SHARED / "data" / "styles" / "starry_night.jpg"),
                      out=str(tmp_path), steps=30, size=96, batch=4, lr=2e-3, adv_weight=0.0)  # the default G (mondrian from scratch at 64 px: only -7%)
    t = Trainer(cfg, vgg_weights=str(VGG_PATH))
    x, _, idx = t.sample_batch(10_000)  # a fixed batch that training never draws

    def loss():
        with torch.no_grad():
            parts = t.generator_losses(x, None, idx)
        return (parts["content"] + cfg.style_weight * parts["style"]).item()

    before = loss()
    for _ in range(30):
        t.train_step()
    after = loss()
    assert after < 0.8 * before, (before, after)

"""bench.efficientnet: TF-SAME geometry, preprocessing, and the real ImageNet weights (../shared)."""
import math

import pytest
import torch

from bench.efficientnet import (CROP, EfficientNetLite0, SameConv2d, class_probabilities, load_class_names, load_efficientnet_lite0, patch_features,
                                preprocess)
from semstyle.images import load_image, pil_to_tensor
from tests.conftest import SHARED, needs_shared

EFFNET = SHARED / "weights" / "efficientnet_lite0_imagenet.safetensors"
CLASSES = SHARED / "weights" / "imagenet_classes.txt"
CATS = {"tabby", "tiger_cat", "Egyptian_cat"}


@pytest.mark.parametrize("size", [7, 8, 9, 224, 225])
@pytest.mark.parametrize("k,stride", [(3, 1), (3, 2), (5, 2), (5, 1)])
def test_same_padding_gives_ceil_of_size_over_stride(size, k, stride):
    conv = SameConv2d(1, 1, k, stride=stride, bias=False)
    assert conv(torch.zeros(1, 1, size, size + 1)).shape[-2:] == (math.ceil(size / stride), math.ceil((size + 1) / stride))


def test_same_padding_puts_the_extra_pixel_bottom_right():
    conv = SameConv2d(1, 1, 3, stride=2, bias=False)  # in 8 -> out 4 needs 1 pixel of padding: bottom/right only
    conv.weight.data.zero_()
    conv.weight.data[0, 0, 0, 0] = 1.0  # picks the top-left tap of each window
    x = torch.arange(1.0, 65.0).reshape(1, 1, 8, 8)
    assert conv(x)[0, 0, 0, 0].item() == 1.0  # the first window starts on pixel (0, 0), not on padding


def test_architecture_matches_the_published_layout():
    net = EfficientNetLite0()
    assert len(net._blocks) == 16
    assert not hasattr(net._blocks[0], "_expand_conv")  # expand ratio 1
    assert sum(p.numel() for p in net.parameters()) == pytest.approx(4.65e6, rel=0.01)  # Lite0: ~4.65M
    with torch.inference_mode():
        assert net.eval()(torch.zeros(2, 3, CROP, CROP)).shape == (2, 1000)


def test_patch_features_are_one_112_vector_per_position_at_one_sixteenth():
    net = EfficientNetLite0().eval()
    assert patch_features(net, torch.rand(2, 3, 64, 96)).shape == (2 * 4 * 6, 112)  # any size: no resize, no crop


def test_preprocess_resizes_crops_and_scales():
    x = torch.ones(1, 3, 301, 517)  # odd, wide
    y = preprocess(x)
    assert y.shape == (1, 3, CROP, CROP)
    assert torch.allclose(y, torch.full_like(y, (255 - 127) / 128))
    assert preprocess(torch.zeros(1, 3, 40, 30)).shape == (1, 3, CROP, CROP)  # small images are upsampled


needs_effnet = pytest.mark.skipif(not EFFNET.is_file(), reason=f"EfficientNet weights absent ({EFFNET})")


@pytest.fixture(scope="module")
def effnet():
    return load_efficientnet_lite0(EFFNET)


def top5(net, path):
    names = load_class_names(CLASSES)
    p = class_probabilities(net, pil_to_tensor(load_image(path, max_side=512)).unsqueeze(0))[0]
    return [names[i] for i in p.topk(5).indices.tolist()]


@needs_shared
@needs_effnet
def test_weights_load_strictly(effnet):
    assert not effnet.training
    assert len(load_class_names(CLASSES)) == 1000


@needs_shared
@needs_effnet
def test_cat_photo_is_a_cat(effnet):
    # ../shared has no house-cat photo; this BSDS image is a (bob)cat kitten, and the published
    # weights put tabby and Egyptian cat in its top 5. The test uses it only to check the classifier.
    assert CATS & set(top5(effnet, SHARED / "data" / "content" / "train" / "bsds_159045.jpg"))


@needs_shared
@needs_effnet
@pytest.mark.parametrize("name,expected", [("cset14_zebra.jpg", "zebra"), ("cset14_monarch.jpg", "monarch")])
def test_clear_objects_are_recognised(effnet, name, expected):
    assert top5(effnet, SHARED / "data" / "content" / "eval" / name)[0] == expected

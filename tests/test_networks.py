import pytest
import torch

from semstyle.config import ConfigError, GeneratorConfig, ModelConfig
from semstyle.networks import Discriminator, FeatureDiscriminator, Generator
from tests.helpers import TINY, tiny_model


@pytest.mark.parametrize("h,w", [(333, 517), (1, 1), (7, 64), (64, 64), (17, 33)])
def test_generator_any_size_same_size(h, w):
    g = Generator(TINY).eval()
    x = torch.rand(2, 3, h, w)
    y = g(x, torch.zeros(1, TINY.style_dim))
    assert y.shape == (2, 3, h, w)
    assert 0 <= y.min() and y.max() <= 1
    z = g(x, torch.zeros(1, TINY.style_dim), logits=True)  # what the trainer penalises
    assert torch.allclose(torch.sigmoid(z), y)


def test_arbitrary_model_style_changes_output():
    m = tiny_model("arbitrary")
    x = torch.rand(1, 3, 40, 56)
    a, b = m(x, torch.rand(1, 3, 32, 32)), m(x, torch.zeros(1, 3, 32, 32))
    assert a.shape == x.shape and not torch.allclose(a, b)


def test_style_rules_are_enforced():
    with pytest.raises(ValueError, match="built in"):
        tiny_model("per_style").encode_style(torch.rand(1, 3, 8, 8))
    with pytest.raises(ValueError, match="pass a style image"):
        tiny_model("arbitrary").encode_style(None)


def test_discriminator_is_multiscale_patchgan_with_spectral_norm():
    d = Discriminator(width=8)
    out = d(torch.rand(2, 3, 64, 64))
    assert [o.shape for o in out] == [(2, 1, 8, 8), (2, 1, 4, 4)]
    assert any("parametrizations.weight.original" in k for k in d.state_dict())


def test_feature_discriminator_judges_each_layer_at_unit_scale():
    d = FeatureDiscriminator(("relu2_2", "relu4_3"), width=8)
    feats = {"relu2_2": 600 * torch.rand(2, 128, 16, 16), "relu4_3": 100 * torch.rand(2, 512, 4, 4)}
    d.calibrate({n: f.pow(2).mean().sqrt() for n, f in feats.items()})
    assert [o.shape for o in d(feats)] == [(2, 1, 16, 16), (2, 1, 4, 4)]  # one logit per feature position
    for i, n in enumerate(d.layers):  # what each head reads has RMS 1, whatever the layer's raw magnitude
        assert float((feats[n] * d.scale[i]).pow(2).mean().sqrt()) == pytest.approx(1, rel=1e-4)
    assert "scale" in d.state_dict()  # a checkpoint resumes with the run's calibration
    assert any("parametrizations.weight.original" in k for k in d.state_dict())


def test_frozen_norm_statistics_reproduce_the_untiled_pass():
    g = Generator(TINY).eval()
    x, s = torch.rand(1, 3, 32, 32), torch.zeros(1, TINY.style_dim)
    ref = g(x, s)
    for n in g.norms():
        n.recording = True
    g(x, s)
    for n in g.norms():
        n.recording = False
    frozen = g(x, s)
    for n in g.norms():
        n.frozen = None
    torch.testing.assert_close(frozen, ref, atol=1e-5, rtol=0)


@pytest.mark.parametrize("bad", [
    {"channels": (4096, 16)}, {"channels": ()}, {"n_res": 1000}, {"style_dim": 0}, {"channels": (1024, 1024, 1024, 1024), "n_res": 32},
])
def test_absurd_generator_sizes_are_refused_before_allocating(bad):
    with pytest.raises(ConfigError):
        ModelConfig(generator=GeneratorConfig(**{**TINY.__dict__, **bad})).validate()

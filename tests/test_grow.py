"""Growing a trained generator (semstyle.grow): the same images at the start, and every new weight trainable."""
import pytest
import torch

from semstyle.config import GeneratorConfig
from semstyle.grow import can_grow, load_generator
from semstyle.networks import Generator

SMALL = GeneratorConfig(channels=(8, 16), n_res=1, style_dim=8)
BIG = GeneratorConfig(channels=(12, 24), n_res=3, style_dim=8)


def trained(cfg: GeneratorConfig, seed: int = 0) -> Generator:
    """A generator with every weight non-zero, as after training (fresh ones have a zero tail and plain norms)."""
    torch.manual_seed(seed)
    g = Generator(cfg)
    with torch.no_grad():
        for p in g.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return g


def grown(src: Generator, cfg: GeneratorConfig = BIG) -> Generator:
    torch.manual_seed(1)
    g = Generator(cfg)
    load_generator(g, src)
    return g


@pytest.mark.parametrize("cfg", [BIG, GeneratorConfig(channels=(8, 32), n_res=1, style_dim=8),
                                 GeneratorConfig(channels=(8, 16), n_res=2, style_dim=8)])
def test_a_grown_generator_draws_the_same_images(cfg):
    src = trained(SMALL)
    g = grown(src, cfg)
    assert sum(p.numel() for p in g.parameters()) > sum(p.numel() for p in src.parameters())
    x, s = torch.rand(2, 3, 37, 50), torch.randn(2, 8)
    with torch.no_grad():
        assert torch.allclose(g(x, s, logits=True), src(x, s, logits=True), atol=1e-5)
    new_rows = g.down[0].conv[1].weight[16:]  # new bottleneck channels: random, not zero
    assert new_rows.numel() == 0 or new_rows.abs().sum() > 0


def test_every_new_weight_gets_a_gradient():
    """The zeros that keep the old channels blind to the new ones, and the closed scale of a new residual block, must
    open up under training, or the growth adds nothing."""
    g = grown(trained(SMALL))
    out = g(torch.rand(2, 3, 32, 32), torch.randn(2, 8))
    (out - 0.5).pow(2).mean().backward()
    tail = g.tail[1].weight.grad  # from the new decoder channels to the 3 outputs: zero weights
    assert tail[:, 8:].abs().sum() > 0
    new_block = g.res[2].b.norm.affine.bias.grad  # γ of a new block, whose 1 + γ starts at 0
    assert new_block[:24].abs().sum() > 0
    assert g.up[0].conv[1].weight.grad[:8, 16:].abs().sum() > 0  # old decoder channels from new bottleneck channels


@pytest.mark.parametrize("cfg", [GeneratorConfig(channels=(4, 16), n_res=1, style_dim=8),  # narrower
                                 GeneratorConfig(channels=(8, 16, 32), n_res=1, style_dim=8),  # another resolution
                                 GeneratorConfig(channels=(8, 16), n_res=0, style_dim=8),  # fewer blocks
                                 GeneratorConfig(channels=(8, 16), n_res=1, style_dim=16)])  # another style code
def test_a_generator_only_grows(cfg):
    assert not can_grow(SMALL, cfg)
    with pytest.raises(ValueError, match="can only grow"):
        load_generator(Generator(cfg), trained(SMALL))


def test_the_same_config_loads_strictly():
    src = trained(SMALL)
    g = grown(src, SMALL)
    assert all(torch.equal(a, b) for a, b in zip(g.state_dict().values(), src.state_dict().values()))

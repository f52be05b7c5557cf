"""Generator G, style encoder E and the discriminators D. Networks map tensors to tensors; no losses here.

Pixels are RGB in [0, 1] (see `semstyle.images`). G is fully convolutional: any size in, the same
size out; inputs are reflection-padded to a multiple of 2**downsamplings and cropped back.
G does no convolution at full resolution: its first conv has stride 2 and its last predicts the change
at 1/2 resolution, upsampled bilinearly. That halves its cost on a CPU (see README, Speed) and, unlike a
pixel shuffle (which grew 1-px noise to feed the relu1_2 Gram loss), cannot draw checkerboards; the photo's
own fine detail passes through the skip.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.parametrizations import spectral_norm

from .config import GeneratorConfig
from .losses import mean_std
from .vgg import LAYER_CHANNELS, VGG16Features

EPS = 1e-5
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1")  # E reads these, as in AdaIN


def conv3x3(c_in: int, c_out: int, stride: int = 1) -> nn.Sequential:
    """Reflection padding, so borders see mirrored content rather than zeros (no dark halos)."""
    return nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c_in, c_out, 3, stride))


def mirror_pad(x: torch.Tensor, pad: tuple[int, int, int, int]) -> torch.Tensor:
    """F.pad by (left, right, top, bottom) with mirrored pixels; repeated edge pixels where a pad is not smaller
    than the side it mirrors (reflect needs pad < size)."""
    left, right, top, bottom = pad
    h, w = x.shape[-2:]
    return F.pad(x, pad, mode="reflect" if max(left, right) < w and max(top, bottom) < h else "replicate")


class Norm(nn.Module):
    """Instance norm, modulated by a style code s: IN(x) * (1 + γ(s)) + β(s).

    For tiled inference the statistics can be recorded on a whole (downscaled) image and then
    reused on every tile (`recording` / `frozen`), so tiles are normalised identically.
    """

    def __init__(self, channels: int, style_dim: int):
        super().__init__()
        self.affine = nn.Linear(style_dim, 2 * channels)
        nn.init.zeros_(self.affine.weight)  # start as plain instance norm
        nn.init.zeros_(self.affine.bias)
        self.recording = False
        self.frozen: tuple[torch.Tensor, torch.Tensor] | None = None

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.affine(s.to(self.affine.weight.dtype)).chunk(2, dim=1)  # (N,C) each
        if self.frozen is None and not self.recording:
            # instance norm of (N,C,H,W) is batch norm of (1,N·C,H,W); that kernel also applies the
            # per-sample scale and shift, in the same pass (a separate addcmul cost 8% of G at 512²)
            n, c, h, w = x.shape
            y = F.batch_norm(x.reshape(1, n * c, h, w), None, None, (1 + gamma).reshape(-1).to(x.dtype),
                             beta.reshape(-1).to(x.dtype), training=True, eps=EPS)
            return y.reshape(n, c, h, w)
        gamma, beta = gamma[..., None, None], beta[..., None, None]
        if self.frozen is None:
            self.frozen = mean_std(x, EPS)  # (N,C,1,1) each
        mean, std = self.frozen
        return torch.addcmul(beta, (x - mean) / std, 1 + gamma)


class ConvNormAct(nn.Module):
    def __init__(self, c_in: int, c_out: int, style_dim: int, stride: int = 1, upsample: bool = False, act: bool = True):
        super().__init__()
        self.upsample, self.act = upsample, act
        self.conv = conv3x3(c_in, c_out, stride)
        self.norm = Norm(c_out, style_dim)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        if self.upsample:  # resize-conv (bilinear: nearest left 8-px blocks after short training), no checkerboard
            x = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        x = self.norm(self.conv(x), s)
        return F.relu(x) if self.act else x


class ResBlock(nn.Module):
    def __init__(self, c: int, style_dim: int):
        super().__init__()
        self.a = ConvNormAct(c, c, style_dim)
        self.b = ConvNormAct(c, c, style_dim, act=False)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        return x + self.b(self.a(x, s), s)


class Generator(nn.Module):
    """G(x, s): x (N,3,H,W) in [0,1], s (N or 1, style_dim) -> (N,3,H,W) in [0,1].

    Encoder (stride-2 convs, the first one on the photo) -> residual blocks at 1/2**k resolution ->
    decoder (bilinear upsample + conv) back to 1/2 resolution -> a conv to a 3-channel change, upsampled
    bilinearly. Every norm is modulated by s; the change is added to the photo in logit space.
    """

    def __init__(self, config: GeneratorConfig):
        super().__init__()
        self.config = config
        c, d = config.channels, config.style_dim
        self.head = ConvNormAct(3, c[0], d, stride=2)
        self.down = nn.ModuleList(ConvNormAct(a, b, d, stride=2) for a, b in zip(c, c[1:]))
        self.res = nn.ModuleList(ResBlock(c[-1], d) for _ in range(config.n_res))
        self.up = nn.ModuleList(ConvNormAct(b, a, d, upsample=True) for a, b in reversed(list(zip(c, c[1:]))))
        self.tail = conv3x3(c[0], 3)  # at 1/2 resolution
        nn.init.zeros_(self.tail[1].weight)  # with the skip below, G starts as the identity: content kept from step 0
        nn.init.zeros_(self.tail[1].bias)

    def forward(self, x: torch.Tensor, s: torch.Tensor, logits: bool = False) -> torch.Tensor:
        """The stylised image, or with `logits` its pre-sigmoid values (what the trainer keeps out of saturation)."""
        n, _, h, w = x.shape
        m = self.config.multiple
        # pad to a multiple of m, and to at least 2m so the bottleneck has >1 pixel for instance norm
        ph, pw = max((-h) % m, 2 * m - h), max((-w) % m, 2 * m - w)
        if ph or pw:
            x = mirror_pad(x, (0, pw, 0, ph))
        s = s.expand(n, -1) if s.shape[0] == 1 else s
        y = self.head(x, s)
        for layer in self.down:
            y = layer(y, s)
        for layer in self.res:
            y = layer(y, s)
        for layer in self.up:
            y = layer(y, s)
        # global skip in logit space: G predicts how to change the photo, so it never has to learn to redraw it
        residual = F.interpolate(self.tail(y).float(), scale_factor=2.0, mode="bilinear", align_corners=False)
        z = (residual + torch.logit(x.float().clamp(0.01, 0.99)))[:, :, :h, :w]
        return z if logits else torch.sigmoid(z)

    def norms(self) -> list[Norm]:
        return [m for m in self.modules() if isinstance(m, Norm)]


def style_statistics(feats: dict[str, torch.Tensor]) -> torch.Tensor:
    """VGG features with the STYLE_LAYERS -> (N, 1920): channel means and stds, concatenated."""
    parts = []
    for name in STYLE_LAYERS:
        m, s = mean_std(feats[name])
        parts += [m.flatten(1), s.flatten(1)]
    return torch.cat(parts, dim=1)


class LogNorm(nn.Module):
    """(N,D) non-negative statistics -> LayerNorm(log1p(stats))."""

    def __init__(self, dim: int):
        super().__init__()
        self.norm = nn.LayerNorm(dim)

    def forward(self, stats: torch.Tensor) -> torch.Tensor:
        return self.norm(torch.log1p(stats))


class StyleEncoder(nn.Module):
    """E(style) -> s: frozen VGG16 up to relu4_1, channel means and stds, then an MLP.

    The VGG part is stored with the model, so an arbitrary-style model is self-contained.
    style (N,3,H,W) in [0,1] -> (N, style_dim).
    """

    def __init__(self, style_dim: int, hidden: int = 256):
        super().__init__()
        self.vgg = VGG16Features(STYLE_LAYERS)
        stat_dim = 2 * sum(LAYER_CHANNELS[n] for n in STYLE_LAYERS)  # a mean and a std per channel
        # raw VGG statistics range over ~10^3 (relu1 vs relu4); log1p + LayerNorm keep the code O(1)
        self.mlp = nn.Sequential(LogNorm(stat_dim), nn.Linear(stat_dim, hidden), nn.ReLU(inplace=True), nn.Linear(hidden, style_dim))

    def statistics(self, style: torch.Tensor) -> torch.Tensor:
        """(N,3,H,W) -> (N, 1920): per-layer channel means and stds of VGG features."""
        return style_statistics(self.vgg(style))

    def forward(self, style: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            stats = self.statistics(style)
        return self.mlp(stats.to(self.mlp[1].weight.dtype))


class PatchDiscriminator(nn.Module):
    """One PatchGAN: (N,3,H,W) -> (N,1,H/8,W/8) logits, one per ~70 px patch. Spectral norm on every conv."""

    def __init__(self, width: int = 32):
        super().__init__()
        sn = spectral_norm
        self.net = nn.Sequential(
            sn(nn.Conv2d(3, width, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(width, 2 * width, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(2 * width, 4 * width, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(4 * width, 1, 3, 1, 1)),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x * 2 - 1)


class Discriminator(nn.Module):
    """Multi-scale PatchGAN: the same image at full and half resolution, so D judges both texture and layout."""

    def __init__(self, width: int = 32, scales: int = 2):
        super().__init__()
        self.scales = nn.ModuleList(PatchDiscriminator(width) for _ in range(scales))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, d in enumerate(self.scales):
            out.append(d(x if i == 0 else F.avg_pool2d(x, 2 ** i)))
        return out


class FeatureDiscriminator(nn.Module):
    """D on the frozen VGG16 features the losses already compute (as Projected GAN and Vision-aided GAN do): one
    small spectrally normalised conv head per layer, {name: (N,C,h,w)} -> a list of (N,1,h,w) patch logits.

    A pixel D must learn from a few hundred crops what a painting looks like; this one starts from ImageNet's
    features and only learns to compare them. Each layer is divided by a fixed scale (`calibrate`: the RMS of
    real art's features there; ~100 to ~700 raw), so every head sees O(1) inputs."""

    def __init__(self, layers: tuple[str, ...] = ("relu2_2", "relu3_3", "relu4_3"), width: int = 64):
        super().__init__()
        self.layers = tuple(layers)
        sn = spectral_norm
        self.heads = nn.ModuleDict({n: nn.Sequential(
            sn(nn.Conv2d(LAYER_CHANNELS[n], width, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(width, width, 3, 1, 1)), nn.LeakyReLU(0.2, inplace=True),
            sn(nn.Conv2d(width, 1, 1)),
        ) for n in self.layers})
        self.register_buffer("scale", torch.ones(len(self.layers)))

    @torch.no_grad()
    def calibrate(self, rms: dict[str, torch.Tensor | float]) -> None:
        """Fix each layer's input scale to 1 / `rms[layer]` (the RMS of real art's features there)."""
        self.scale.copy_(torch.tensor([1 / float(rms[n]) for n in self.layers]))

    def forward(self, feats: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        return [self.heads[n](feats[n] * self.scale[i].to(feats[n].dtype)) for i, n in enumerate(self.layers)]

"""The GAN trainer: min_G max_D E[log D(y)] + E[log(1 − D(G(x)))] + λ_c E‖Φ(x) − Φ(G(x))‖² + style + TV + layout
+ saturation.

Each step reads like the seed: train D with G fixed (`d_step`), then G with D fixed (`g_step`).
Runs single-process or under `torchrun` (DDP; gloo on CPU, NCCL on CUDA); only rank 0 writes files.
"""
from __future__ import annotations

import copy
import io
import math
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel as DDP
from tqdm import tqdm

from . import losses as L
from .cli_errors import UserError
from .config import GeneratorConfig, ModelConfig
from .data import ImageSet, step_generator
from .device import autocast
from .grow import load_generator
from .images import resize_max_side, tensor_to_pil
from .modeling import StyleModel, replacing_folder, write_atomically
from .networks import STYLE_LAYERS, Discriminator, FeatureDiscriminator, style_statistics
from .vgg import VGG16Features, load_vgg16_state_dict

CKPT_NAME = "checkpoint.pt"
DISCRIMINATORS = ("pixels", "features")  # TrainConfig.discriminator: a PatchGAN on the image, or heads on VGG16 features
COLLAPSE_STEPS = 10  # this many flat steps in a row stop training (see `looks_collapsed`)


class TrainingCollapsed(UserError):
    """G's output went flat (black); training does not undo that, so the run stops before saving it."""


class _Interrupt:
    """Ctrl-C (SIGINT) as a request that the training loop reads between steps; a second Ctrl-C interrupts at once.

    Only where SIGINT has Python's default handler (an interactive run, in the main thread): a process that ignores
    SIGINT (started in the background) or handles it itself keeps its own handling."""

    def __init__(self):
        self.presses = 0
        self._previous = None

    @property
    def requested(self) -> bool:
        return self.presses > 0

    def __enter__(self) -> "_Interrupt":
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _on_sigint(self, signum, frame) -> None:
        self.presses += 1
        if self.presses > 1:
            raise KeyboardInterrupt


def looks_collapsed(logs: dict) -> bool:
    """A step whose output has gone flat: content features all but erased (the symmetric content loss scores
    black 2) and no texture (TV ≈ 0). Seen when an output saturates to black: the sigmoid's gradient vanishes
    and G never comes back."""
    return logs["content"] > 0.8 and logs["tv"] < 0.02


@dataclass(frozen=True)
class TrainConfig:
    content_dir: str  # folder of photos
    style: str  # one style image, or a folder = a style domain (per-style) / a style collection (arbitrary)
    out: str  # run folder: model/, checkpoint.pt, samples/, loss_curve.png
    arbitrary: bool = False  # train the any-style model (style encoder) instead of a per-style one
    steps: int = 2000
    size: int = 256  # training crop side, px
    batch: int = 4
    lr: float = 2e-4  # Adam, for G and D
    lr_scheduler: str = "constant"  # constant | cosine (to 0 at `steps`), for G and D, as diffusers' --lr_scheduler
    content_weight: float = 1.0  # on relu4_3 (high-level: keeps objects recognisable)
    style_weight: float = 10.0  # symmetric relative Gram loss summed over relu1_2, relu2_2, relu3_3, relu4_3
    style_scale_free: bool = False  # match the Grams' shape, not their energy (losses.gram_loss's scale_free)
    style_tiles: int = 1  # hold each tile of a k×k grid to the style's Gram, not only the whole picture (losses.gram_loss's n_tiles)
    adv_weight: float = 0.1  # hinge GAN loss against real art
    discriminator: str = "pixels"  # pixels: multi-scale PatchGAN on the image | features: heads on VGG16 features
    tv_weight: float = 0.3
    layout_weight: float = 20.0  # the photo's large-scale luminance (losses.layout_loss): no black blobs
    saturation_weight: float = 1.0  # G's output logits kept within ±4.6 (losses.logit_overshoot): a blob can be undone
    chroma_layout_weight: float = 0.0  # the photo's large-scale colour layout (losses.chroma_layout_loss): no colour blotches
    colour_spread_weight: float = 0.0  # the colourfulness the style adds, spread evenly (losses.colour_spread_loss): no blotches of strokes
    dark_patch_weight: float = 0.0  # no cell darker, relative to the median, than in the photo (losses.dark_patch_loss)
    r1_weight: float = 0.0  # R1 penalty on D (spectral norm already stabilises it)
    style_size: int = 256  # style images are resized to this max side for targets and the encoder
    trim_mats: bool = True  # crop a scan's flat margin off each style image (images.trim_mat): G drew it as streaks
    init_from: str = ""  # model folder to start G from (e.g. the universal model, for a fast preset)
    style_name: str = ""
    ema_decay: float = 0.999
    seed: int = 0
    precision: str = "auto"  # auto | fp32 | bf16 (no fp16: see train.py)
    log_every: int = 10
    sample_every: int = 200
    ckpt_every: int = 100
    fp16: bool = True  # export weights as fp16
    max_minutes: float = 0.0  # stop (checkpoint + export) after this much wall time in this process; 0 = no limit
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)

    CONTENT_LAYERS = ("relu4_3",)
    LOSS_STYLE_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
    FEATURE_D_LAYERS = ("relu2_2", "relu3_3", "relu4_3")  # a subset of the above: G's step has them already

    def to_dict(self) -> dict:
        d = asdict(self)
        d["generator"]["channels"] = list(self.generator.channels)
        return d

    @property
    def loss_weights(self) -> dict[str, float]:
        """G's loss = the sum of these weights times `Trainer.generator_losses`' terms of the same names."""
        return {"content": self.content_weight, "style": self.style_weight, "adv": self.adv_weight, "tv": self.tv_weight,
                "layout": self.layout_weight, "chroma_layout": self.chroma_layout_weight,
                "colour_spread": self.colour_spread_weight, "dark_patch": self.dark_patch_weight,
                "saturation": self.saturation_weight}

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """The inverse of `to_dict` (a checkpoint's or a model card's `training` settings)."""
        g = d["generator"]
        d = {"trim_mats": False, **d}  # a config written before `trim_mats` existed: its run used the style images whole
        return cls(**{**d, "generator": GeneratorConfig(**{**g, "channels": tuple(g["channels"])})})


class Trainer:
    def __init__(self, cfg: TrainConfig, vgg_weights: str | None = None, device: torch.device = torch.device("cpu"), dtype: torch.dtype = torch.float32):
        self.cfg, self.device, self.dtype = cfg, device, dtype
        self.rank = dist.get_rank() if dist.is_initialized() else 0
        self.world = dist.get_world_size() if dist.is_initialized() else 1
        self.out = Path(cfg.out)
        torch.manual_seed(cfg.seed)  # network initialisation is identical on every rank and every run

        self.content = ImageSet(cfg.content_dir, max_side=2 * cfg.size, min_side=cfg.size // 2)
        self.styles = ImageSet(cfg.style, max_side=2 * cfg.size, min_side=cfg.size // 2, trim_mats=cfg.trim_mats)
        vgg_state = load_vgg16_state_dict(vgg_weights)
        self.vgg = VGG16Features(cfg.CONTENT_LAYERS + cfg.LOSS_STYLE_LAYERS + STYLE_LAYERS)
        self.vgg.load_features_state_dict(vgg_state)
        self.vgg.to(device)

        kind = "arbitrary" if cfg.arbitrary else "per_style"
        model_cfg = ModelConfig(kind=kind, generator=cfg.generator, style_size=cfg.style_size, style_name=cfg.style_name, training=cfg.to_dict())
        self.model = StyleModel(model_cfg)
        if cfg.arbitrary:
            self.model.style_encoder.vgg.load_features_state_dict(vgg_state)
            self.model.style_encoder.vgg.requires_grad_(False)
        self.model.to(device)
        self._precompute_style_targets()
        if cfg.init_from:
            self._init_from(cfg.init_from)
        self.D = self._make_discriminator().to(device)
        self.ema = copy.deepcopy(self.model).requires_grad_(False).eval()

        g_params = [p for p in self.model.parameters() if p.requires_grad]
        self.opt_g = torch.optim.Adam(g_params, lr=cfg.lr, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=cfg.lr, betas=(0.5, 0.999))
        self.G, self.Dp = self.model, self.D  # what the steps call: DDP wrappers when distributed
        if self.world > 1:
            self.G, self.Dp = DDP(self.model), DDP(self.D)
        self.step, self.history = 0, []
        self.checkpoint_step = 0  # the step in out/checkpoint.pt (0: none yet)
        self.cpu_seconds = 0.0  # process CPU time spent in training steps, summed over resumes
        self.wall_seconds = 0.0  # wall time spent in training steps, likewise (on a GPU, the figure that counts)

    # ---- style targets, computed once --------------------------------------------------------------

    @torch.no_grad()
    def _precompute_style_targets(self) -> None:
        """Per style image: Gram targets (S,C,C) per loss layer and, for the encoder, VGG statistics (S,1920)."""
        grams = {n: [] for n in self.cfg.LOSS_STYLE_LAYERS}
        mean_squares, stats = {n: [] for n in self.cfg.FEATURE_D_LAYERS}, []
        for img in self.styles.images:
            x = self._style_input(img)
            feats = self.vgg(x, self.cfg.LOSS_STYLE_LAYERS + STYLE_LAYERS)  # one pass for both (same VGG16 weights)
            for n in grams:
                grams[n].append(L.gram(feats[n]))
            for n in mean_squares:
                mean_squares[n].append(feats[n].float().pow(2).mean())
            if self.cfg.arbitrary:
                stats.append(style_statistics(feats))
        self.style_grams = {n: torch.cat(v) for n, v in grams.items()}  # (S,C,C)
        if not self.cfg.arbitrary:  # one style (or a domain): its mean Gram is the target
            self.style_grams = {n: v.mean(0, keepdim=True) for n, v in self.style_grams.items()}
        self.style_stats = torch.cat(stats) if stats else None
        self.style_feature_rms = {n: torch.stack(v).mean().sqrt() for n, v in mean_squares.items()}  # the feature D's scale

    def _make_discriminator(self) -> Discriminator | FeatureDiscriminator:
        if self.cfg.discriminator == "pixels":
            return Discriminator()
        if self.cfg.discriminator == "features":
            D = FeatureDiscriminator(self.cfg.FEATURE_D_LAYERS)
            D.calibrate(self.style_feature_rms)
            return D
        raise ValueError(f"discriminator must be one of {DISCRIMINATORS}, got {self.cfg.discriminator!r}")

    def _init_from(self, folder: str) -> None:
        """Start from a trained model's generator (grown if this run's is larger: `semstyle.grow`); a per-style
        model's code starts at E(style images)."""
        src = StyleModel.from_pretrained(folder).to(self.device)
        try:
            load_generator(self.model.generator, src.generator)
        except ValueError as e:
            raise ValueError(f"--init-from {folder}: {e}") from None
        if self.cfg.arbitrary and src.is_arbitrary:
            self.model.style_encoder.load_state_dict(src.style_encoder.state_dict())
        elif not self.cfg.arbitrary:
            with torch.no_grad():
                if src.is_arbitrary:
                    codes = [src.encode_style(self._style_input(img)) for img in self.styles.images]
                    self.model.style_code.copy_(torch.cat(codes).mean(0, keepdim=True))
                else:
                    self.model.style_code.copy_(src.style_code)

    def _style_input(self, img: torch.Tensor) -> torch.Tensor:
        """A decoded style image (uint8, 3,H,W) as VGG16 sees it for targets and the encoder: (1,3,h,w), max side style_size."""
        x = img[None].float().div(255)
        s = min(1.0, self.cfg.style_size / max(x.shape[-2:]))
        return torch.nn.functional.interpolate(x, scale_factor=s, mode="bilinear", antialias=True).to(self.device)

    # ---- one training step -------------------------------------------------------------------------

    def sample_batch(self, step: int):
        """Content crops x, real style crops y, and the style indices (one per sample), for `step`."""
        gen = step_generator(self.cfg.seed, step, self.rank)
        x, _ = self.content.random_crops(self.cfg.batch, self.cfg.size, gen)
        y, idx = self.styles.random_crops(self.cfg.batch, self.cfg.size, gen)
        return x.to(self.device), y.to(self.device), idx

    def d_logits(self, y: torch.Tensor, phi: dict[str, torch.Tensor] | None = None, D=None) -> list[torch.Tensor]:
        """D's patch logits (one tensor per scale or layer) for images y in [0,1]. The feature D reads y's VGG16
        features: `phi` where the caller has them already. D defaults to the plain module (no DDP sync)."""
        D = self.D if D is None else D
        if self.cfg.discriminator == "pixels":
            return D(y)
        return D(phi if phi is not None else self.vgg(y, self.cfg.FEATURE_D_LAYERS))

    def generate(self, x: torch.Tensor, stats: torch.Tensor | None, G=None) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
        """G(x) as the losses read it: the output logits z, the image y = σ(z) and y's VGG16 features Φ(y)."""
        with autocast(self.device, self.dtype):
            z = (G or self.G)(x, stats=stats, logits=True)
            y = torch.sigmoid(z)
            return z, y, self.vgg(y, self.cfg.CONTENT_LAYERS + self.cfg.LOSS_STYLE_LAYERS)

    def d_step(self, real: torch.Tensor, fake: torch.Tensor, phi_fake: dict[str, torch.Tensor] | None = None) -> dict:
        """Train D with G fixed (`fake` = G(x), detached; `phi_fake` its features, for the feature D):
        max_D E[log D(y)] + E[log(1 − D(G(x)))], in hinge form."""
        real = real.requires_grad_(self.cfg.r1_weight > 0)
        with autocast(self.device, self.dtype):
            real_logits, fake_logits = self.d_logits(real, D=self.Dp), self.d_logits(fake, phi_fake, D=self.Dp)
        loss = L.d_hinge_loss(real_logits, fake_logits)
        r1 = L.r1_penalty(real_logits, real) if self.cfg.r1_weight > 0 else torch.zeros(())
        self.opt_d.zero_grad(set_to_none=True)
        (loss + self.cfg.r1_weight / 2 * r1).backward()
        self.opt_d.step()
        return {"d": loss.item()}

    def generator_losses(self, x: torch.Tensor, stats: torch.Tensor | None, idx: list[int], G=None, out=None) -> dict[str, torch.Tensor]:
        """G's loss terms on a batch: adversarial (D fixed), content E‖Φ(x) − Φ(G(x))‖², style, TV, layout, chroma layout,
        colour spread, dark patches, saturation of G's output logits; and their weighted sum. `out` is `generate(x, stats)` where the caller has it already."""
        cfg = self.cfg
        z, y, phi_y = out if out is not None else self.generate(x, stats, G)
        with autocast(self.device, self.dtype):
            with torch.no_grad():
                phi_x = self.vgg(x, cfg.CONTENT_LAYERS)
            fake_logits = self.d_logits(y, phi_y)  # the plain module: D's weights are fixed here and get no gradient
        targets = {n: g[idx] for n, g in self.style_grams.items()} if cfg.arbitrary else self.style_grams
        parts = {
            "content": L.content_loss(phi_x, phi_y, cfg.CONTENT_LAYERS, symmetric=True),
            "style": L.gram_loss(phi_y, targets, cfg.LOSS_STYLE_LAYERS, symmetric=True, scale_free=cfg.style_scale_free,
                                 n_tiles=cfg.style_tiles),
            "adv": L.g_hinge_loss(fake_logits),
            "tv": L.total_variation(y.float()),
            "layout": L.layout_loss(x, y),
            "chroma_layout": L.chroma_layout_loss(x, y),
            "colour_spread": L.colour_spread_loss(x, y),
            "dark_patch": L.dark_patch_loss(x, y),
            "saturation": L.logit_overshoot(z),
        }
        parts["g"] = sum(w * parts[k] for k, w in cfg.loss_weights.items())
        return parts

    def g_step(self, x: torch.Tensor, stats: torch.Tensor | None, idx: list[int], out=None) -> dict:
        """Train G with D fixed (`out`: `generate(x, stats)`, if the caller has it)."""
        parts = self.generator_losses(x, stats, idx, out=out)
        self.opt_g.zero_grad(set_to_none=True)
        parts["g"].backward()
        self.opt_g.step()
        return {k: v.item() for k, v in parts.items()}

    def learning_rate(self, step: int) -> float:
        """`lr_scheduler` at `step`: constant, or cosine from `lr` to 0 at `steps` (a resumed run with more --steps
        follows the new, longer curve from where it is)."""
        if self.cfg.lr_scheduler == "cosine":
            return self.cfg.lr * 0.5 * (1 + math.cos(math.pi * min(step, self.cfg.steps) / self.cfg.steps))
        if self.cfg.lr_scheduler == "constant":
            return self.cfg.lr
        raise ValueError(f"lr_scheduler must be constant or cosine, got {self.cfg.lr_scheduler!r}")

    def _set_learning_rate(self, step: int) -> None:
        for group in self.opt_g.param_groups + self.opt_d.param_groups:
            group["lr"] = self.learning_rate(step)

    def train_step(self) -> dict:
        t0, w0 = time.process_time(), time.perf_counter()
        self._set_learning_rate(self.step)
        x, real, idx = self.sample_batch(self.step)
        stats = self.style_stats[idx].to(self.device) if self.cfg.arbitrary else None
        out = self.generate(x, stats)  # G(x) once: D sees it detached (G fixed), then G trains on it (D fixed)
        _, fake, phi_fake = out
        self.D.requires_grad_(True)
        d = self.d_step(real, fake.detach(), {n: phi_fake[n].detach() for n in self.cfg.FEATURE_D_LAYERS})
        self.D.requires_grad_(False)
        g = self.g_step(x, stats, idx, out)
        self._update_ema()
        self.step += 1
        self.cpu_seconds += time.process_time() - t0
        self.wall_seconds += time.perf_counter() - w0  # .item() in the steps synchronises a GPU, so this is honest there
        return d | g

    @torch.no_grad()
    def _update_ema(self) -> None:
        decay = min(self.cfg.ema_decay, (1 + self.step) / (10 + self.step))  # short runs: average fewer steps
        for pe, p in zip(self.ema.parameters(), self.model.parameters()):
            pe.lerp_(p, 1 - decay)
        for be, b in zip(self.ema.buffers(), self.model.buffers()):
            be.copy_(b)

    # ---- the loop, checkpoints, export -------------------------------------------------------------

    def fit(self, command: str = "") -> Path | None:
        """Train to cfg.steps; Ctrl-C saves a checkpoint and returns. Returns the exported model folder.

        Ctrl-C takes effect between steps: the step under way finishes, so the checkpoint holds G, D, the EMA and
        both optimisers all at one step and `--resume` goes on exactly as if nothing had happened. A second Ctrl-C
        interrupts at once and saves nothing (the last checkpoint stays)."""
        cfg = self.cfg
        bar = tqdm(total=cfg.steps, initial=self.step, disable=self.rank != 0, dynamic_ncols=True, desc="train")
        deadline = time.monotonic() + cfg.max_minutes * 60 if cfg.max_minutes > 0 else float("inf")
        flat = 0
        interrupt = _Interrupt()
        try:
            with interrupt:
                while self.step < cfg.steps and not self._out_of_time(deadline):
                    if self._rank0_says(interrupt.requested):
                        raise KeyboardInterrupt
                    logs = self.train_step()
                    bar.update(1)
                    flat = flat + 1 if self._rank0_says(looks_collapsed(logs)) else 0
                    if flat == COLLAPSE_STEPS:
                        bar.close()
                        raise self._collapsed(flat)
                    if self.step % cfg.log_every == 0 or self.step == cfg.steps:
                        self.history.append({"step": self.step} | logs)
                        bar.set_postfix({k: f"{v:.3g}" for k, v in logs.items() if k != "g"})
                    if self.step % cfg.sample_every == 0:
                        self.save_samples()
                    if self.step % cfg.ckpt_every == 0 and self.step < cfg.steps and not flat:  # never save a flat G
                        self.save_checkpoint()
        except KeyboardInterrupt:
            bar.close()
            if interrupt.presses > 1:  # forced mid-step: G, D and the optimisers may be half a step on
                if self.rank == 0:
                    print(f"interrupted twice; nothing saved: {self.out / CKPT_NAME} holds step {self.checkpoint_step}")
                return None
            self.save_checkpoint()
            if self.rank == 0:
                print(f"interrupted at step {self.step}; checkpoint saved in {self.out}; rerun with --resume to continue")
            return None
        bar.close()
        if flat:  # the run ended inside a collapse: neither the checkpoint nor the model may hold it
            raise self._collapsed(flat)
        self.save_checkpoint()
        self.save_samples()
        return self.export(command)

    def _collapsed(self, flat: int) -> TrainingCollapsed:
        return TrainingCollapsed(
            f"stopped at step {self.step}: G's output has been flat (black) for {flat} steps, a collapse training does not undo; "
            f"{self.out / CKPT_NAME} still holds step {self.checkpoint_step} (`--resume --steps {self.checkpoint_step}` exports it); "
            f"lower --lr or --style-weight to train further")

    def _out_of_time(self, deadline: float) -> bool:
        """Past the --max-minutes deadline (rank 0's clock decides)."""
        return deadline != float("inf") and self._rank0_says(time.monotonic() > deadline)

    def _rank0_says(self, flag: bool) -> bool:
        """Rank 0's `flag` on every rank (under DDP), so all ranks stop at the same step."""
        if self.world == 1:
            return flag
        t = torch.tensor(float(flag), device=self.device)
        dist.broadcast(t, src=0)
        return bool(t)

    def _is_writer(self) -> bool:
        return self.rank == 0

    def checkpoint_state(self) -> dict:
        return {
            "step": self.step, "model": self.model.state_dict(), "ema": self.ema.state_dict(), "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(), "history": self.history,
            "train_config": self.cfg.to_dict(), "cpu_seconds": self.cpu_seconds,
            "wall_seconds": self.wall_seconds,
        }

    def save_checkpoint(self) -> None:
        if not self._is_writer():
            return
        self.out.mkdir(parents=True, exist_ok=True)
        atomic_torch_save(self.checkpoint_state(), self.out / CKPT_NAME)
        self.checkpoint_step = self.step

    def load_checkpoint(self) -> bool:
        """Resume from out/checkpoint.pt if present (our own file; loaded with weights_only=True)."""
        path = self.out / CKPT_NAME
        if not path.is_file():
            return False
        state = torch.load(path, map_location=self.device, weights_only=True)
        saved = TrainConfig.from_dict(state["train_config"]).to_dict()  # an older checkpoint's missing keys: their defaults
        for key in ("size", "batch", "arbitrary", "seed", "generator", "discriminator", "trim_mats"):
            mine = self.cfg.to_dict()[key]
            if saved[key] != mine:
                raise ValueError(f"--resume: checkpoint {path} was trained with {key}={saved[key]}, this run has {mine}; use another --out")
        self.model.load_state_dict(state["model"])
        self.ema.load_state_dict(state["ema"])
        self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self._set_learning_rate(state["step"])  # Adam's moments resume; the rate is this run's, not the checkpoint's
        self.step, self.history, self.cpu_seconds = state["step"], state["history"], state.get("cpu_seconds", 0.0)
        self.wall_seconds = state.get("wall_seconds", 0.0)
        self.checkpoint_step = self.step
        return True

    @torch.no_grad()
    def preview(self) -> torch.Tensor:
        """A fixed grid: rows of content | style | EMA output, (3, rows*size, 3*size)."""
        gen = step_generator(self.cfg.seed, -1)
        n = min(4, self.cfg.batch * 2)
        x, _ = self.content.random_crops(n, self.cfg.size, gen)
        idx = [i % len(self.styles) for i in range(n)]
        y, _ = self.styles.random_crops(n, self.cfg.size, gen, indices=idx)
        stats = self.style_stats[idx].to(self.device) if self.cfg.arbitrary else None
        out = self.ema(x.to(self.device), stats=stats).float().cpu()
        rows = [torch.cat([x[i], y[i], out[i]], dim=2) for i in range(n)]
        return torch.cat(rows, dim=1)

    def save_samples(self) -> None:
        if not self._is_writer():
            return
        (self.out / "samples").mkdir(parents=True, exist_ok=True)
        tensor_to_pil(self.preview()).save(self.out / "samples" / f"step_{self.step:06d}.png")

    def export(self, command: str = "") -> Path | None:
        """Write the EMA model folder (config.json, model.safetensors, README.md) to out/model."""
        if not self._is_writer():
            return None
        from .card import write_model_card  # plotting and card text are only needed at the end

        final = self.out / "model"
        with replacing_folder(final) as folder:  # all or nothing: a failed export leaves the previous model
            self.ema.save_folder(folder, fp16=self.cfg.fp16)
            tensor_to_pil(self.preview()).save(folder / "samples.png")
            for i, f in enumerate(self.styles.files[:8]):
                img = resize_max_side(tensor_to_pil(self.styles.images[i].float() / 255), 512)
                img.save(folder / ("style.jpg" if i == 0 else f"style_{i}.jpg"), quality=90)
            stopped = f" (stopped by --max-minutes; `--steps {self.step}` reproduces it)" if self.step < self.cfg.steps else ""
            precision = "fp32" if self.dtype == torch.float32 else f"{str(self.dtype).replace('torch.', '')} autocast"
            threads = torch.get_num_threads()
            where = torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else f"{threads} torch thread{'s' * (threads != 1)} on {os.cpu_count()} CPUs"
            extra = (f"Trained for {self.step} steps{stopped}: {self.cpu_seconds / 60:.1f} min of process CPU time, "
                     f"{self.wall_seconds / 60:.1f} min wall ({where}, {precision}).\n")
            if command:
                extra += f"\nExact command:\n\n```bash\n{command}\n```\n"
            write_model_card(folder, self.ema.config, n_style_images=len(self.styles), skipped=len(self.content.skipped) + len(self.styles.skipped),
                             extra=extra, repo_hint=str(final))
        plot_losses(self.history, self.out / "loss_curve.png")
        return final


def atomic_torch_save(obj: dict, path: Path) -> None:
    """torch.save through `write_atomically`: a crash or a full disk never leaves a half-written checkpoint."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    write_atomically({path: buffer.getvalue()})


def plot_losses(history: list[dict], path: Path) -> None:
    if not history:
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = [k for k in history[0] if k not in ("step", "g")]
    fig, axes = plt.subplots(1, len(keys), figsize=(3 * len(keys), 2.6))
    steps = [h["step"] for h in history]
    for ax, k in zip(axes, keys):
        ax.plot(steps, [h[k] for h in history])
        ax.set_title(k)
        ax.set_xlabel("step")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


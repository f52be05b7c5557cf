"""Is the style distance limited by G or by its loss? The per-image optimum of a run's own training loss.

    python -m bench.objective_bound runs/NAME [runs/OTHER ...] --n-content 3 --steps 100 --out bench/results/bound.md

A per-style run's generator G is trained to minimise one loss (`Trainer.generator_losses`: content, Gram style,
layout, TV, saturation and the adversarial term against its D, weighted by `TrainConfig.loss_weights`). Here that
loss is minimised again on each eval photo, over the pixels themselves: a free logit image z takes G's place
(G's output logits are the start), and L-BFGS runs `--steps` evaluations, as Gatys does for the bench's own loss.
The adversarial term is left out: optimised per image it fools D and says nothing about style. The scores then say
where the style distance is lost:

- G's output far from the optimum of its own loss (in Gram distance): G's capacity or training budget limits it;
  more steps, a wider G or a higher training resolution can close the gap.
- the optimum itself far from Gatys: the loss's weights (e.g. the layout and content terms that keep objects)
  hold the style back; no G trained on this loss can come closer.

With `--fit-steps N`, a copy of G is also trained on each photo alone (N Adam steps): what it cannot reach for one
photo is the architecture's limit, what it reaches there but not in training is the training budget's. Pass
`--content` a folder of training photos for that row: G must never train on the eval photos.

Per run, rows for Gatys (the bench's loss, `--gatys-steps`), the run's exported model, and the optimum of its loss,
scored with the bench's metrics against the run's style image at `--size`: Gram distance, content distance,
EfficientNet-Lite0 top-1 agreement and kept class probability; and the run's own loss for G's output and for the
optimum. Any-style and domain runs are not supported (the bench's scores need one style image).
"""
from __future__ import annotations

import argparse
import copy
from dataclasses import replace
from pathlib import Path
from statistics import fmean

import torch

from bench import metrics
from bench.config import add_eval_args, default_vgg
from bench.data import image_files, load_set, load_tensor, spread
from bench.efficientnet import load_efficientnet_lite0
from bench.gan_gradients import open_run, saved_config
from bench.gatys import GatysConfig, lbfgs
from bench.methods import Method, gatys_method, semstyle_method
from bench.plots import grid_plot
from bench.quality import evaluate, summarise
from bench.report import write_csv
from semstyle.trainer import CKPT_NAME, Trainer
from semstyle.vgg import load_vgg16


def run_loss(trainer: Trainer, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """The run's G loss without the adversarial term, on photo x when G's output logits are z.

    Not the adversarial term: optimised per image, it fools D (a few dozen L-BFGS steps on one photo took D's mean
    logit from −4.3 to +4.2 with no visible change), and that says nothing about style."""
    parts = trainer.generator_losses(x, None, [0], G=lambda x_, stats, logits: z)
    return sum(w * parts[k] for k, w in trainer.cfg.loss_weights.items() if k != "adv")


def optimum(trainer: Trainer, x: torch.Tensor, steps: int) -> tuple[torch.Tensor, float, float]:
    """L-BFGS on the logits from G's output: (the image (1,3,H,W) in [0,1], G's loss, the optimum's loss)."""
    with torch.no_grad():
        z = trainer.ema(x, logits=True).float()  # G itself, without the pipeline's mirrored border
        start = float(run_loss(trainer, x, z))
    lbfgs(z.requires_grad_(True), lambda: run_loss(trainer, x, z), steps)  # as Gatys: never stops early
    with torch.no_grad():
        return torch.sigmoid(z).detach(), start, float(run_loss(trainer, x, z))


def fitted(trainer: Trainer, x: torch.Tensor, steps: int) -> tuple[torch.Tensor, float]:
    """A copy of G trained on photo x alone (Adam at the run's learning rate): (its output, the run's loss on it).

    Against the optimum this splits G's gap: what G cannot reach even for one photo is its architecture's;
    what it reaches here but not in training is its training budget's (or the price of one G for all photos)."""
    g = copy.deepcopy(trainer.ema).requires_grad_(True).train()
    opt = torch.optim.Adam(g.parameters(), lr=trainer.cfg.lr)
    for _ in range(steps):
        loss = run_loss(trainer, x, g(x, logits=True))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    with torch.no_grad():
        z = g(x, logits=True)
        return torch.sigmoid(z), float(run_loss(trainer, x, z))


def bound_method(trainer: Trainer, steps: int, losses: dict[str, list[float]], style_name: str) -> Method:
    """The optimum of the run's loss as a bench method; per photo, G's loss and the optimum's go to `losses`."""
    def run(x: torch.Tensor, style: torch.Tensor | None) -> torch.Tensor:
        y, start, end = optimum(trainer, x, steps)
        losses.setdefault("G's output", []).append(start)
        losses.setdefault("the optimum", []).append(end)
        return y
    return Method(f"optimum of its loss ({steps} lbfgs steps)", run, style_name=style_name)


def fitted_method(trainer: Trainer, steps: int, losses: dict[str, list[float]], style_name: str) -> Method:
    def run(x: torch.Tensor, style: torch.Tensor | None) -> torch.Tensor:
        y, loss = fitted(trainer, x, steps)
        losses.setdefault("G fitted to the photo", []).append(loss)
        return y
    return Method(f"G fitted to each photo ({steps} adam steps)", run, style_name=style_name)


def analyse(run: Path, contents: dict[str, torch.Tensor], size: int, steps: int, gatys_steps: int, vgg, effnet,
            vgg_weights: str | None, grid: Path | None = None, fit_steps: int = 0) -> str:
    """One Markdown table for `run`: Gatys, the exported model, the optimum of its loss, G fitted to each photo (with
    `fit_steps`); their outputs to `grid` (PNG)."""
    trainer = open_run(run, vgg_weights)
    name = trainer.cfg.style_name or Path(trainer.cfg.style).stem
    style = {name: load_tensor(Path(trainer.cfg.style), size)}
    losses: dict[str, list[float]] = {}
    methods = [gatys_method(vgg, GatysConfig(steps=gatys_steps)), replace(semstyle_method(run / "model", "cpu"), style_name=name),
               bound_method(trainer, steps, losses, name)] + ([fitted_method(trainer, fit_steps, losses, name)] if fit_steps else [])
    res = evaluate(methods, contents, style, vgg, effnet)
    rows = summarise(res)
    if grid:
        grid_plot(res.thumbs, [(c, name) for c in contents], [m.name for m in methods], grid)
        write_csv(res.rows, grid.with_suffix(".csv"))  # per photo
    lines = [f"### {run} (step {trainer.step}, style {name}, {len(contents)} photos at {size} px)", "",
             "The run's loss (without the adversarial term), mean over the photos: "
             + ", ".join(f"{k} {fmean(v):.3f}" for k, v in losses.items()), "",
             "| method | Gram ↓ | × Gatys | content ↓ | top-1 ↑ | class probability ↑ |", "|---|---|---|---|---|---|"]
    gatys_gram = rows[0]["style_gram"]
    lines += [f"| {r['method']} | {r['style_gram']:.3f} | {r['style_gram'] / gatys_gram:.2f} | {r['content_mse_relu4_3']:.0f} | "
              f"{r['top1_agree']:.2f} | {r['kept_class_prob']:.3f} |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", type=Path, help="per-style train.py run folders (each holds checkpoint.pt and model/)")
    add_eval_args(p, n_content=3, size_help="max side of photos and style image, as the bench's quick mode")
    p.add_argument("--steps", type=int, default=100, help="L-BFGS evaluations for the optimum of the run's loss")
    p.add_argument("--fit-steps", type=int, default=0, help="also fit a copy of G to each photo alone for this many Adam "
                   "steps (0: no); pass --content a folder of training photos, never the eval ones")
    p.add_argument("--gatys-steps", type=int, default=20, help="L-BFGS evaluations for Gatys (the bench's quick mode: 20)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    p.add_argument("--out", type=Path, help="also write the tables here (Markdown), and beside it each run's outputs "
                   "(OUT_RUN.png) and per-photo scores (OUT_RUN.csv)")
    args = p.parse_args(argv)
    for run in args.runs:  # before anything is loaded
        if not (run / CKPT_NAME).is_file() or not (run / "model").is_dir():
            p.error(f"{run}: needs {CKPT_NAME} and model/ (the run folder of a train.py run)")
        cfg = saved_config(run)
        if cfg.arbitrary or Path(cfg.style).is_dir():
            kind = "an any-style run" if cfg.arbitrary else "a domain run (its style is a folder)"
            p.error(f"{run}: {kind}; this compares runs on one style image only (the bench scores against it)")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    contents = load_set(spread(image_files(args.content, "content"), args.n_content), args.size)
    args.vgg_weights = str(args.vgg_weights or default_vgg())
    vgg, effnet = load_vgg16(args.vgg_weights, metrics.ALL_LAYERS), load_efficientnet_lite0(args.effnet_weights)
    tables = []
    for run in args.runs:
        grid = args.out.with_name(f"{args.out.stem}_{run.name}.png") if args.out else None
        tables.append(analyse(run, contents, args.size, args.steps, args.gatys_steps, vgg, effnet, args.vgg_weights, grid, args.fit_steps))
        print(tables[-1], flush=True)
    if args.out:
        args.out.write_text("\n".join(tables))


if __name__ == "__main__":
    main()

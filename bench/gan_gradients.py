"""Where does D push G? Each of G's loss terms' gradient on G's weights, at a training checkpoint.

    python -m bench.gan_gradients runs/NAME [runs/OTHER ...] --batches 8 --out bench/results/gan_gradients.md

The issue asks the adversarial model to beat its no-GAN ablation on style distance and on the distribution
metric; where it does not, this shows why. The run folder's checkpoint (G, D, the training settings) is reopened
and, on fresh training batches (the steps after the checkpoint's, so none that it trained on), each weighted term
of G's loss (`Trainer.generator_losses`, weights `TrainConfig.loss_weights`) is differentiated with respect to G's
weights. Per term, averaged over the batches:

- `share`: its weighted gradient's norm over the norm of the whole loss's gradient: how hard it pulls G;
- `cos style`: the cosine between its gradient and the style term's (the symmetric relative Gram loss on
  relu1_2..relu4_3, the benchmark's style distance): below 0, a step down this term is a step away from the style;
- `cos total`: the cosine with the whole gradient: how much of the step G actually takes goes its way.

Cosines are defined for a term at weight 0 too: a no-GAN ablation (`--adv-weight 0`) still trains its D, so
its table says where D would have pushed.

D's side, on the same batches: its mean logit on real art and on G's output (hinge: real ≥ 1, fake ≤ −1 is a
confident D), and the fraction of patches it classes correctly (real > 0, fake < 0).
"""
from __future__ import annotations

import argparse
from pathlib import Path
from statistics import fmean

import torch
import torch.nn.functional as F

from semstyle.trainer import CKPT_NAME, TrainConfig, Trainer


def saved_config(run: Path) -> TrainConfig:
    """The training settings saved in the run's checkpoint, pointed at the run folder."""
    saved = torch.load(run / CKPT_NAME, map_location="cpu", weights_only=True)["train_config"]
    return TrainConfig.from_dict({**saved, "out": str(run), "init_from": ""})  # the checkpoint replaces G anyway


def open_run(run: Path, vgg_weights: str | None = None) -> Trainer:
    """A trainer in fp32 holding the run's checkpoint (G, D, step), built from the settings saved in it. D is in eval
    mode: its spectral norm's power iteration would otherwise change D at every call: between
    the batches measured here, and between L-BFGS's evaluations in `bench.objective_bound` (which then diverged)."""
    trainer = Trainer(saved_config(run), vgg_weights=vgg_weights)
    trainer.load_checkpoint()
    trainer.D.eval()
    return trainer


def _flat(grads: tuple[torch.Tensor | None, ...], params: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([(g if g is not None else torch.zeros_like(p)).flatten() for g, p in zip(grads, params)])


def batch(trainer: Trainer, step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None, list[int]]:
    """Training step `step`'s content crops, real style crops, style statistics (any-style model) and style indices."""
    x, real, idx = trainer.sample_batch(step)
    return x, real, trainer.style_stats[idx] if trainer.cfg.arbitrary else None, idx


def term_gradients(trainer: Trainer, x: torch.Tensor, stats: torch.Tensor | None, idx: list[int]) -> dict[str, torch.Tensor]:
    """The gradient on G's trainable weights of each loss term (unweighted), on one batch."""
    params = [p for p in trainer.model.parameters() if p.requires_grad]
    parts = trainer.generator_losses(x, stats, idx)
    return {k: _flat(torch.autograd.grad(parts[k], params, retain_graph=True, allow_unused=True), params)
            for k in trainer.cfg.loss_weights}


@torch.no_grad()
def discriminator_margins(trainer: Trainer, x: torch.Tensor, real: torch.Tensor, stats: torch.Tensor | None) -> dict[str, float]:
    real_logits, fake_logits = trainer.d_logits(real), trainer.d_logits(trainer.model(x, stats=stats))
    return {"d_real": fmean(float(r.mean()) for r in real_logits), "d_fake": fmean(float(f.mean()) for f in fake_logits),
            "d_correct": fmean(float(((r > 0).float().mean() + (f < 0).float().mean()) / 2) for r, f in zip(real_logits, fake_logits))}


def analyse(trainer: Trainer, batches: int) -> dict:
    """Per term: mean share, cos style, cos total over `batches` fresh batches; and D's margins."""
    terms = {k: {"share": [], "cos_style": [], "cos_total": []} for k in trainer.cfg.loss_weights}
    margins, weights = [], trainer.cfg.loss_weights
    for i in range(batches):
        x, real, stats, idx = batch(trainer, trainer.step + i)
        grads = term_gradients(trainer, x, stats, idx)
        total = sum(weights[k] * g for k, g in grads.items())
        for k, g in grads.items():  # cosines of the unweighted gradient: defined for a term at weight 0 too
            terms[k]["share"].append(float(weights[k] * g.norm() / total.norm()))
            terms[k]["cos_style"].append(float(F.cosine_similarity(g, grads["style"], dim=0)))
            terms[k]["cos_total"].append(float(F.cosine_similarity(g, total, dim=0)))
        margins.append(discriminator_margins(trainer, x, real, stats))
    return {"step": trainer.step, "terms": {k: {m: fmean(v) for m, v in t.items()} for k, t in terms.items()},
            "d": {m: fmean(r[m] for r in margins) for m in margins[0]}}


def markdown(name: str, weights: dict[str, float], result: dict) -> str:
    d = result["d"]
    lines = [f"### {name} (step {result['step']})", "",
             f"D: mean logit {d['d_real']:+.2f} on real art, {d['d_fake']:+.2f} on G's output; {d['d_correct']:.0%} of patches classed right", "",
             "| term | weight | share of ‖∇G‖ | cos with style | cos with total |", "|---|---|---|---|---|"]
    for k, t in result["terms"].items():
        if weights[k] or k == "adv":
            lines.append(f"| {k} | {weights[k]:g} | {t['share']:.3f} | {t['cos_style']:+.3f} | {t['cos_total']:+.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="+", type=Path, help="train.py run folders (each holds checkpoint.pt)")
    p.add_argument("--batches", type=int, default=8, help="fresh training batches to average over")
    p.add_argument("--vgg-weights", help="VGG16 features safetensors (default: $SEMSTYLE_VGG_WEIGHTS, else the published weights)")
    p.add_argument("--out", type=Path, help="also write the tables here (Markdown)")
    args = p.parse_args(argv)
    torch.manual_seed(0)
    tables = []
    for run in args.runs:
        if not (run / CKPT_NAME).is_file():
            p.error(f"{run / CKPT_NAME}: no checkpoint (the run folder of a train.py run keeps its last one)")
        trainer = open_run(run, args.vgg_weights)
        tables.append(markdown(str(run), trainer.cfg.loss_weights, analyse(trainer, args.batches)))
        print(tables[-1])
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(tables))


if __name__ == "__main__":
    main()

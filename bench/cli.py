"""`python -m bench`: argument parsing, input checks, the printed report. Exit code 2 on bad input."""
from __future__ import annotations

import argparse
import glob
import os
import sys
import time
from pathlib import Path

import torch

from bench.config import (DEFAULT_CONTENT, DEFAULT_EFFNET, DEFAULT_MODELS_DIR, DEFAULT_OUT, DEFAULT_STYLES, DEFAULT_VGG,
                          PRESETS, BenchConfig, BenchError, default_vgg)
from bench.metrics import STYLE_LAYERS
from bench.report import markdown_table

UNTRAINED_NOTE = "Johnson and AdaIN run with untrained (random) weights: their numbers are for speed only, never quality."


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description="Quality and speed benchmark of semstyle models against Gatys, Johnson, AdaIN and identity.")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick", help="default: a few images, 256²/512² timings (~10 min on 2 CPU cores)")
    mode.add_argument("--full", dest="mode", action="store_const", const="full", help="everything: more images, 256²-2048², fp32+bf16, 300 Gatys steps")
    mode.add_argument("--smoke", dest="mode", action="store_const", const="smoke", help="tiny sizes, seconds; what CI runs")
    p.set_defaults(mode="quick")
    p.add_argument("--models", nargs="*", default=None, metavar="DIR", help="semstyle model folders (globs allowed); default: every models/*/ with config.json")
    p.add_argument("--vgg-weights", type=Path, default=None, help=f"VGG16 features safetensors (default: $SEMSTYLE_VGG_WEIGHTS or {DEFAULT_VGG})")
    p.add_argument("--effnet-weights", type=Path, default=DEFAULT_EFFNET, help="EfficientNet-Lite0 safetensors")
    p.add_argument("--content", type=Path, default=DEFAULT_CONTENT, dest="content_dir", help="evaluation content folder (never training data)")
    p.add_argument("--styles", type=Path, default=DEFAULT_STYLES, dest="styles_dir", help="style image folder")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where CSVs and PNGs go")
    p.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    p.add_argument("--threads", type=int, help="torch CPU threads (default: all cores; smoke: 1)")
    p.add_argument("--n-content", type=int, help="content images, evenly spaced over the folder (0 = all)")
    p.add_argument("--n-styles", type=int, help="style images, evenly spaced (0 = all); presets add their own style")
    p.add_argument("--size", type=int, help="content max side in pixels for the quality run")
    p.add_argument("--style-size", type=int, help="style max side in pixels")
    p.add_argument("--gatys-steps", type=int, help="Gatys forward+backward evaluations per image (quality and timing)")
    p.add_argument("--gatys-optimizer", choices=("lbfgs", "adam"))
    p.add_argument("--gatys-max-pairs", type=int, help="Gatys scores at most this many content×style pairs (0 = all)")
    p.add_argument("--gatys-style-weight", type=float, help="Gatys style weight (content weight 1; default 3)")
    p.add_argument("--speed-sizes", type=int, nargs="+", help="square sides to time")
    p.add_argument("--gatys-speed-sizes", type=int, nargs="+", help="square sides to time Gatys at")
    p.add_argument("--dtypes", nargs="+", choices=("fp32", "bf16"), help="default: fp32, plus bf16 where native")
    p.add_argument("--warmup", type=int, help="untimed runs before timing")
    p.add_argument("--repeats", type=int, help="timed runs per size (median reported)")
    p.add_argument("--gatys-repeats", type=int)
    p.add_argument("--max-run-s", type=float, help="skip a size whose single run is predicted to take longer")
    p.add_argument("--grid-rows", type=int)
    p.add_argument("--skip-quality", action="store_true")
    p.add_argument("--skip-speed", action="store_true")
    return p


def find_models(patterns: list[str] | None) -> tuple[Path, ...]:
    """--models given: each entry (glob-expanded) must be a folder. Not given: models/*/ holding config.json."""
    if patterns is None:
        if not DEFAULT_MODELS_DIR.is_dir():
            return ()
        return tuple(sorted(d for d in DEFAULT_MODELS_DIR.iterdir() if (d / "config.json").is_file()))
    found = []
    for pat in patterns:
        matches = sorted(glob.glob(pat)) if glob.has_magic(pat) else [pat]
        if not matches:
            raise BenchError(f"--models {pat}: no model folders match; train or download a model first, or drop --models")
        for m in matches:
            if not Path(m).is_dir():
                raise BenchError(f"--models {m}: not a folder; pass model folders holding config.json and model.safetensors")
            found.append(Path(m))
    return tuple(dict.fromkeys(found))


def make_config(a: argparse.Namespace) -> BenchConfig:
    preset = PRESETS[a.mode]
    overrides = {k: getattr(a, k) for k in ("n_content", "n_styles", "size", "style_size", "gatys_steps", "gatys_optimizer", "gatys_style_weight", "gatys_max_pairs",
                                            "warmup", "repeats", "gatys_repeats", "max_run_s", "grid_rows", "threads") if getattr(a, k) is not None}
    for k in ("speed_sizes", "gatys_speed_sizes", "dtypes"):
        if getattr(a, k) is not None:
            overrides[k] = tuple(getattr(a, k))
    vgg = a.vgg_weights or default_vgg()
    return BenchConfig(mode=a.mode, vgg_weights=vgg, effnet_weights=a.effnet_weights, content_dir=a.content_dir,
                       styles_dir=a.styles_dir, models=find_models(a.models), out=a.out, device=a.device,
                       skip_quality=a.skip_quality, skip_speed=a.skip_speed, **{**preset, **overrides})


def check_inputs(cfg: BenchConfig) -> None:
    """Fail before any long work: weights, folders, device, and that every model loads."""
    if not cfg.vgg_weights.is_file():
        raise BenchError(f"VGG16 weights not found at {cfg.vgg_weights}; pass --vgg-weights PATH or set SEMSTYLE_VGG_WEIGHTS")
    if not cfg.skip_quality:
        if not cfg.effnet_weights.is_file():
            raise BenchError(f"EfficientNet-Lite0 weights not found at {cfg.effnet_weights}; pass --effnet-weights PATH")
        for folder, flag in ((cfg.content_dir, "--content"), (cfg.styles_dir, "--styles")):
            if not folder.is_dir():
                raise BenchError(f"data folder not found: {folder}; pass {flag} DIR (or set SEMSTYLE_SHARED to the shared/ folder)")
    if cfg.device.startswith("cuda") and not torch.cuda.is_available():
        raise BenchError("--device cuda was asked for but no CUDA GPU is available; use --device cpu")
    if cfg.gatys_steps < 1:
        raise BenchError(f"--gatys-steps must be at least 1, got {cfg.gatys_steps}")
    from bench.methods import load_pipeline

    for m in cfg.models:
        load_pipeline(m, cfg.device)  # raises BenchError with the reason


def report(cfg: BenchConfig, quality_summary: list[dict], paired: list[dict], speed_summary: list[dict], notes: list[str]) -> str:
    lines = [f"# semstyle bench ({cfg.mode}, {cfg.device}, torch {torch.__version__})", ""]
    if not cfg.models:
        lines += ["No semstyle models were benchmarked (none in models/; pass --models DIR ...).", ""]
    if quality_summary:
        lines += [f"## Quality (content max side {cfg.size}; means over each method's pairs)", "",
                  markdown_table(quality_summary, {
                      "method": "method", "pairs": "pairs", "content_mse_relu4_3": "content MSE relu4_3 ↓",
                      "vgg_perceptual_uncalibrated": "VGG perceptual (uncal.) ↓", "style_gram": "style Gram ↓",
                      "style_mean_std": "style mean-std ↓", "patch_frechet_relu4_3": "patch FD relu4_3 ↓",
                      "patch_frechet_effnet": "patch FD EfficientNet ↓", "top1_agree": "top-1 agree ↑",
                      "kept_class_prob": "kept-class p ↑", "dark_cells": "dark cells ↓",
                      "colour_change": "colour change", "colour_spread": "colour spread ↓", "seconds": "s/img"}), ""]
    if paired:
        lines += ["## Against Gatys on the same pairs (issue 5's targets: top-1 at least Gatys's, and the limits shown)", "",
                  markdown_table(paired, {
                      "method": "method", "pairs": "pairs", "gram_x_baseline": "Gram × Gatys ↓", "gram_target": "at most",
                      "content_x_baseline": "content × Gatys ↓", "content_target": "at most", "top1_agree": "top-1 ↑",
                      "top1_agree_baseline": "Gatys top-1", "kept_class_prob": "kept-class p ↑",
                      "kept_class_prob_baseline": "Gatys kept-class p", "targets_met": "targets met"}), "",
                  "Means over the pairs Gatys also ran (`--gatys-max-pairs 0` runs it on all); against_gatys.csv has them.", "",
                  "Gram × Gatys by layer (each layer's mean distance over Gatys's on the same pairs), and for each tile of a "
                  "2×2 grid against the whole painting (above the whole picture's ratio: the style is laid on less evenly than "
                  "Gatys lays it):", "",
                  markdown_table(paired, {"method": "method", **{f"gram_{n}_x_baseline": n for n in STYLE_LAYERS},
                                          "gram_tiles2_x_baseline": "2×2 tiles"}), ""]
    if speed_summary:
        sizes = sorted({int(k[3:]) for r in speed_summary for k in r if k.startswith("ms_")})
        lines += ["## Speed (median ms per image, batch 1)", "",
                  markdown_table(speed_summary, {
                      "method": "method", "dtype": "dtype", **{f"ms_{s}": f"{s}²" for s in sizes},
                      "loglog_slope": "log-log slope", "largest_size": "at side", "x_johnson": "× Johnson",
                      "x_adain": "× AdaIN (cached)", "peak_rss_mb": "peak RSS MB", "params": "params",
                      "size_mb": "MB on disk", "weights": "weights"}), "",
                  "× Johnson, × AdaIN and peak RSS are at the largest side timed (\"at side\"); every size is in speed.csv. "
                  "Gatys: ms for one whole optimisation of the configured steps.", ""]
    lines += ["Notes:", f"- {UNTRAINED_NOTE}", f"- load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (timings are noisy on a shared machine)"]
    lines += [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    try:
        cfg = make_config(parser().parse_args(argv))
        check_inputs(cfg)
        cfg.out.mkdir(parents=True, exist_ok=True)
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        t0 = time.perf_counter()
        from bench.run import run_quality, run_speed

        quality_summary, paired = ([], []) if cfg.skip_quality else run_quality(cfg)
        speed_summary, notes = [], []
        if not cfg.skip_speed:
            _, speed_summary, notes = run_speed(cfg)
        text = report(cfg, quality_summary, paired, speed_summary, notes + [f"total wall time {time.perf_counter() - t0:.0f} s; results in {cfg.out}"])
    except BenchError as e:
        print(f"bench: error: {e}", file=sys.stderr)
        return 2
    (cfg.out / "results.md").write_text(text)
    print(text)
    return 0

"""The two halves of a bench run, each from a BenchConfig to rows on disk: quality and speed."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import torch

from semstyle.vgg import load_vgg16

from bench import metrics, plots, quality, speed
from bench.config import BenchConfig, BenchError
from bench.data import find_style, image_files, load_set, spread
from bench.efficientnet import load_efficientnet_lite0
from bench.gatys import GatysConfig
from bench.methods import gatys_method, identity, semstyle_method
from bench.report import write_csv


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_vgg(cfg: BenchConfig, layers: tuple[str, ...]):
    try:
        return load_vgg16(cfg.vgg_weights, layers).to(cfg.device)
    except (OSError, ValueError, RuntimeError) as e:
        raise BenchError(str(e).splitlines()[0]) from None


def run_quality(cfg: BenchConfig) -> tuple[list[dict], list[dict]]:
    """Score identity, Gatys and the semstyle models on content×style pairs; write CSVs and figures.
    Returns (the per-method summary, each model against Gatys on the pairs Gatys ran)."""
    if not cfg.effnet_weights.is_file():
        raise BenchError(f"EfficientNet-Lite0 weights not found at {cfg.effnet_weights}; pass --effnet-weights PATH")
    content_files, style_files = image_files(cfg.content_dir, "content"), image_files(cfg.styles_dir, "styles")
    vgg = load_vgg(cfg, metrics.ALL_LAYERS)
    try:
        effnet = load_efficientnet_lite0(cfg.effnet_weights).to(cfg.device)
    except Exception as e:  # safetensors errors, or a strict-load key mismatch
        raise BenchError(f"{cfg.effnet_weights} is not EfficientNet-Lite0 safetensors ({type(e).__name__}: {str(e)[:120]}); pass --effnet-weights PATH") from None
    gatys_cfg = GatysConfig(steps=cfg.gatys_steps, optimizer=cfg.gatys_optimizer, style_weight=cfg.gatys_style_weight)
    baseline = gatys_method(vgg, gatys_cfg, cfg.gatys_max_pairs)
    models = [semstyle_method(m, cfg.device) for m in cfg.models]
    methods = [identity(), baseline, *models]

    chosen = spread(style_files, cfg.n_styles)
    for m in methods:
        if m.style_name is not None:
            own = find_style(style_files, m.style_name)
            if own is None:
                log(f"note: {m.name} is a '{m.style_name}' preset but {cfg.styles_dir} has no such image; it is left out of the quality run")
            elif own not in chosen:
                chosen.append(own)
    contents = load_set(spread(content_files, cfg.n_content), cfg.size)
    styles = load_set(chosen, cfg.style_size)
    if not contents or not styles:
        raise BenchError(f"no readable {'content' if not contents else 'style'} images; check --content / --styles")

    t0 = time.perf_counter()
    log(f"quality: {len(methods)} methods on {len(contents)} contents × {len(styles)} styles at max side {cfg.size} ...")
    res = quality.evaluate(methods, contents, styles, vgg, effnet, cfg.device)
    log(f"quality: done in {time.perf_counter() - t0:.0f} s")
    summary = quality.summarise(res)
    targets = {m.name: quality.PRESET_TARGET if m.style_name else quality.UNIVERSAL_TARGET for m in models}
    paired = quality.against_baseline(res.rows, baseline.name, targets)
    write_csv(res.rows, cfg.out / "quality.csv")
    write_csv(res.frechet, cfg.out / "frechet.csv")
    write_csv(summary, cfg.out / "quality_summary.csv")
    write_csv(paired, cfg.out / "against_gatys.csv")
    if summary:
        plots.quality_plot(summary, cfg.out / "quality.png")
        pairs = list(dict.fromkeys((r["content"], r["style"]) for r in res.rows))
        ran = {p: sum((r["content"], r["style"]) == p for r in res.rows) for p in pairs}
        pairs = sorted(pairs, key=lambda p: -ran[p])[: cfg.grid_rows]  # pairs where most methods ran first
        plots.grid_plot(res.thumbs, pairs, [m.name for m in methods], cfg.out / "grid.png")
    return summary, paired


def default_dtypes(device: str) -> tuple[tuple[str, ...], str]:
    """fp32 always; bf16 where it runs natively. Returns (dtypes, a note for the report)."""
    if device.startswith("cuda"):
        return ("fp32", "bf16"), ""
    from semstyle.device import cpu_has_fast_bf16

    if cpu_has_fast_bf16():
        return ("fp32", "bf16"), ""
    return ("fp32",), "bf16 skipped: this CPU has no native bf16 (no avx512_bf16/amx_bf16), where autocast emulates it ~10-100x slower; force it with --dtypes fp32 bf16"


def run_speed(cfg: BenchConfig) -> tuple[list[dict], list[dict], list[str]]:
    """Time every method in its own subprocess; returns (rows, summary, notes)."""
    if not Path(cfg.vgg_weights).is_file():
        raise BenchError(f"VGG16 weights not found at {cfg.vgg_weights}; pass --vgg-weights PATH or set SEMSTYLE_VGG_WEIGHTS")
    notes = []
    dtypes = cfg.dtypes
    if not dtypes:
        dtypes, note = default_dtypes(cfg.device)
        if note:
            notes.append(note)
    common = dict(dtypes=dtypes, warmup=cfg.warmup, max_run_s=cfg.max_run_s, device=cfg.device, threads=cfg.threads,
                  vgg_weights=str(cfg.vgg_weights))
    specs = [speed.SpeedSpec("johnson", cfg.speed_sizes, repeats=cfg.repeats, **common),
             speed.SpeedSpec("adain", cfg.speed_sizes, repeats=cfg.repeats, **common)]
    specs += [speed.SpeedSpec("semstyle", cfg.speed_sizes, repeats=cfg.repeats, model=str(m), **common) for m in cfg.models]
    specs.append(speed.SpeedSpec("gatys", cfg.gatys_speed_sizes, repeats=cfg.gatys_repeats, gatys_steps=cfg.gatys_steps,
                                 gatys_optimizer=cfg.gatys_optimizer, **common))
    rows = []
    groups = [[spec] for spec in specs] if cfg.isolate_speed else [specs]
    for group in groups:
        t0 = time.perf_counter()
        try:
            results = speed.run_workers(group)
        except RuntimeError as e:
            results = [str(e)] * len(group)
        for spec, result in zip(group, results):
            label = spec.model or spec.method
            if isinstance(result, str):
                log(f"speed: {label} failed and is skipped: {result}")
            else:
                rows += result
        log(f"speed: {', '.join(s.model or s.method for s in group)} done in {time.perf_counter() - t0:.0f} s")
    speed.add_ratios(rows)
    summary = speed.summarise(rows)
    write_csv(rows, cfg.out / "speed.csv")
    write_csv(summary, cfg.out / "speed_summary.csv")
    if rows:
        plots.speed_plot(rows, cfg.out / "speed.png")
    skipped = [r for r in rows if r.get("status", "ok") != "ok"]
    notes += [f"{r['method']} [{r['dtype']}] {r['size']}²: {r['status']}" for r in skipped]
    if not cfg.isolate_speed:
        notes.append("all methods were timed in one process (smoke), so peak RSS is not each method's own")
    if cfg.device == "cpu":
        notes.append(f"CPU threads: {cfg.threads or torch.get_num_threads()} of {os.cpu_count()} cores")
    return rows, summary, notes

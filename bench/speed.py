"""Speed and memory: median ms per image at square sizes, fp32 and bf16 autocast, batch 1.

Each method is measured in its own subprocess (`python -m bench.speed SPEC_JSON`), so its
peak RSS is its own: before every (variant, dtype, size) the kernel's high-water mark is reset
(/proc/self/clear_refs, Linux) and read back after the timed runs. Where that reset is not
allowed, the process-lifetime ru_maxrss is reported instead and labelled so.
"""
from __future__ import annotations

import json
import math
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image

from bench.config import ROOT

STYLE_SIDE = 256  # style tensor side for methods that encode a style (random pixels: speed only); semstyle also a picture
DTYPES = {"fp32": None, "bf16": torch.bfloat16}


@dataclass(frozen=True)
class SpeedSpec:
    method: str  # "johnson" | "adain" | "gatys" | "semstyle"
    sizes: tuple[int, ...]
    dtypes: tuple[str, ...]
    warmup: int
    repeats: int
    max_run_s: float
    device: str = "cpu"
    threads: int = 0  # 0 = torch's default
    vgg_weights: str = ""
    model: str = ""  # semstyle model folder
    gatys_steps: int = 0
    gatys_optimizer: str = "lbfgs"


@dataclass(frozen=True)
class Variant:
    name: str
    fn: Callable[[torch.Tensor], torch.Tensor]  # (1,3,S,S) -> output
    warm: Callable[[torch.Tensor], object] | None = None  # cheaper warm-up (Gatys: 2 steps); default fn
    warm_scale: float = 1.0  # a real run costs about warm_scale × the warm-up
    needs_grad: bool = False
    note: str = ""


# ---- inside the worker process ----------------------------------------------------------------


def _rss_mb(field: str) -> float | None:
    try:
        for line in open("/proc/self/status"):
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark to the current RSS; False where not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _build(spec: SpeedSpec) -> tuple[list[Variant], dict]:
    """The method's variants and facts about it (parameters, size on disk, whether trained)."""
    dev = torch.device(spec.device)
    style = torch.rand(1, 3, STYLE_SIDE, STYLE_SIDE, generator=torch.Generator().manual_seed(0)).to(dev)
    if spec.method == "johnson":
        from bench.johnson import TransformerNet

        net = TransformerNet().to(dev).eval()
        n = sum(p.numel() for p in net.parameters())
        info = {"params": n, "size_mb": n * 4 / 2**20, "size_note": "fp32 state dict (not saved)", "weights": "random (speed only)"}
        return [Variant("johnson (untrained)", net, note="random weights: speed only")], info
    from semstyle.vgg import load_vgg16

    if spec.method == "adain":
        from bench.adain import ENCODER_LAYER, AdaINNet

        net = AdaINNet(load_vgg16(spec.vgg_weights, (ENCODER_LAYER,))).to(dev).eval()
        with torch.inference_mode():
            code = net.encode_style(style)
        n = sum(p.numel() for p in net.parameters())
        info = {"params": n, "size_mb": n * 4 / 2**20, "size_note": "fp32 state dict (not saved)", "weights": "ImageNet VGG + random decoder"}
        return [Variant("adain (untrained, +style encoding)", lambda x: net(x, style), note="untrained decoder: speed only"),
                Variant("adain (untrained, cached style)", lambda x: net(x, code=code), note="untrained decoder: speed only")], info
    if spec.method == "gatys":
        from bench.gatys import GatysConfig, gatys
        from bench.metrics import CONTENT_LAYER, STYLE_LAYERS

        vgg = load_vgg16(spec.vgg_weights, tuple(dict.fromkeys(STYLE_LAYERS + (CONTENT_LAYER,)))).to(dev)
        cfg = GatysConfig(steps=spec.gatys_steps, optimizer=spec.gatys_optimizer)
        warm_cfg = GatysConfig(steps=min(2, spec.gatys_steps), optimizer=spec.gatys_optimizer)
        n = sum(p.numel() for p in vgg.parameters())
        info = {"params": n, "size_mb": n * 4 / 2**20, "size_note": "VGG16 layers used, fp32", "weights": "ImageNet VGG16"}
        return [Variant(f"gatys ({cfg.steps} {cfg.optimizer} steps)", lambda x: gatys(vgg, x, style, cfg),
                        warm=lambda x: gatys(vgg, x, style, warm_cfg), warm_scale=cfg.steps / max(1, warm_cfg.steps), needs_grad=True,
                        note=f"one real run of {cfg.steps} steps per image")], info
    if spec.method == "semstyle":
        from bench.methods import load_pipeline, model_name

        pipe = load_pipeline(Path(spec.model), spec.device)
        name = model_name(Path(spec.model))
        n = sum(p.numel() for p in pipe.model.parameters())
        weights = Path(spec.model) / "model.safetensors"
        info = {"params": n, "params_generator": sum(p.numel() for p in pipe.model.generator.parameters()),
                "size_mb": weights.stat().st_size / 2**20, "size_note": "model.safetensors", "weights": "model folder"}
        if not pipe.is_arbitrary:
            return [Variant(name, lambda x: pipe.stylize(x))], info
        with torch.inference_mode():
            code = pipe.encode_style(style)
        picture = _style_picture()
        return [Variant(f"{name} (+style encoding)", lambda x: pipe.stylize(x, style)),
                Variant(f"{name} (+style picture)", lambda x: pipe.stylize(x, picture),
                        note=f"the app's path: a {picture.width}x{picture.height} PIL picture on a mat, cropped, resized, encoded"),
                Variant(f"{name} (cached style)", lambda x: pipe.stylize(x, code=code))], info
    raise ValueError(f"unknown speed method {spec.method!r}")


def _style_picture(w: int = 1024, h: int = 768, mat: int = 40):
    """What the app hands an arbitrary-style model: a picture at its 1024 px cap, here a smooth random one on a
    flat mat (`StylePipeline` crops the mat, then downscales to the model's style size, then encodes)."""
    small = np.random.default_rng(0).integers(0, 256, (12, 16, 3), dtype=np.uint8)
    art = np.asarray(Image.fromarray(small).resize((w - 2 * mat, h - 2 * mat), Image.Resampling.BICUBIC))
    a = np.full((h, w, 3), (250, 237, 211), np.uint8)
    a[mat:h - mat, mat:w - mat] = art
    return Image.fromarray(a)


def _call(v: Variant, fn: Callable, x: torch.Tensor, dtype: torch.dtype | None, device: str) -> float:
    """One timed call in seconds, under autocast when dtype is given."""
    grad = torch.enable_grad() if v.needs_grad else torch.inference_mode()
    with grad, torch.autocast(torch.device(device).type, dtype=dtype or torch.float32, enabled=dtype is not None):
        _sync(device)
        t0 = time.perf_counter()
        fn(x)
        _sync(device)
    return time.perf_counter() - t0


def measure(spec: SpeedSpec) -> list[dict]:
    """Rows: one per variant × dtype × size, with median ms and peak memory. Runs in the worker."""
    torch.manual_seed(0)
    if spec.threads:
        torch.set_num_threads(spec.threads)
    variants, info = _build(spec)
    load_rss = _rss_mb("VmRSS")
    rows = []
    for v in variants:
        for dname in spec.dtypes:
            dtype = DTYPES[dname]
            prev: tuple[int, float] | None = None  # (pixels, seconds per run) at the last size
            for s in spec.sizes:
                row = {"method": v.name, "dtype": dname, "size": s, "pixels": s * s, "device": spec.device, "threads": torch.get_num_threads(),
                       **info, "note": v.note, "load_rss_mb": load_rss}
                if prev and prev[1] * (s * s) / prev[0] > spec.max_run_s:
                    row["status"] = f"skipped: predicted {prev[1] * s * s / prev[0]:.0f} s per run > --max-run-s {spec.max_run_s:g}"
                    rows.append(row)
                    continue
                x = torch.rand(1, 3, s, s, generator=torch.Generator().manual_seed(s)).to(spec.device)
                exact = _reset_peak()
                if spec.device.startswith("cuda"):
                    torch.cuda.reset_peak_memory_stats()
                warm = [_call(v, v.warm or v.fn, x, dtype, spec.device) for _ in range(spec.warmup)]
                if warm and warm[-1] * v.warm_scale > spec.max_run_s:
                    prev = (s * s, warm[-1] * v.warm_scale)
                    row["status"] = f"skipped: warm-up predicts {prev[1]:.0f} s per run > --max-run-s {spec.max_run_s:g}"
                    rows.append(row)
                    continue
                times = [_call(v, v.fn, x, dtype, spec.device) for _ in range(spec.repeats)]
                prev = (s * s, statistics.median(times))
                row.update({"status": "ok", "repeats": spec.repeats, "median_ms": 1000 * statistics.median(times),
                            "min_ms": 1000 * min(times), "max_ms": 1000 * max(times)})
                if exact:
                    row.update(peak_rss_mb=_rss_mb("VmHWM"), rss_note="peak during this size's runs")
                else:
                    row.update(peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                               rss_note="process peak so far (ru_maxrss; reset not permitted)")
                if spec.device.startswith("cuda"):
                    row["peak_cuda_mb"] = torch.cuda.max_memory_allocated() / 2**20
                rows.append(row)
    return rows


# ---- in the parent ---------------------------------------------------------------------------


def run_workers(specs: list[SpeedSpec]) -> list[list[dict] | str]:
    """`measure` each spec, in order, in one fresh Python process: per spec its rows, or its error line.

    One spec per call keeps each method's memory its own; several per call saves interpreter
    start-ups (the smoke run). Raises RuntimeError if the process itself fails.
    """
    proc = subprocess.run([sys.executable, "-m", "bench.speed", json.dumps([asdict(s) for s in specs])],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        raise RuntimeError(lines[-1] if lines else f"speed worker exited with code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _worker_main(arg: str) -> list[list[dict] | str]:
    out: list[list[dict] | str] = []
    for raw in json.loads(arg):
        spec = SpeedSpec(**{**raw, "sizes": tuple(raw["sizes"]), "dtypes": tuple(raw["dtypes"])})
        try:
            out.append(measure(spec))
        except Exception as e:  # reported by the parent as one line; the other specs still run
            out.append(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
    return out


def loglog_slope(pixels: list[float], ms: list[float]) -> float:
    """Least-squares slope of log(ms) against log(pixels); 1.0 = time proportional to pixels."""
    if len(pixels) < 2:
        return float("nan")
    lx, ly = [math.log(p) for p in pixels], [math.log(m) for m in ms]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sxx if sxx else float("nan")


def add_ratios(rows: list[dict]) -> None:
    """x_johnson / x_adain: median ms divided by Johnson's / cached-style AdaIN's at the same size, dtype."""
    ok = [r for r in rows if r.get("status") == "ok"]
    ref = {}
    for r in ok:
        if r["method"].startswith("johnson"):
            ref[("johnson", r["dtype"], r["size"])] = r["median_ms"]
        if r["method"].startswith("adain") and "cached" in r["method"]:
            ref[("adain", r["dtype"], r["size"])] = r["median_ms"]
    for r in ok:
        for k in ("johnson", "adain"):
            base = ref.get((k, r["dtype"], r["size"]))
            r[f"x_{k}"] = r["median_ms"] / base if base else float("nan")


def summarise(rows: list[dict]) -> list[dict]:
    """One row per method × dtype: ms per size, log-log slope, and at the largest timed size the
    peak RSS and the ratios to Johnson and AdaIN."""
    out = []
    for method, dtype in dict.fromkeys((r["method"], r["dtype"]) for r in rows):
        ok = sorted((r for r in rows if r["method"] == method and r["dtype"] == dtype and r.get("status") == "ok"), key=lambda r: r["size"])
        if not ok:
            continue
        top = ok[-1]
        out.append({"method": method, "dtype": dtype, **{f"ms_{r['size']}": r["median_ms"] for r in ok},
                    "loglog_slope": loglog_slope([r["pixels"] for r in ok], [r["median_ms"] for r in ok]),
                    "largest_size": top["size"], "x_johnson": top.get("x_johnson", float("nan")), "x_adain": top.get("x_adain", float("nan")),
                    "peak_rss_mb": top.get("peak_rss_mb", float("nan")), "params": top["params"], "size_mb": top["size_mb"], "weights": top["weights"]})
    return out


if __name__ == "__main__":  # worker: a JSON list of SpeedSpecs in argv[1]; one JSON line of results on stdout
    print(json.dumps(_worker_main(sys.argv[1])))

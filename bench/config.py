"""What a bench run does: one frozen dataclass, three presets (smoke, quick, full), default paths."""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SEMSTYLE_SHARED", ROOT.parent / "shared"))
DEFAULT_VGG = SHARED / "weights" / "vgg16_imagenet_features.safetensors"  # $SEMSTYLE_VGG_WEIGHTS wins
DEFAULT_EFFNET = SHARED / "weights" / "efficientnet_lite0_imagenet.safetensors"
DEFAULT_CONTENT = SHARED / "data" / "content" / "eval"  # never the training split
DEFAULT_STYLES = SHARED / "data" / "styles"
DEFAULT_MODELS_DIR = ROOT / "models"
DEFAULT_OUT = ROOT / "bench" / "results"


def default_vgg() -> Path:
    """The VGG16 weights a bench tool uses unless given --vgg-weights: $SEMSTYLE_VGG_WEIGHTS, else ../shared's."""
    return Path(os.environ.get("SEMSTYLE_VGG_WEIGHTS") or DEFAULT_VGG)


def add_eval_args(p: argparse.ArgumentParser, n_content: int, size_help: str) -> None:
    """The flags the bench's own tools (bench.domain, bench.mats, bench.objective_bound) share: which evaluation
    photos, how many, at what size, and the two networks' weights."""
    p.add_argument("--content", type=Path, default=DEFAULT_CONTENT, help="evaluation photos (never the training split)")
    p.add_argument("--n-content", type=int, default=n_content, help="photos, evenly spaced over the sorted folder")
    p.add_argument("--size", type=int, default=256, help=size_help)
    p.add_argument("--vgg-weights", type=Path, default=None, help=f"VGG16 features safetensors (default: $SEMSTYLE_VGG_WEIGHTS, else {DEFAULT_VGG})")
    p.add_argument("--effnet-weights", type=Path, default=DEFAULT_EFFNET, help="EfficientNet-Lite0 safetensors")


class BenchError(Exception):
    """Bad input the user must fix (missing weights, data folder, unloadable model): one line, exit code 2."""


@dataclass(frozen=True)
class BenchConfig:
    mode: str  # "smoke" | "quick" | "full": which preset filled the unset fields
    vgg_weights: Path
    effnet_weights: Path
    content_dir: Path
    styles_dir: Path
    models: tuple[Path, ...]  # semstyle model folders
    out: Path
    device: str = "cpu"
    threads: int = 0  # torch CPU threads; 0 = torch's default (all cores)
    # quality
    n_content: int = 3  # evenly spaced over the sorted folder; 0 = all
    n_styles: int = 2  # evenly spaced; per-style models' own styles are always added; 0 = all
    size: int = 256  # content max side (then cropped to a multiple of 8)
    style_size: int = 256  # style max side
    gatys_steps: int = 20  # forward+backward evaluations per image
    gatys_optimizer: str = "lbfgs"
    gatys_style_weight: float = 3.0  # see bench.gatys.GatysConfig
    gatys_max_pairs: int = 3  # Gatys scores at most this many pairs (evenly spread); 0 = all
    grid_rows: int = 6  # content×style pairs shown in grid.png
    # speed
    speed_sizes: tuple[int, ...] = (256, 512)
    gatys_speed_sizes: tuple[int, ...] = (256,)
    dtypes: tuple[str, ...] = ()  # empty = fp32, plus bf16 where the hardware runs it natively
    warmup: int = 1
    repeats: int = 3
    gatys_repeats: int = 1
    max_run_s: float = 300.0  # skip a size whose predicted single run is longer than this
    isolate_speed: bool = True  # one process per method, so peak RSS is that method's own
    skip_quality: bool = False
    skip_speed: bool = False


PRESETS: dict[str, dict] = {
    # seconds: CI runs this in tests/test_bench.py
    # (one thread: on a busy shared CPU, two OpenMP threads can wait on each other for ~100x the work)
    "smoke": dict(n_content=2, n_styles=1, size=48, style_size=48, gatys_steps=2, gatys_max_pairs=2, grid_rows=2, threads=1,
                  speed_sizes=(16, 32), gatys_speed_sizes=(16,), warmup=1, repeats=1, gatys_repeats=1, max_run_s=10.0,
                  isolate_speed=False),
    # the default: under ~10 minutes on a 2-core CPU
    "quick": dict(n_content=3, n_styles=2, size=256, style_size=256, gatys_steps=20, gatys_max_pairs=3, grid_rows=6,
                  speed_sizes=(256, 512), gatys_speed_sizes=(256,), warmup=1, repeats=3, gatys_repeats=1, max_run_s=300.0),
    # everything: all sizes, both dtypes, the paper's 300 Gatys steps; meant for a GPU or a long CPU night
    "full": dict(n_content=24, n_styles=6, size=512, style_size=512, gatys_steps=300, gatys_max_pairs=0, grid_rows=8,
                 speed_sizes=(256, 512, 1024, 2048), gatys_speed_sizes=(256, 512), dtypes=("fp32", "bf16"),
                 warmup=2, repeats=10, gatys_repeats=3, max_run_s=600.0),
}

"""The three figures: speed.png, quality.png, grid.png. Each takes rows/thumbnails and a path."""
from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt  # noqa: E402
from PIL import Image  # noqa: E402


def speed_plot(rows: list[dict], path: Path) -> None:
    """log-log median ms per image vs pixels, one line per method × dtype."""
    fig, ax = plt.subplots(figsize=(8, 5.5))
    for method, dtype in dict.fromkeys((r["method"], r["dtype"]) for r in rows):
        ok = sorted((r["pixels"], r["median_ms"]) for r in rows if r["method"] == method and r["dtype"] == dtype and r.get("status") == "ok")
        if ok:
            ax.plot(*zip(*ok), marker="o", linestyle="-" if dtype == "fp32" else "--", label=f"{method} [{dtype}]")
    ax.set(xscale="log", yscale="log", xlabel="pixels per image (batch 1)", ylabel="median ms per image",
           title="Speed (untrained baselines: speed only)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def quality_plot(summary: list[dict], path: Path) -> None:
    """Content distance (relu4_3 MSE, lower = more content kept) vs style Gram distance, one point per method."""
    fig, ax = plt.subplots(figsize=(7, 5.5))
    for r in summary:
        ax.scatter(r["content_mse_relu4_3"], r["style_gram"], s=40)
        ax.annotate(r["method"], (r["content_mse_relu4_3"], r["style_gram"]), fontsize=8, xytext=(4, 4), textcoords="offset points")
    ax.set(xlabel="content distance: MSE of VGG16 relu4_3 (output vs content)",
           ylabel="style Gram distance (relative, mean of relu1_2–relu4_3)",
           title="Quality: lower-left is better on both")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def grid_plot(thumbs: dict[tuple[str, str, str], Image.Image], pairs: list[tuple[str, str]], methods: list[str], path: Path) -> None:
    """Rows = content×style pairs, columns = content, style, then each method (blank where it did not run)."""
    cols = ["content", "style", *methods]
    fig, axes = plt.subplots(len(pairs), len(cols), figsize=(1.9 * len(cols), 1.9 * len(pairs)), squeeze=False)
    for i, (c, s) in enumerate(pairs):
        for j, col in enumerate(cols):
            ax = axes[i][j]
            ax.axis("off")
            key = (c, "", "content") if col == "content" else ("", s, "style") if col == "style" else (c, s, col)
            if key in thumbs:
                ax.imshow(thumbs[key])
            if i == 0:
                ax.set_title("\n".join(textwrap.wrap(col, 26)), fontsize=7)  # long method names must not run into the next column
        axes[i][0].text(-0.05, 0.5, f"{c}\n× {s}", transform=axes[i][0].transAxes, ha="right", va="center", fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

"""CSV files and the markdown tables printed at the end of a run."""
from __future__ import annotations

import csv
import math
from pathlib import Path


def write_csv(rows: list[dict], path: Path) -> None:
    """All keys that occur in any row become columns (in first-seen order)."""
    cols = list(dict.fromkeys(k for r in rows for k in r))
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, restval="")
        w.writeheader()
        w.writerows(rows)


def fmt(v: object) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
            return f"{v:.2e}"
        return f"{v:.3f}" if abs(v) < 10 else f"{v:.1f}"
    if isinstance(v, int) and abs(v) >= 10_000:
        return f"{v / 1e6:.2f}M"
    return str(v)


def markdown_table(rows: list[dict], columns: dict[str, str]) -> str:
    """One row per dict; `columns` maps each row key to its header, in table order (a missing key: an empty cell)."""
    lines = ["| " + " | ".join(columns.values()) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(fmt(r[c]) if c in r else "" for c in columns) + " |")
    return "\n".join(lines)

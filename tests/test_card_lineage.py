"""scripts/card_lineage.py: a parent model's training record carried onto the card of the run trained on from it."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

import pytest
from huggingface_hub import ModelCard

from semstyle.card import write_model_card
from tests.helpers import tiny_model

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "card_lineage.py"


def card(folder: Path, steps: int, extra: str = "") -> Path:
    model = tiny_model(style_name="tiny")
    model.save_folder(folder)
    write_model_card(folder, model.config, extra=f"Trained for {steps} steps.\n\n```bash\npython train.py --steps {steps}\n```\n\n{extra}")
    return folder


def run(monkeypatch, *args: str) -> None:
    monkeypatch.setattr(sys, "argv", ["card_lineage.py", *args])
    runpy.run_path(str(SCRIPT), run_name="__main__")


def test_parent_record_quoted_before_credits_then_note(tmp_path, monkeypatch):
    parent = card(tmp_path / "models" / "tiny", 500, "Style image: a painting, public domain.\n")
    child = card(tmp_path / "runs" / "r" / "model", 100)
    (tmp_path / "note.md").write_text("Measured: spread 3.0 against 7.2.\n")
    run(monkeypatch, str(child), str(parent), "--note", str(tmp_path / "note.md"))
    text = (child / "README.md").read_text()
    lineage = text.index("**Lineage.**")
    assert text.index("Trained for 100 steps.") < lineage < text.index("> Trained for 500 steps.") \
        < text.index("> Style image: a painting") < text.index("Measured: spread") < text.index("## Credits")
    assert "> python train.py --steps 500" in text and text.count("## Credits") == 1
    assert ModelCard.load(child / "README.md").data.library_name == "semstyle"  # the Hub metadata is intact
    with pytest.raises(ValueError, match="already has a lineage"):
        run(monkeypatch, str(child), str(parent))
    grandchild = card(tmp_path / "runs" / "s" / "model", 50)
    run(monkeypatch, str(grandchild), str(child))  # a lineage of a lineage quotes it one level deeper
    assert "> > Trained for 500 steps." in (grandchild / "README.md").read_text()


def test_not_a_card(tmp_path, monkeypatch):
    child = card(tmp_path / "child", 100)
    (tmp_path / "parent").mkdir()
    (tmp_path / "parent" / "README.md").write_text("# notes\n")
    with pytest.raises(ValueError, match="not a semstyle model card"):
        run(monkeypatch, str(child), str(tmp_path / "parent"))

"""Carry a model's lineage onto the card of the run trained on from it.

python scripts/card_lineage.py runs/NAME/model models/NAME --note note.md

train.py writes the card of a run started with --init-from FOLDER, but knows nothing of how FOLDER was made. This
adds FOLDER's own training record to the run's card, before its Credits: everything from FOLDER's card's "Trained
for" line to its Credits (its exact command, its own lineage, its measurements, its style image's credit), quoted
under a **Lineage.** heading, then the note's text (what changed and what was measured). Run it before the run's model
replaces FOLDER; it refuses a card that already has a lineage, so running it twice does not nest the record twice.
"""
from __future__ import annotations

import argparse
from pathlib import Path

CREDITS = "## Credits"
RECORD = "Trained for "


def training_record(card: str) -> str:
    """The part of a card from its "Trained for" line to its Credits, stripped."""
    start, end = card.find(RECORD), card.find(CREDITS)
    if start < 0 or end < start:
        raise ValueError(f"not a semstyle model card: no {RECORD!r} line before {CREDITS!r}")
    return card[start:end].strip()


def with_lineage(card: str, parent_card: str, parent: str, note: str = "") -> str:
    """`card` with `parent_card`'s training record quoted before its Credits, then `note`."""
    if "**Lineage.**" in training_record(card):
        raise ValueError("the card already has a lineage")
    quoted = "\n".join(("> " + line).rstrip() for line in training_record(parent_card).splitlines())
    block = f"**Lineage.** `--init-from` above is `{parent}` as it was then; its card's training record:\n\n{quoted}\n\n"
    if note.strip():
        block += note.strip() + "\n\n"
    i = card.find(CREDITS)
    return card[:i] + block + card[i:]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", type=Path, help="the run's model folder (its README.md is rewritten)")
    p.add_argument("parent", type=Path, help="the model folder it was trained on from (--init-from)")
    p.add_argument("--note", type=Path, help="a markdown file: what this run changed and what was measured")
    args = p.parse_args()
    path = args.model / "README.md"
    note = args.note.read_text(encoding="utf-8") if args.note else ""
    text = with_lineage(path.read_text(encoding="utf-8"), (args.parent / "README.md").read_text(encoding="utf-8"),
                        args.parent.as_posix(), note)
    path.write_text(text, encoding="utf-8")
    print(f"{path}: lineage from {args.parent} added")


if __name__ == "__main__":
    main()

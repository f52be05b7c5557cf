"""Deploy the demo as a Hugging Face Space: `python -m semstyle.space deploy user/space-name`.

Uploads exactly what the Space runs: app.py, the semstyle package, requirements.txt, presets.json,
the bundled models (only their model files), examples/, CREDITS.md, and spaces_config/README.md as
the Space's README.md (its YAML front matter configures the Space). Files from an earlier deploy that
are no longer part of the demo are deleted in the same commit. Token: HF_TOKEN or `hf auth login`.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .hub import HubError, _attempts, _push_reason, parse_model_ref, with_retries

ROOT = Path(__file__).resolve().parents[1]
CARD = Path("spaces_config") / "README.md"
TOP_FILES = ("app.py", "requirements.txt", "presets.json", "CREDITS.md")
MODEL_FILES = ("config.json", "model.safetensors", "README.md", "style.jpg")
EXAMPLE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def front_matter(card: str) -> dict[str, str]:
    """Top-level `key: value` pairs of a README's YAML front matter (enough for the checks here)."""
    match = re.match(r"---\n(.*?)\n---\n", card, re.S)
    if not match:
        return {}
    pairs = (re.match(r"([A-Za-z_]+):\s*(.*)$", line) for line in match.group(1).splitlines())
    return {m.group(1): m.group(2).strip().strip("\"'") for m in pairs if m}


def check_card(root: Path) -> None:
    """The Space card must exist and pin the same Gradio version as requirements.txt."""
    card_path, req_path = root / CARD, root / "requirements.txt"
    if not card_path.is_file():
        raise HubError(f"no Space card at {card_path}; write spaces_config/README.md (YAML front matter + text)")
    if not req_path.is_file():
        raise HubError(f"no {req_path}; the Space installs its dependencies from requirements.txt")
    meta = front_matter(card_path.read_text(encoding="utf-8"))
    pin = re.search(r"^gradio==([\w.]+)\s*$", req_path.read_text(encoding="utf-8"), re.M)
    if meta.get("sdk") != "gradio":
        raise HubError(f"{card_path}: front matter must say `sdk: gradio`")
    if pin is None:
        raise HubError(f"{req_path}: pin gradio exactly (gradio==X.Y.Z), the version sdk_version in {CARD} names")
    if meta.get("sdk_version") != pin.group(1):
        raise HubError(f"{CARD} has sdk_version {meta.get('sdk_version')!r} but requirements.txt pins gradio=={pin.group(1)}; make them equal")
    if not (root / meta.get("app_file", "app.py")).is_file():
        raise HubError(f"{CARD}: app_file {meta.get('app_file')!r} does not exist")


def space_files(root: Path = ROOT) -> dict[str, Path]:
    """path in the Space repo -> local file, for everything the Space needs (and nothing else)."""
    check_card(root)
    files = {"README.md": root / CARD}
    for name in TOP_FILES:
        if (root / name).is_file():
            files[name] = root / name
    for path in sorted((root / "semstyle").glob("*.py")):
        files[f"semstyle/{path.name}"] = path
    for folder in sorted(p for p in (root / "models").glob("*") if (p / "config.json").is_file()):
        for name in MODEL_FILES:
            if (folder / name).is_file():
                files[f"models/{folder.name}/{name}"] = folder / name
    for path in sorted((root / "examples").glob("*")):
        if path.suffix.lower() in EXAMPLE_SUFFIXES:
            files[f"examples/{path.name}"] = path
    return files


def deploy(space_id: str, root: str | Path = ROOT, *, token: str | None = None, private: bool = False,
           commit_message: str = "Deploy semstyle demo", retry_backoff: float | None = None) -> str:
    """Create the Space if needed (Gradio SDK) and make its files exactly `space_files(root)`; return its URL."""
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete, HfApi

    repo_id, revision = parse_model_ref(space_id)
    if revision is not None:
        raise HubError(f"deploy to {repo_id!r}: give the Space id without '@{revision}'")
    files = space_files(Path(root))
    api = HfApi(token=token)

    def upload() -> None:
        api.create_repo(repo_id, repo_type="space", space_sdk="gradio", private=private, exist_ok=True)
        stale = set(api.list_repo_files(repo_id, repo_type="space")) - set(files) - {".gitattributes"}
        ops = [CommitOperationAdd(path_in_repo=p, path_or_fileobj=str(f)) for p, f in files.items()]
        ops += [CommitOperationDelete(path_in_repo=p) for p in sorted(stale)]
        api.create_commit(repo_id, ops, repo_type="space", commit_message=commit_message)

    try:
        with_retries(f"deploying Space {repo_id}", upload, retry_backoff, token)
    except Exception as err:  # noqa: BLE001 - every failure becomes one HubError
        raise HubError(f"deploying Space {repo_id} failed{_attempts(err)}: {_push_reason(err, token)}") from err
    return f"{api.endpoint}/spaces/{repo_id}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m semstyle.space", description="deploy the semstyle demo as a Hugging Face Space")
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("deploy", help="create or update the Space user/space-name")
    d.add_argument("space_id", help="user/space-name")
    d.add_argument("--private", action="store_true", help="create the Space as private")
    d.add_argument("--root", default=str(ROOT), help="project folder to deploy from")
    args = p.parse_args(argv)
    try:
        files = space_files(Path(args.root))
        print(f"uploading {len(files)} files to Space {args.space_id} ...", file=sys.stderr)
        print(deploy(args.space_id, args.root, private=args.private))
    except HubError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

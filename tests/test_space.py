"""`python -m semstyle.space deploy` against the local Hub-protocol server (repo_type="space")."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from semstyle.hub import HubError
from semstyle.space import deploy, front_matter, main, space_files
from tests.app_server import ROOT, make_fixture_models


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project as a developer has it: the demo's files plus things that must not ship."""
    root = tmp_path / "project"
    (root / "semstyle").mkdir(parents=True)
    for path in (ROOT / "semstyle").glob("*.py"):
        shutil.copy(path, root / "semstyle" / path.name)
    for name in ("app.py", "presets.json", "CREDITS.md"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "examples", root / "examples")
    shutil.copytree(ROOT / "spaces_config", root / "spaces_config")
    (root / "requirements.txt").write_text("torch\ngradio==6.31.0\nhuggingface_hub\nspaces\n")
    make_fixture_models(root / "models")
    (root / "models" / "starry" / "notes.txt").write_text("scratch")  # not a model file
    (root / "models" / "starry" / "checkpoint.pt").write_bytes(b"pickle")  # never shipped
    (root / "runs").mkdir()
    (root / "runs" / "log.txt").write_text("training log")
    (root / ".env").write_text("HF_TOKEN=hf_secret")
    (root / "semstyle" / "__pycache__").mkdir()
    (root / "semstyle" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    return root


def test_card_front_matter_matches_the_brief():
    meta = front_matter((ROOT / "spaces_config" / "README.md").read_text())
    assert meta["sdk"] == "gradio" and meta["sdk_version"] == "6.31.0" and meta["python_version"] == "3.11"
    assert meta["app_file"] == "app.py" and meta["license"] and meta["emoji"] and meta["suggested_hardware"]
    assert len(meta["short_description"]) <= 60
    card = (ROOT / "spaces_config" / "README.md").read_text()
    presets = __import__("json").loads((ROOT / "presets.json").read_text())
    for entry in presets:  # the card's `models:` are the Hub presets
        assert f"  - {entry['repo']}\n" in card


def test_deploy_uploads_exactly_the_space_files(project, hub_server):
    space = hub_server.new_repo_id("space")
    url = deploy(space, project)
    assert url == f"{hub_server.url}/spaces/{space}"
    files = hub_server.files(space, repo_type="space")
    assert files["README.md"] == (project / "spaces_config" / "README.md").read_bytes()
    assert files["app.py"] == (project / "app.py").read_bytes()
    assert files["models/universal/model.safetensors"] == (project / "models" / "universal" / "model.safetensors").read_bytes()
    assert {"requirements.txt", "presets.json", "CREDITS.md", "semstyle/studio.py", "semstyle/__init__.py",
            "models/starry/config.json", "models/starry/style.jpg", "models/starry/README.md",
            "examples/photo_dogs.jpg", "examples/style_starry_night.jpg"} <= set(files)
    assert not [p for p in files if p.endswith((".pt", ".txt.bak", ".pyc")) or p.startswith(("runs/", ".env"))
                or "notes.txt" in p or p.startswith("spaces_config/")]
    assert set(files) == set(space_files(project)) | {".gitattributes"}


def test_redeploy_removes_what_is_gone(project, hub_server):
    space = hub_server.new_repo_id("space")
    deploy(space, project)
    shutil.rmtree(project / "models" / "scream")
    deploy(space, project)
    files = hub_server.files(space, repo_type="space")
    assert not [p for p in files if p.startswith("models/scream/")]
    assert "models/starry/model.safetensors" in files
    assert len(hub_server.commits(space, repo_type="space")) == 3  # created + 2 deploys


def test_deploy_refuses_a_card_that_disagrees_with_requirements(project, hub_server):
    (project / "requirements.txt").write_text("gradio==5.0.0\n")
    with pytest.raises(HubError, match="sdk_version '6.31.0' but requirements.txt pins gradio==5.0.0"):
        deploy(hub_server.new_repo_id("space"), project)


def test_cli_errors_are_one_line(project, hub_server, capsys):
    (project / "requirements.txt").unlink()
    assert main(["deploy", hub_server.new_repo_id("space"), "--root", str(project)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no ") and "requirements.txt" in err and "\n" not in err
    (project / "requirements.txt").write_text("gradio==6.31.0\n")
    assert main(["deploy", "not a repo id", "--root", str(project)]) == 2
    assert "is not a Hub repo id" in capsys.readouterr().err
    assert main(["deploy", hub_server.new_repo_id("space"), "--root", str(project)]) == 0

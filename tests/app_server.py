"""The demo app (app.py) served on 127.0.0.1 with tiny fixture models, shared by the app and browser tests.

Fixture `app_server` (session): fixture model folders in a temporary models dir (two per-style
presets with style.jpg thumbnails, plus the universal arbitrary-style model) and an empty
presets.json, selected through SEMSTYLE_MODELS_DIR / SEMSTYLE_PRESETS_FILE, then `app.demo`
launched with prevent_thread_lock. Yields an object with `url`, `app` (the module) and `models`.
"""
from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PRESETS = {"starry": ("Starry Night", "style_starry_night.jpg"), "scream": ("The Scream", "style_the_scream.jpg")}


@dataclass
class AppServer:
    url: str
    app: ModuleType
    models: Path


def visible(model):
    """A fresh G is the identity (zero tail + skip); a random tail makes its output differ from the input."""
    with torch.no_grad():
        model.generator.tail[1].weight.normal_(0, 0.5)
    return model


def make_fixture_models(models: Path) -> Path:
    from semstyle.card import write_model_card
    from tests.helpers import tiny_model

    for seed, (folder, (name, thumb)) in enumerate(PRESETS.items()):
        model = visible(tiny_model("per_style", seed=seed, style_name=name))
        write_model_card(model.save_folder(models / folder), model.config)
        Image.open(ROOT / "examples" / thumb).convert("RGB").resize((96, 96)).save(models / folder / "style.jpg")
    universal = visible(tiny_model("arbitrary", seed=7, style_name="universal (any style)"))
    write_model_card(universal.save_folder(models / "universal"), universal.config)
    return models


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    models = make_fixture_models(tmp / "models")
    (tmp / "presets.json").write_text("[]")
    env = {"SEMSTYLE_MODELS_DIR": str(models), "SEMSTYLE_PRESETS_FILE": str(tmp / "presets.json"),
           "GRADIO_TEMP_DIR": str(tmp / "gradio")}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    sys.modules.pop("app", None)  # built from the environment at import
    app = importlib.import_module("app")
    try:
        _, url, _ = app.demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
        yield AppServer(url.rstrip("/"), app, models)
    finally:
        app.demo.close()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v

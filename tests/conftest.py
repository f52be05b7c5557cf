"""Test-session environment: set before gradio / huggingface_hub are imported anywhere."""
import os
import sys
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens: no test reaches the real Hub

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("SEMSTYLE_SHARED", ROOT.parent / "shared"))
VGG_PATH = SHARED / "weights" / "vgg16_imagenet_features.safetensors"

needs_shared = pytest.mark.skipif(not VGG_PATH.is_file(), reason=f"../shared weights absent ({VGG_PATH})")

# Local Hub-protocol HTTP server for real-HTTP Hub tests: fixtures `hub_server` (per test: patched
# huggingface_hub endpoint, offline flag, cache and token) and `hub_server_process` (the shared server).
from tests.hub_server import hub_server, hub_server_process  # noqa: E402,F401

# The demo app served with tiny fixture models (session fixture `app_server`), for the app and browser tests.
from tests.app_server import app_server  # noqa: E402,F401

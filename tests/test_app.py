"""The demo app over HTTP with gradio_client: every API endpoint, the Hub paths, and odd inputs.

The app runs in this process (fixture `app_server`, tests/app_server.py) with tiny fixture models.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from semstyle.color import rgb_to_ycbcr
from semstyle.images import load_image, pil_to_tensor
from tests.app_server import ROOT
from tests.hostile import gradient

PHOTO = ROOT / "examples" / "photo_dogs.jpg"  # 682x1024
STYLE = ROOT / "examples" / "style_mondrian.jpg"


@pytest.fixture(scope="module")
def client(app_server, tmp_path_factory):
    return Client(app_server.url, verbose=False, download_files=str(tmp_path_factory.mktemp("downloads")))


def stylize(client, content, style="Starry Night", strength=1.0, max_side=512, preserve=False):
    return client.predict(handle_file(str(content)), style, strength, max_side, preserve, api_name="/stylize")


# ---- endpoints ------------------------------------------------------------------------------------


def test_named_endpoints(client):
    names = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert {"/stylize", "/stylize_with_style_image", "/list_styles", "/load_style", "/discover_styles"} <= names


def test_list_styles(client):
    styles = client.predict(api_name="/list_styles")
    assert [p["name"] for p in styles["presets"]] == ["The Scream", "Starry Night"]  # folder order: scream, starry
    assert all(p["source"] == "bundled" for p in styles["presets"])
    assert styles["style_images"] is True


def test_stylize_preset_returns_a_png_of_the_downscaled_size(client):
    path, status = stylize(client, PHOTO, max_side=512)
    out = Image.open(path)
    assert out.format == "PNG" and out.mode == "RGB" and out.size == (341, 512)
    assert "Starry Night" in status and "downscaled" in status
    content = pil_to_tensor(load_image(PHOTO, max_side=512))
    assert (pil_to_tensor(out) - content).abs().mean() > 0.05  # it did something


def test_stylize_large_output_is_tiled_and_same_size(client, app_server, odd_files):
    path, status = stylize(client, odd_files["huge"], style="the scream", max_side=1536)  # names match loosely
    assert Image.open(path).size == (1536, 1152)  # > TILE + OVERLAP: went through 2x2 tiles
    assert "The Scream" in status and "downscaled to 1536x1152" in status
    norms = app_server.app.studio.library.load(str(app_server.models / "scream")).pipe.model.generator.norms()
    assert all(n.frozen is None and not n.recording for n in norms)  # statistics released


def test_strength_zero_returns_the_content(client):
    path, _ = stylize(client, PHOTO, strength=0.0, max_side=256)
    content = np.asarray(load_image(PHOTO, max_side=256), dtype=np.int16)
    assert np.abs(np.asarray(Image.open(path), dtype=np.int16) - content).max() <= 1


def test_preserve_colors_keeps_the_content_chroma(client):
    path, _ = stylize(client, PHOTO, max_side=256, preserve=True)
    content = rgb_to_ycbcr(pil_to_tensor(load_image(PHOTO, max_side=256)))
    out = rgb_to_ycbcr(pil_to_tensor(Image.open(path)))
    assert (out[1:] - content[1:]).abs().mean() < 0.02
    assert (out[0] - content[0]).abs().mean() > 0.02  # the luminance is stylised


def test_stylize_with_style_image(client):
    path, status = client.predict(handle_file(str(PHOTO)), handle_file(str(STYLE)), 1.0, 384, False,
                                  api_name="/stylize_with_style_image")
    assert Image.open(path).size == (256, 384)
    assert "style image" in status
    assert "mat" not in status


def test_a_style_images_mat_is_cropped_and_the_user_told(client, tmp_path):
    from tests.helpers import matted, picture

    matted(picture(300, 200), (20, 20, 24, 24)).save(tmp_path / "print.png")
    for _ in range(2):  # the second time its code comes from the cache, and the notice with it
        _, status = client.predict(handle_file(str(PHOTO)), handle_file(str(tmp_path / "print.png")), 1.0, 256, False,
                                   api_name="/stylize_with_style_image")
        assert "mat (a flat margin round the picture) was cropped off" in status and "348x240 -> " in status


def test_load_style(client):
    assert "Starry Night" in client.predict("Starry Night", api_name="/load_style")
    with pytest.raises(AppError, match="Unknown style 'Nope!'"):
        client.predict("Nope!", api_name="/load_style")


def test_offline_hub_id_is_refused_clearly(client):
    with pytest.raises(AppError, match="not reachable"):  # conftest: HF_HUB_OFFLINE=1
        stylize(client, PHOTO, style="someone/not-cached")
    with pytest.raises(AppError, match="not a Hub repo id|Unknown style"):
        client.predict("../../etc/passwd", api_name="/load_style")


# ---- the Hub (local Hub-protocol server) ------------------------------------------------------------


def test_hub_model_by_repo_id_loads_once_and_stylizes(client, app_server, hub_server):
    from semstyle.hub import push_to_hub

    repo = hub_server.new_repo_id("style")
    push_to_hub(app_server.models / "starry", repo)
    assert "Hub: " + repo in client.predict(repo, api_name="/load_style")
    path, status = stylize(client, PHOTO, style=repo, max_side=256)
    assert Image.open(path).size == (170, 256) and "Starry Night" in status
    downloads = [p for m, p in hub_server.requests if m == "GET" and "/resolve/" in p]
    assert len([p for p in downloads if p.endswith("model.safetensors")]) == 1  # cached after the first load

    assert repo in client.predict(api_name="/discover_styles")  # Hub models tagged semstyle


def test_a_webcam_frame_never_downloads_a_hub_style(client, app_server, hub_server):
    """A live frame with a Hub style not loaded yet is refused (no download inside the stream); once loaded, it runs."""
    import gradio as gr

    from semstyle.hub import push_to_hub

    repo = hub_server.new_repo_id("webcam")
    push_to_hub(app_server.models / "starry", repo)
    frame_handler = next(fn.fn for fn in app_server.app.demo.fns.values() if fn.api_name == "stylize_frame")
    frame = Image.new("RGB", (64, 48), (128, 128, 128))
    with pytest.raises(gr.Error, match="not loaded yet: click Check style"):
        frame_handler(frame, repo, 1.0, False, {})
    assert not [p for m, p in hub_server.requests if m == "GET" and repo in p and "/resolve/" in p]
    client.predict(repo, api_name="/load_style")
    assert frame_handler(frame, repo, 1.0, False, {})[0].size[0] > 0


def test_hub_repo_that_is_not_a_semstyle_model_is_refused(client, hub_server):
    repo = hub_server.new_repo_id("bert")
    hub_server.seed_repo(repo, {"config.json": json.dumps({"model_type": "bert"}).encode(), "README.md": b"# bert\n"})
    with pytest.raises(AppError, match="not a usable semstyle model"):
        client.predict(repo, api_name="/load_style")
    repo = hub_server.new_repo_id("empty")
    hub_server.seed_repo(repo, {"README.md": b"# nothing\n"})
    with pytest.raises(AppError, match="not a semstyle model"):
        stylize(client, PHOTO, style=repo)
    with pytest.raises(AppError, match="not found"):
        client.predict(hub_server.user + "/does-not-exist", api_name="/load_style")


# ---- odd inputs (the hostile ones: tests/test_hostile.py) ------------------------------------------


@pytest.fixture(scope="module")
def odd_files(tmp_path_factory) -> dict[str, Path]:
    """Odd inputs whose app-level notices this file checks; the hostile corpus is in tests/test_hostile.py."""
    d = tmp_path_factory.mktemp("odd")
    f = {"text": d / "notes.png", "huge": d / "huge.jpg", "gif": d / "anim.gif"}
    f["text"].write_text("this is not an image")
    gradient(4000, 3000).save(f["huge"], quality=70)
    frames = [gradient(96, 64).point(lambda v, k=k: (v + 80 * k) % 256) for k in range(3)]
    frames[0].save(f["gif"], save_all=True, append_images=frames[1:], duration=80, loop=0)
    return f


@pytest.mark.parametrize("name, size, notice", [
    ("huge", (512, 384), "downscaled to 512x384"),
    ("gif", (96, 64), "first frame"),
])
def test_notices_for_odd_inputs(client, odd_files, name, size, notice):
    path, status = stylize(client, odd_files[name], max_side=512)
    assert Image.open(path).size == size
    assert notice in status


def test_bad_style_image_and_missing_inputs(client, odd_files):
    with pytest.raises(AppError, match="The style image: .*not a readable image"):
        client.predict(handle_file(str(PHOTO)), handle_file(str(odd_files["text"])), 1.0, 256, False,
                       api_name="/stylize_with_style_image")
    with pytest.raises(AppError, match="No content image"):
        client.predict(None, "Starry Night", 1.0, 256, False, api_name="/stylize")
    with pytest.raises(AppError, match="greater than maximum value 2048"):  # the slider checks its bounds
        stylize(client, PHOTO, max_side=99999)


# ---- configuration ---------------------------------------------------------------------------------


def test_models_load_once(app_server):
    library = app_server.app.studio.library
    ref = library.find("Starry Night")
    assert library.load(ref) is library.load(ref)
    assert library.load_universal() is library.load_universal()


def test_spaces_gpu_is_a_no_op_off_spaces():
    import spaces

    def fn(x):
        return x

    assert spaces.GPU(fn) is fn and spaces.GPU(duration=60)(fn) is fn  # no SPACES_ZERO_GPU here


def test_bursts_are_bounded(app_server):
    demo = app_server.app.demo
    assert demo._queue.max_size == 32
    limits = {fn.api_name: fn.concurrency_limit for fn in demo.fns.values() if fn.api_name}
    assert limits["stylize"] == 2 and limits["stylize_with_style_image"] == 2


def test_startup_makes_no_network_call(app_server, tmp_path):
    """Import and launch in a fresh process where every non-loopback connection or name lookup fails loudly.

    (With GRADIO_ANALYTICS_ENABLED=True the same script reports look-ups of api.gradio.app and huggingface.co.)
    """
    script = textwrap.dedent(f"""
        import socket, sys, time
        t0 = time.perf_counter()
        real = socket.socket.connect
        def guarded(self, addr):
            host = addr[0] if isinstance(addr, tuple) else addr
            if host not in ("127.0.0.1", "::1", "localhost"):
                print("NETWORK", addr, flush=True)
                raise OSError("network call during start-up")
            return real(self, addr)
        def resolve(host, *args, **kwargs):
            if host not in ("127.0.0.1", "::1", "localhost", None):
                print("NETWORK", host, flush=True)
                raise OSError("name lookup during start-up")
            return real_resolve(host, *args, **kwargs)
        real_resolve = socket.getaddrinfo
        socket.socket.connect, socket.getaddrinfo = guarded, resolve
        sys.path.insert(0, {str(ROOT)!r})
        import app, os
        app.demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
        print("STARTED", round(time.perf_counter() - t0, 2), os.environ["GRADIO_ANALYTICS_ENABLED"], flush=True)
        app.demo.close()
    """)
    env = {**os.environ, "SEMSTYLE_MODELS_DIR": str(app_server.models), "GRADIO_TEMP_DIR": str(tmp_path)}
    for key in ("HF_HUB_OFFLINE", "GRADIO_ANALYTICS_ENABLED", "HF_ENDPOINT"):
        env.pop(key, None)  # as a user would start it: online, defaults
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert "NETWORK" not in out.stdout + out.stderr, out.stdout + out.stderr
    assert "STARTED" in out.stdout and out.stdout.split("STARTED")[1].split()[1] == "False", out.stdout + out.stderr

"""The hostile-input corpus (tests/hostile.py) through every surface: the Python API, the CLIs
(`python -m semstyle stylize`, `train.py`) and the running app (gradio_client against `app_server`).

For every case: the outcome the corpus names (accepted as RGB, or refused with one line matching its
pattern, as the package's own exception type); nothing unpickled; nothing written outside the output
folder or the Hub cache; the app still serves a normal request afterwards.
"""
from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import gradio as gr
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

import train
from semstyle import ModelLoadError, StyleModel, StylePipeline
from semstyle.__main__ import main as stylize_main
from semstyle.data import ImageSet
from semstyle.hub import HubError
from semstyle.images import ImageError, display_name, load_image
from semstyle.studio import MIN_SIDE
from tests.conftest import ROOT
from tests.helpers import image_folder, tiny_model
from tests.hostile import IMAGE_CASES, MARKER, MODEL_CASES, REF_CASES, gradient, image_cases, write_images


def one_line(message: str, pattern: str) -> None:
    assert len(message.splitlines()) == 1 and "\r" not in message, f"not one line: {message!r}"
    assert re.search(pattern, message), f"{message!r} does not match {pattern!r}"


def tree(folder: Path) -> set[str]:
    """Every path below `folder` (files and folders), relative."""
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def run_cli(main, argv: list[str]) -> tuple[int, str, str]:
    """An in-process CLI run: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as e:
            code = e.code
    return code, out.getvalue(), err.getvalue()


def cli_error(code: int, err: str) -> str:
    """The one error line of a failed run (exit code 2, no traceback), without its "error: " prefix."""
    assert code == 2 and "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0].removeprefix("error: ")


def refused_by(main, argv: list[str]) -> str:
    """Run a CLI in-process; it must fail with one error line, which is returned."""
    code, _, err = run_cli(main, argv)
    return cli_error(code, err)


@contextlib.contextmanager
def memory_growth():
    """Yields a dict that gets `python` (tracemalloc peak) and `rss` (peak resident growth, if measurable), bytes."""
    def status(key: str) -> int:
        return int(re.search(rf"{key}:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1)) * 1024

    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets the peak (VmHWM) to the current RSS
        rss0 = status("VmRSS")
    except OSError:
        rss0 = None
    grown: dict[str, int | None] = {}
    tracemalloc.start()
    try:
        yield grown
    finally:
        grown["python"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        grown["rss"] = status("VmHWM") - rss0 if rss0 is not None else None


# ---- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, Path]:
    return write_images(tmp_path_factory.mktemp("hostile") / "images")


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    return tiny_model().save_folder(tmp_path_factory.mktemp("model") / "tiny")


@pytest.fixture(scope="module")
def pipe(model_dir) -> StylePipeline:
    return StylePipeline.from_pretrained(model_dir, device="cpu")


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("photo") / "photo.png"
    gradient(64, 48).save(path)
    return path


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    return image_folder(tmp_path_factory.mktemp("data") / "content", n=2, size=(48, 40))


@pytest.fixture
def broken(case, tmp_path) -> Path:
    """The test's model case built into tmp_path/<case>/model; its pickle marker would land in tmp_path/<case>."""
    folder = case.build(tmp_path / case.name / "model")
    yield folder
    assert not (folder.parent / MARKER).exists(), "a pickle was unpickled"


def _case_id(case) -> str:
    return case.name.replace("\n", "_")


IMAGE_IDS = [_case_id(c) for c in IMAGE_CASES]
MODEL_IDS = [c.name for c in MODEL_CASES]
REF_IDS = [c.name for c in REF_CASES]


# ---- images: Python API --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", IMAGE_CASES, ids=IMAGE_IDS)
def test_image_api(case, images, pipe, monkeypatch):
    from PIL import EpsImagePlugin

    spawned = []
    monkeypatch.setattr(EpsImagePlugin, "gs_binary", "gs")  # as if Ghostscript were installed
    monkeypatch.setattr(subprocess, "check_call", lambda *a, **k: spawned.append(a))
    path = images[case.name]
    calls = [(load_image, path), (load_image, str(path)), (pipe, path)]
    if case.kind == "file":
        calls.append((load_image, path.read_bytes()))  # as webcam frames arrive
    for call, source in calls:
        if case.error:
            with pytest.raises(ImageError) as err:
                call(source)
            one_line(str(err.value), case.error)
        else:
            img = call(source)
            assert img.mode == "RGB" and img.size == case.size
            if case.check and call is load_image:
                case.check(img)
    assert not spawned, "an image made Pillow run a program"


def test_training_data_skips_exactly_the_refused_and_tiny(images, caplog):
    min_side = 16
    with caplog.at_level("WARNING", logger="semstyle.data"):
        data = ImageSet(images["random_bytes"].parent, max_side=64, min_side=min_side)
    used = {p.name for p in data.files}
    expected = {c.filename for c in image_cases(accepted=True) if min(c.size) >= min_side}
    assert used == expected
    skipped = [r.getMessage() for r in caplog.records if r.getMessage().startswith("skipping ")]
    assert all(len(m.splitlines()) == 1 for m in skipped)
    assert len(skipped) == len(data.skipped) == len([c for c in IMAGE_CASES if c.kind == "file"]) - len(expected)


# ---- images: CLIs --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stylize_run(images, model_dir, tmp_path_factory):
    """`python -m semstyle stylize` in-process once over every image case; cwd is a scratch folder."""
    work = tmp_path_factory.mktemp("cli")
    before, cwd = tree(images["random_bytes"].parent.parent), os.getcwd()
    os.chdir(work)
    try:
        code, out, err = run_cli(stylize_main, ["stylize", *map(str, images.values()), "--model", str(model_dir),
                                                "--out", str(work / "out")])
    finally:
        os.chdir(cwd)
    assert code == 0, err
    assert tree(images["random_bytes"].parent.parent) == before  # nothing written beside the inputs
    assert tree(work) == {"out"} | {f"out/{p.name}" for p in (work / "out").iterdir()}
    assert all(line.startswith("skipped: ") for line in out.splitlines()), out
    return work / "out", [line.removeprefix("skipped: ") for line in out.splitlines()]


@pytest.mark.parametrize("case", IMAGE_CASES, ids=IMAGE_IDS)
def test_image_stylize_cli(case, images, stylize_run):
    out, skipped = stylize_run
    mine = [s for s in skipped if s.startswith(display_name(images[case.name]) + ": ")]
    if case.error:
        assert len(mine) == 1, skipped
        one_line(mine[0], case.error)
    else:
        assert not mine
        result = Image.open(out / f"{Path(case.filename).stem}.png")
        assert result.mode == "RGB" and result.size == case.size


@pytest.mark.parametrize("case", [c for c in IMAGE_CASES if c.error and c.kind == "file"], ids=_case_id)
def test_image_as_train_style(case, images, data, tmp_path):
    """train.py --style FILE: refused before any training work, with the file's reason in the one line."""
    message = refused_by(train.main, ["--content-dir", str(data), "--style", str(images[case.name]), "--out", str(tmp_path / "run"),
                                      "--size", "32", "--vgg-weights", str(tmp_path / "no-vgg")])
    one_line(message, "none of the 1 image\\(s\\) could be read \\(last: .*" + case.error)
    assert not (tmp_path / "run").exists()


def test_stylize_process_with_only_refused_images(images, model_dir, tmp_path):
    """A real process: exit 2, the error as the only line on stderr (no progress bar, no traceback), one
    "skipped: reason" line per image on stdout, nothing written but the output folder."""
    bad = [str(images[c.name]) for c in image_cases(accepted=False)]
    r = subprocess.run([sys.executable, "-m", "semstyle", "stylize", *bad, "--model", str(model_dir), "--out", "out"],
                       cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120)
    one_line(cli_error(r.returncode, r.stderr), "no content image could be read")
    assert len(r.stdout.splitlines()) == len(bad) and all(line.startswith("skipped: ") for line in r.stdout.splitlines())
    assert tree(tmp_path) <= {"out"}


# ---- images: the app ----------------------------------------------------------------------------------------
# Every case goes through the app's handler functions in-process; a sample also goes over HTTP to the
# running app (gradio_client), each followed by a normal request that must still be answered.


@pytest.fixture(scope="module")
def handlers(app_server) -> dict:
    return {fn.api_name: fn.fn for fn in app_server.app.demo.fns.values() if fn.api_name}


@pytest.fixture(scope="module")
def client(app_server, tmp_path_factory):
    return Client(app_server.url, verbose=False, download_files=str(tmp_path_factory.mktemp("downloads")))


def gr_error(call, *args) -> str:
    """The message of the gr.Error that a handler raises."""
    with pytest.raises(gr.Error) as err:
        call(*args)
    return err.value.message


def http_error(client, photo, *args, api_name: str) -> str:
    """The message of the error the running app answers; then the app must still stylise a photo."""
    with pytest.raises(AppError) as err:
        client.predict(*args, api_name=api_name)
    still_serving(client, photo)
    return str(err.value)


def still_serving(client, photo) -> None:
    path, _ = client.predict(handle_file(str(photo)), "Starry Night", 1.0, 256, False, api_name="/stylize")
    assert Image.open(path).size == (64, 48)


def app_expects(case) -> str | None:
    """What the app says: the corpus' error, "too small" for pictures the app cannot stylise, or None (works)."""
    if case.error is None and min(case.size) < MIN_SIDE:
        return "too small to stylise"
    return case.error


@pytest.mark.parametrize("case", IMAGE_CASES, ids=IMAGE_IDS)
def test_image_app_handlers(case, images, handlers, photo):
    path, expected = str(images[case.name]), app_expects(case)
    frame = images[case.name].read_bytes() if case.kind == "file" else None  # a webcam frame arrives as bytes
    if expected is None:
        result, status, _ = handlers["stylize"](path, "Starry Night", 1.0, 256, False)
        assert Image.open(result).size == case.size
        assert ("first frame was used" in status) == case.name.startswith("animated_"), status  # not for phone MPOs
        if frame is not None:
            assert handlers["stylize_frame"](frame, "Starry Night", 1.0, False, {})[0].size == case.size
        return
    for what, message in [
        ("content image", gr_error(handlers["stylize"], path, "Starry Night", 1.0, 256, False)),
        ("style image", gr_error(handlers["stylize_with_style_image"], str(photo), path, 1.0, 256, False)),
        *([("webcam frame", gr_error(handlers["stylize_frame"], frame, "Starry Night", 1.0, False, {}))] if frame else []),
    ]:
        one_line(message, f"^The {what}[: ].*{expected}")
        assert str(images[case.name].parent) not in message  # the file's name, not the server's path


def test_image_app_style_http(images, client, photo):
    """An odd but valid style image is accepted (the handlers test refuses style images only: encoding costs ~1 s)."""
    path, _ = client.predict(handle_file(str(photo)), handle_file(str(images["animated_gif"])), 1.0, 256, False,
                             api_name="/stylize_with_style_image")
    assert Image.open(path).size == (64, 48)


HTTP_IMAGES = ["bomb_png_30000x30000", "eps_as_png", "zero_bytes", "control_chars_in_name\nerror: fake",
               "unicode_name_фото_🎨", "exif_orientation_6", "png_16bit"]


@pytest.mark.parametrize("case", [c for c in IMAGE_CASES if c.name in HTTP_IMAGES], ids=_case_id)
def test_image_app_http(case, images, client, photo):
    upload = handle_file(str(images[case.name]))
    expected = app_expects(case)
    if expected is None:
        path, _ = client.predict(upload, "Starry Night", 1.0, 256, False, api_name="/stylize")
        assert Image.open(path).size == case.size
    else:
        message = http_error(client, photo, upload, "Starry Night", 1.0, 256, False, api_name="/stylize")
        one_line(message, "^The content image[: ].*" + expected)
        assert "/tmp" not in message


# ---- models: Python API ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", MODEL_CASES, ids=MODEL_IDS)
def test_model_api(case, broken, monkeypatch):
    if case.config_only:
        def never(*args, **kwargs):
            raise AssertionError("a network was built from a config that must be refused")
        monkeypatch.setattr(StyleModel, "__init__", never)
    for load in (StyleModel.from_pretrained, StylePipeline.from_pretrained):
        with memory_growth() as grown, pytest.raises(ModelLoadError) as err:
            load(broken)
        one_line(str(err.value), case.error)
        assert grown["python"] < 8 * 2**20, grown
        assert grown["rss"] is None or grown["rss"] < 64 * 2**20, grown  # nothing huge, even outside Python


# ---- models: CLIs --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", MODEL_CASES, ids=MODEL_IDS)
def test_model_stylize_cli(case, broken, photo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = tree(tmp_path)
    one_line(refused_by(stylize_main, ["stylize", str(photo), "--model", str(broken), "--out", "out"]), case.error)
    assert tree(tmp_path) == before  # refused before the output folder is created


@pytest.mark.parametrize("case", MODEL_CASES, ids=MODEL_IDS)
def test_model_train_init_from(case, broken, data, tmp_path):
    one_line(refused_by(train.main, ["--content-dir", str(data), "--style", str(data), "--out", str(tmp_path / "run"),
                                     "--size", "32", "--vgg-weights", str(tmp_path / "no-vgg"), "--init-from", str(broken)]),
             case.error)
    assert not (tmp_path / "run").exists()


# ---- models over the Hub: Python API and the app ----------------------------------------------------------------


def seed(hub_server, folder: Path) -> str:
    """The folder's files as a new Hub repo (a sub-folder in place of a file becomes a missing file)."""
    repo = hub_server.new_repo_id("hostile")
    hub_server.seed_repo(repo, {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()})
    return repo


HUB_CASES = [c for c in MODEL_CASES if c.name != "weights_too_large"]  # 600 MB has no place in a test server's memory
HTTP_MODELS = ["pickle_as_safetensors", "header_huge_shape", "config_future_version", "config_absurd_parameter_count",
               "config_missing"]


@pytest.mark.parametrize("case", HUB_CASES, ids=[c.name for c in HUB_CASES])
def test_model_from_the_hub(case, broken, hub_server, handlers, client, photo):
    repo = seed(hub_server, broken)
    with pytest.raises((ModelLoadError, HubError)) as err:
        StyleModel.from_pretrained(repo)
    messages = [str(err.value), gr_error(handlers["load_style"], repo)]
    if case.name in HTTP_MODELS:
        messages.append(http_error(client, photo, repo, api_name="/load_style"))
    for message in messages:
        one_line(message, case.error)
        assert repo in message and "/tmp" not in message  # named by its id, not by its cache path


def test_hub_repo_with_only_a_pickled_checkpoint(hub_server, tmp_path, handlers):
    """A repo with a valid config.json and a pytorch_model.bin pickle: refused, and the pickle is never downloaded."""
    case = next(c for c in MODEL_CASES if c.name == "pickle_as_safetensors")
    folder = case.build(tmp_path / "m" / "model")
    (folder / "model.safetensors").rename(folder / "pytorch_model.bin")
    repo = seed(hub_server, folder)
    with pytest.raises(ModelLoadError, match="no model.safetensors"):
        StyleModel.from_pretrained(repo)
    one_line(gr_error(handlers["load_style"], repo), "no model.safetensors")
    assert not any(p.endswith(".bin") for _, p in hub_server.requests)
    assert not list(Path(hub_server.cache_dir).rglob("*.bin")) and not (folder.parent / MARKER).exists()


# ---- strings given as a model: API, CLIs, app --------------------------------------------------------------------


@pytest.fixture
def sealed(hub_server, tmp_path, monkeypatch):
    """cwd = tmp_path (which holds the Hub cache); yields a check that nothing was written or requested."""
    monkeypatch.chdir(tmp_path)
    outside = [tmp_path.parent, tmp_path.parent.parent]
    before = tree(tmp_path), [sorted(os.listdir(p)) for p in outside]

    def check():
        assert (tree(tmp_path), [sorted(os.listdir(p)) for p in outside]) == before
        assert hub_server.requests == []
    return check


HTTP_REFS = ["dotdot", "etc_folder", "null_byte", "newline"]


@pytest.mark.parametrize("case", REF_CASES, ids=REF_IDS)
def test_ref(case, sealed, data, photo, handlers, client):
    """API and CLIs refuse with the corpus' error; the app loads presets and Hub ids only, never a path."""
    for load in (StyleModel.from_pretrained, StylePipeline.from_pretrained):
        with pytest.raises((HubError, ModelLoadError)) as err:
            load(case.ref)
        one_line(str(err.value), case.error)
    one_line(refused_by(stylize_main, ["stylize", str(photo), "--model", case.ref, "--out", "out"]), case.error)
    if case.ref:  # an empty --init-from means "start from scratch"
        one_line(refused_by(train.main, ["--content-dir", str(data), "--style", str(data), "--out", "run", "--size", "32",
                                         "--init-from", case.ref]), case.error)
    app = "Unknown style|No style chosen"
    one_line(gr_error(handlers["load_style"], case.ref), app)
    one_line(gr_error(handlers["stylize"], str(photo), case.ref, 1.0, 256, False), app)
    if case.name in HTTP_REFS:
        one_line(http_error(client, photo, case.ref, api_name="/load_style"), app)
    sealed()

"""semstyle.hub against a local Hub-protocol server: real HTTP, the real huggingface_hub client."""
from __future__ import annotations

import hashlib
import json
import os
import struct
from pathlib import Path

import pytest

from semstyle import hub
from semstyle.hub import HubError, parse_model_ref, push_to_hub, resolve_model_dir

SECRET = "hf_SecretTokenThatMustNeverLeak0123456789"


def _safetensors_bytes(payload: bytes) -> bytes:
    """A valid, tiny safetensors file: one uint8 tensor holding `payload` (arbitrary binary)."""
    header = json.dumps({"w": {"dtype": "U8", "shape": [len(payload)], "data_offsets": [0, len(payload)]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + payload


def make_model_folder(folder: Path, weights: bytes | None = None, *, config: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(config or {"arch": "test", "channels": 8}))
    (folder / "model.safetensors").write_bytes(_safetensors_bytes(weights if weights is not None else os.urandom(4096)))
    (folder / "README.md").write_text("---\nlibrary_name: semstyle\ntags:\n- style-transfer\n---\n# test model\n")
    return folder


def digest(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file under folder (also catches added/removed files)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_push_then_load_by_repo_id(hub_server, tmp_path):
    src = make_model_folder(tmp_path / "model")
    repo_id = hub_server.new_repo_id()

    (src / "notes.txt").write_text("private scratch notes")  # not part of a model: not uploaded
    url = push_to_hub(src, repo_id)
    (src / "notes.txt").unlink()

    assert url == f"{hub_server.url}/{repo_id}"
    loaded = resolve_model_dir(repo_id)
    assert loaded.is_dir() and str(loaded).startswith(hub_server.cache_dir)
    assert digest(loaded) == digest(src)  # byte-identical, nothing more (no .gitattributes)
    assert "notes.txt" not in hub_server.files(repo_id)
    # The model card makes it discoverable as a semstyle model.
    from huggingface_hub import HfApi
    assert repo_id in [m.id for m in HfApi().list_models(filter="semstyle")]


def test_only_the_model_files_are_downloaded(hub_server, tmp_path):
    """The card's images come along; anything else, in the top folder or below it, never does."""
    repo_id = hub_server.new_repo_id()
    src = make_model_folder(tmp_path / "model")
    wanted = {"samples.png": b"png", "style.jpg": b"jpg", "style_1.jpg": b"jpg1", "style_12.jpg": b"jpg12"}
    unwanted = {"junk/a.png": b"x" * 100, "deep/er/b.jpg": b"y", "ckpt.pt": b"pickle", "style_x/c.jpg": b"z", "notes.png.txt": b""}
    hub_server.seed_repo(repo_id, {**{p.name: p.read_bytes() for p in src.iterdir()}, **wanted, **unwanted})
    got = set(digest(resolve_model_dir(repo_id)))
    assert got == {"config.json", "model.safetensors", "README.md", *wanted}


def test_oversized_repo_is_refused_before_anything_is_fetched(hub_server, tmp_path, monkeypatch):
    """The model files' sizes are checked against MAX_DOWNLOAD_BYTES before the download; other files do not count."""
    repo_id = hub_server.new_repo_id()
    src = make_model_folder(tmp_path / "model", os.urandom(3 << 19))  # 1.5 MiB of weights
    hub_server.seed_repo(repo_id, {**{p.name: p.read_bytes() for p in src.iterdir()}, "ckpt.pt": os.urandom(4 << 20)})
    monkeypatch.setattr(hub, "MAX_DOWNLOAD_BYTES", 1 << 20)

    with pytest.raises(HubError) as info:
        resolve_model_dir(repo_id)
    message = str(info.value)
    assert "\n" not in message and repo_id in message and "model.safetensors, 1.5 MiB" in message and "(1 MiB at most)" in message, message
    assert not [r for r in hub_server.requests if "/resolve/" in r[1]]  # not one file fetched
    assert not list(Path(hub_server.cache_dir).rglob("model.safetensors"))

    monkeypatch.setattr(hub, "MAX_DOWNLOAD_BYTES", 2 << 20)  # the 4 MiB checkpoint is never counted
    assert digest(resolve_model_dir(repo_id)) == digest(src)


def test_local_folder_is_returned_as_is(tmp_path):
    src = make_model_folder(tmp_path / "model")
    assert resolve_model_dir(src) == src
    assert resolve_model_dir(str(src)) == src


def test_pinned_revision_gets_old_content(hub_server, tmp_path):
    repo_id = hub_server.new_repo_id()
    v1 = make_model_folder(tmp_path / "v1", b"first weights")
    push_to_hub(v1, repo_id)
    sha1 = hub_server.head(repo_id)
    v2 = make_model_folder(tmp_path / "v2", b"second weights, different")
    push_to_hub(v2, repo_id)
    assert hub_server.head(repo_id) != sha1

    assert digest(resolve_model_dir(f"{repo_id}@{sha1}")) == digest(v1)
    assert digest(resolve_model_dir(repo_id, revision=sha1)) == digest(v1)
    assert digest(resolve_model_dir(repo_id)) == digest(v2)
    assert digest(resolve_model_dir(f"{repo_id}@main")) == digest(v2)


def test_offline_loads_from_cache(hub_server, tmp_path):
    src = make_model_folder(tmp_path / "model")
    repo_id = hub_server.new_repo_id()
    push_to_hub(src, repo_id)
    online = resolve_model_dir(repo_id)
    n_requests = len(hub_server.requests)

    with hub_server.offline():
        offline = resolve_model_dir(repo_id)
        with pytest.raises(HubError, match="not in the local cache") as info:
            resolve_model_dir(hub_server.new_repo_id())  # never downloaded
    assert offline == online and digest(offline) == digest(src)
    assert len(hub_server.requests) == n_requests  # nothing left the machine
    assert "HF_HUB_OFFLINE" in str(info.value)


def test_interrupted_download_is_never_used(hub_server, tmp_path):
    repo_id = hub_server.new_repo_id()
    push_to_hub(make_model_folder(tmp_path / "model"), repo_id)
    # The weights cannot be fetched (config.json and README.md can): the snapshot stays partial.
    hub_server.fail_next(f"/{repo_id}/resolve/{hub_server.head(repo_id)}/model.safetensors", times=None,
                         method="GET", status=500)

    with pytest.raises(HubError, match="HTTP 500"):
        resolve_model_dir(repo_id)
    hub_server.clear_faults()
    with hub_server.offline(), pytest.raises(HubError, match="incomplete"):
        resolve_model_dir(repo_id)  # the half-filled snapshot is refused, not returned
    assert (resolve_model_dir(repo_id) / "model.safetensors").is_file()  # back online: completes


def test_truncated_transfer_resumes_byte_identical(hub_server, tmp_path):
    src = make_model_folder(tmp_path / "model", os.urandom(64 * 1024))
    repo_id = hub_server.new_repo_id()
    push_to_hub(src, repo_id)
    path = f"/{repo_id}/resolve/{hub_server.head(repo_id)}/model.safetensors"
    hub_server.truncate_next(path)  # connection closes half-way through the weights

    assert digest(resolve_model_dir(repo_id)) == digest(src)
    assert hub_server.requests.count(("GET", path)) == 2  # the client resumed (Range request)


def test_missing_repo(hub_server):
    repo_id = hub_server.new_repo_id()
    with pytest.raises(HubError, match=f"Hub repo '{repo_id}' not found"):
        resolve_model_dir(repo_id)


def test_missing_revision(hub_server, tmp_path):
    repo_id = hub_server.new_repo_id()
    push_to_hub(make_model_folder(tmp_path / "model"), repo_id)
    with pytest.raises(HubError, match="revision 'no-such-branch'"):
        resolve_model_dir(f"{repo_id}@no-such-branch")


def test_repo_without_config_is_not_a_semstyle_model(hub_server, tmp_path):
    from huggingface_hub import HfApi

    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(_safetensors_bytes(b"x" * 64))
    (folder / "README.md").write_text("# not ours\n")
    repo_id = hub_server.new_repo_id()
    api = HfApi()
    api.create_repo(repo_id)
    api.upload_folder(folder_path=folder, repo_id=repo_id)

    with pytest.raises(HubError, match=f"'{repo_id}' is not a semstyle model \\(no config.json\\)"):
        resolve_model_dir(repo_id)


BAD_IDS = ["../../x", "/etc/passwd", "a/b/c", "a\\b", "", "user/", "/name", "user/name@", "user/na..me",
           ".hidden/name", "user/name@../../x", "user/name@/abs", "us er/name", "user/" + "n" * 97, "~/model"]


@pytest.mark.parametrize("ref", BAD_IDS)
def test_bad_ids_are_rejected(ref):
    with pytest.raises(HubError, match="not a Hub repo id"):
        parse_model_ref(ref)


def test_bad_ids_never_reach_the_hub(hub_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # "../../x" etc. must not happen to exist relative to cwd
    n_requests = len(hub_server.requests)
    for ref in BAD_IDS:
        with pytest.raises(HubError):
            resolve_model_dir(ref)
        with pytest.raises(HubError):
            push_to_hub(make_model_folder(tmp_path / "m"), ref)
    assert len(hub_server.requests) == n_requests


@pytest.mark.parametrize("ref, expected", [
    ("user/name", ("user/name", None)),
    ("User-1/my_model.v2", ("User-1/my_model.v2", None)),
    ("user/name@main", ("user/name", "main")),
    ("user/name@refs/pr/1", ("user/name", "refs/pr/1")),
    ("user/name@" + "a" * 40, ("user/name", "a" * 40)),
])
def test_good_ids_parse(ref, expected):
    assert parse_model_ref(ref) == expected


def test_push_failing_on_every_attempt(hub_server, tmp_path):
    src = make_model_folder(tmp_path / "model")
    before = digest(src)
    repo_id = hub_server.new_repo_id()
    hub_server.fail_next("/api/", times=None, status=500)
    creates_before = hub_server.requests.count(("POST", "/api/repos/create"))

    with pytest.raises(HubError) as info:
        push_to_hub(src, repo_id, token=SECRET, retry_backoff=0.01)

    message = str(info.value)
    assert repo_id in message and "500" in message and str(src) in message
    assert SECRET not in message and "\n" not in message
    assert digest(src) == before  # local folder untouched
    assert hub_server.requests.count(("POST", "/api/repos/create")) - creates_before == 3  # 3 attempts, then stop


def test_push_retries_transient_errors(hub_server, tmp_path):
    src = make_model_folder(tmp_path / "model")
    repo_id = hub_server.new_repo_id()
    hub_server.fail_next("/api/repos/create", times=1, status=503)
    hub_server.drop_next("/api/repos/create", times=1)

    push_to_hub(src, repo_id, retry_backoff=0.01)

    assert digest(resolve_model_dir(repo_id)) == digest(src)


def test_push_rejects_folder_without_config(hub_server, tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(HubError, match="no config.json"):
        push_to_hub(tmp_path / "empty", hub_server.new_repo_id())


def test_push_offline_fails_fast_with_a_clear_message(hub_server, tmp_path):
    with hub_server.offline(), pytest.raises(HubError, match="HF_HUB_OFFLINE"):
        push_to_hub(make_model_folder(tmp_path / "model"), hub_server.new_repo_id(), retry_backoff=5.0)
    assert hub_server.requests == []


def test_push_without_token_says_how_to_log_in(hub_server, tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN")
    with pytest.raises(HubError, match="HTTP 401.*HF_TOKEN"):
        push_to_hub(make_model_folder(tmp_path / "model"), hub_server.new_repo_id(), retry_backoff=0.01)


# ---- faults: HTTP 5xx, timeouts and dropped connections, during upload and download ----------------


@pytest.fixture
def short_timeouts(monkeypatch):
    """Hub requests give up after 0.5 s of silence (HF_HUB_DOWNLOAD_TIMEOUT / HF_HUB_ETAG_TIMEOUT)."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_DOWNLOAD_TIMEOUT", 0.5)
    monkeypatch.setattr(constants, "HF_HUB_ETAG_TIMEOUT", 0.5)


def inject(hub_server, kind: str, prefix: str, times: int | None = None, method: str | None = None):
    """A fault the server keeps answering with: HTTP 503, silence past the client's timeout, or a closed connection."""
    if kind == "status":
        return hub_server.fail_next(prefix, times, status=503, method=method)
    if kind == "hang":
        return hub_server.hang_next(prefix, 2.0, times, method=method)
    if kind == "truncate":
        return hub_server.truncate_next(prefix, times, method=method)
    return hub_server.drop_next(prefix, times, method=method)


def assert_backoff(fault, backoff: float) -> None:
    """The server saw 3 attempts, the waits between them growing: backoff, then 2 × backoff."""
    gaps = [b - a for a, b in zip(fault.times, fault.times[1:])]
    assert fault.hits == 3 and gaps[0] >= backoff and gaps[1] >= 2 * backoff, (fault.hits, gaps)


@pytest.mark.parametrize("kind", ["status", "hang", "drop"])
def test_push_fault_is_retried_with_backoff_then_one_clear_line(hub_server, tmp_path, short_timeouts, kind):
    src = make_model_folder(tmp_path / "model")
    before = digest(src)
    repo_id = hub_server.new_repo_id()
    fault = inject(hub_server, kind, "/api/repos/create")

    with pytest.raises(HubError) as info:
        push_to_hub(src, repo_id, retry_backoff=0.2)

    assert_backoff(fault, 0.2)
    message = str(info.value)
    assert "\n" not in message and f"upload to {repo_id} failed after 3 attempts (try again later)" in message, message
    assert f"the local folder {src} is kept" in message
    assert digest(src) == before


@pytest.mark.parametrize("kind", ["status", "drop"])
def test_push_survives_a_fault_during_the_commit(hub_server, tmp_path, kind):
    src = make_model_folder(tmp_path / "model")
    repo_id = hub_server.new_repo_id()
    hub_server.seed_repo(repo_id, {})
    fault = inject(hub_server, kind, f"/api/models/{repo_id}/commit/", times=1)

    push_to_hub(src, repo_id)

    assert fault.hits == 1 and hub_server.requests.count(("POST", f"/api/models/{repo_id}/commit/main")) == 2
    assert digest(resolve_model_dir(repo_id)) == digest(src)


@pytest.mark.parametrize("kind, says", [("status", "HTTP 503"), ("hang", "ReadTimeout"), ("drop", "RemoteProtocolError")])
def test_download_fault_is_retried_with_backoff_then_one_clear_line(hub_server, tmp_path, short_timeouts, kind, says):
    src = make_model_folder(tmp_path / "model")
    repo_id = hub_server.new_repo_id()
    push_to_hub(src, repo_id)
    fault = inject(hub_server, kind, f"/api/models/{repo_id}/revision/")  # the call that starts every download

    with pytest.raises(HubError) as info:
        resolve_model_dir(repo_id)

    assert_backoff(fault, hub.RETRY_BACKOFF)
    message = str(info.value)
    assert "\n" not in message and repo_id in message and says in message and "after 3 attempts (try again later)" in message, message
    assert not list(Path(hub_server.cache_dir).rglob("model.safetensors"))  # nothing half-made to pick up
    hub_server.clear_faults()
    assert digest(resolve_model_dir(repo_id)) == digest(src)


@pytest.mark.parametrize("kind", ["status", "hang", "drop", "truncate"])
def test_weights_download_recovers_from_one_fault_byte_identical(hub_server, tmp_path, short_timeouts, kind):
    src = make_model_folder(tmp_path / "model", os.urandom(256 * 1024))
    repo_id = hub_server.new_repo_id()
    push_to_hub(src, repo_id)
    path = f"/{repo_id}/resolve/{hub_server.head(repo_id)}/model.safetensors"
    fault = inject(hub_server, kind, path, times=1, method="GET")

    assert digest(resolve_model_dir(repo_id)) == digest(src)
    assert fault.hits == 1 and hub_server.requests.count(("GET", path)) == 2


def test_download_cut_off_mid_file_is_never_used(hub_server, tmp_path):
    src = make_model_folder(tmp_path / "model", os.urandom(256 * 1024))
    repo_id = hub_server.new_repo_id()
    push_to_hub(src, repo_id)
    path = f"/{repo_id}/resolve/{hub_server.head(repo_id)}/model.safetensors"
    hub_server.truncate_next(path)  # half the weights arrive, then the connection closes...
    fault = hub_server.fail_next(path, times=None, method="GET", status=500)  # ...and every resume fails

    with pytest.raises(HubError, match="HTTP 500"):
        resolve_model_dir(repo_id)
    assert fault.hits == 3  # the client's own resume, then semstyle's two retries
    cached = [p.name for p in Path(hub_server.cache_dir).rglob("*") if p.is_file()]
    assert "model.safetensors" not in cached and not [n for n in cached if n.endswith(".incomplete")], cached
    with hub_server.offline(), pytest.raises(HubError, match="incomplete"):
        resolve_model_dir(repo_id)  # the half file is refused, never loaded
    hub_server.clear_faults()
    assert digest(resolve_model_dir(repo_id)) == digest(src)  # back online: resumed to the exact bytes


# ---- tokens never leak: not in messages, logs, output, exceptions or model cards -------------------

FAKE_TOKEN = "hf_abcdefghijklmnopqrstuvwxyz0123456789"


def hub_failures(hub_server, tmp_path, echo: str) -> list[HubError]:
    """Failed pushes (token from HF_TOKEN, then passed explicitly) and a failed download; the server echoes `echo`."""
    src = make_model_folder(tmp_path / "model")
    repo_id = hub_server.new_repo_id()
    errors = []
    hub_server.fail_next("/api/", times=None, status=500, message=echo)
    for token in (None, FAKE_TOKEN):
        with pytest.raises(HubError) as info:
            push_to_hub(src, repo_id, token=token)
        errors.append(info.value)
    hub_server.clear_faults()
    push_to_hub(src, repo_id)
    hub_server.fail_next(f"/{repo_id}/resolve/", times=None, status=500, method="GET", message=echo)
    with pytest.raises(HubError) as info:
        resolve_model_dir(repo_id)
    return errors + [info.value]


@pytest.mark.parametrize("echo", ["injected fault", f"bad request from Bearer {FAKE_TOKEN}"])
def test_token_never_leaks_from_hub_failures(hub_server, tmp_path, monkeypatch, caplog, capsys, echo):
    import logging
    import traceback

    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    caplog.set_level(logging.DEBUG)
    errors = hub_failures(hub_server, tmp_path, echo)  # the second: a careless server echoes the token back

    out = capsys.readouterr()
    tracebacks = ["".join(traceback.format_exception(e)) for e in errors]
    assert len(errors) == 3 and all("500" in str(e) for e in errors)
    for text in [out.out, out.err, caplog.text, *tracebacks]:
        assert FAKE_TOKEN not in text and "abcdefghijklmnopqrstuvwxyz" not in text


def test_token_never_leaks_from_a_failing_train_push(hub_server, tmp_path, monkeypatch):
    import subprocess
    import sys

    from tests.conftest import ROOT
    from tests.helpers import image_folder, random_vgg_weights

    monkeypatch.setenv("HF_TOKEN", FAKE_TOKEN)
    hub_server.fail_next("/api/", times=None, status=503, message=f"bad request from Bearer {FAKE_TOKEN}")
    args = ["--content-dir", str(image_folder(tmp_path / "c", n=2)), "--style", str(image_folder(tmp_path / "s", n=1)),
            "--out", str(tmp_path / "run"), "--vgg-weights", str(random_vgg_weights(tmp_path / "vgg.safetensors")),
            "--size", "32", "--batch", "1", "--steps", "1", "--channels", "8,16", "--n-res", "1", "--style-dim", "8",
            "--push-to-hub", hub_server.new_repo_id()]
    r = subprocess.run([sys.executable, "train.py", *args], cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"},
                       capture_output=True, text=True, timeout=120)

    assert r.returncode == 2 and "error: upload to" in r.stderr and "Traceback" not in r.stderr, r.stderr[-2000:]
    card = (tmp_path / "run" / "model" / "README.md").read_text()
    for text in (r.stdout, r.stderr, card, *(p.read_text(errors="replace") for p in (tmp_path / "run").rglob("*.json"))):
        assert FAKE_TOKEN not in text and "abcdefghijklmnopqrstuvwxyz" not in text

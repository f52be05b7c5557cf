"""Training under faults: SIGKILL at random moments, then --resume; a disk that fills up while saving.

The killed runs are children of a multiprocessing forkserver that imported torch and train.py once, so
each start costs milliseconds instead of a fresh interpreter's seconds.
"""
from __future__ import annotations

import contextlib
import errno
import io
import multiprocessing
import os
import random
import signal
import sys
import threading
import time

import pytest
import torch
from safetensors.torch import load_file
from tqdm import tqdm

import train
from semstyle import StyleModel, modeling
from semstyle.trainer import CKPT_NAME
from tests.helpers import tiny_model
from tests.test_hub import digest
from tests.test_train import data, tiny_args  # noqa: F401 - `data` is a fixture

KILLS = 10
STEPS = 12


# ---- SIGKILL during training ----------------------------------------------------------------------


def train_quietly(argv: list[str]) -> None:
    """A child process: train.py's main with one thread (the same float sums in every run) and no output."""
    torch.set_num_threads(1)
    tqdm.set_lock(threading.RLock())  # not tqdm's default multiprocessing lock: a killed child would leak it
    with open(os.devnull, "w") as null, contextlib.redirect_stdout(null), contextlib.redirect_stderr(null):
        sys.exit(train.main(argv))


def start(ctx, argv: list[str]):
    proc = ctx.Process(target=train_quietly, args=(argv,))
    proc.start()
    return proc


def checkpoint_step(out) -> int:
    """The step of out/checkpoint.pt; it must always load (weights_only, as --resume loads it)."""
    path = out / CKPT_NAME
    return torch.load(path, weights_only=True)["step"] if path.exists() else 0


def where_killed(out) -> str:
    """What the killed run was doing, as far as its leftovers tell."""
    if (out / "model.tmp").exists():
        return "export"
    if (out / (CKPT_NAME + ".tmp")).exists():
        return "checkpoint write"
    return f"step {checkpoint_step(out) + 1}" if checkpoint_step(out) < STEPS else "after the last step"


def test_sigkill_at_random_moments_then_resume_equals_an_uninterrupted_run(data, tmp_path):
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["torch", "torch._dynamo", "train", "semstyle.card", "matplotlib.pyplot", "tests.test_faults"])

    def args(run: str) -> list[str]:  # a checkpoint after every step: many kills land inside a save
        return tiny_args(data, tmp_path / run, "--steps", str(STEPS), "--ckpt-every", "1", "--fp32-weights")

    warm = ctx.Process(target=time.sleep, args=(0,))  # boots the forkserver: its imports are not a run's time
    warm.start()
    warm.join()
    t0 = time.monotonic()
    ref = start(ctx, args("straight"))
    ref.join(120)
    assert ref.exitcode == 0
    run_s = time.monotonic() - t0

    rng, out, kills, steps = random.Random(0), tmp_path / "killed", [], [0]
    while len(kills) < KILLS:
        proc = start(ctx, args("killed") + ["--resume"])
        proc.join(rng.uniform(0.05, 0.4 * run_s))  # 10 of these cover a run: start-up, steps, saves, export
        if proc.exitcode is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.join()
            kills.append(where_killed(out))
        assert proc.exitcode in (-signal.SIGKILL, 0), f"run {len(steps)} failed with exit code {proc.exitcode}"
        steps.append(checkpoint_step(out))
        assert steps[-1] >= steps[-2], steps  # progress is never lost, a checkpoint is never half-written
        if (out / "model").exists():
            StyleModel.from_folder(out / "model")  # a model folder, if there is one, is complete
    final = start(ctx, args("killed") + ["--resume"])
    final.join(120)
    assert final.exitcode == 0
    print(f"\n{len(kills)} kills in {len(steps) - 1} runs: {', '.join(kills)}; uninterrupted run {run_s:.1f} s, "
          f"all runs {time.monotonic() - t0:.1f} s")

    a = load_file(str(tmp_path / "straight" / "model" / "model.safetensors"))
    b = load_file(str(out / "model" / "model.safetensors"))
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# ---- a full disk while saving ---------------------------------------------------------------------


class FillingFile(io.RawIOBase):
    """A file on a disk that fills up: the first `room` bytes are written, then ENOSPC (as a real disk does)."""

    def __init__(self, f, room: int):
        self.f, self.room = f, room

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        b = bytes(b)
        if len(b) > self.room:
            self.f.write(b[: self.room])
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(b)
        return self.f.write(b)

    def fileno(self) -> int:
        return self.f.fileno()

    def flush(self) -> None:
        self.f.flush()

    def close(self) -> None:
        if not self.closed:
            super().close()  # flushes
            self.f.close()


def fill_disk(monkeypatch, name: str, room: int = 100) -> None:
    """semstyle.modeling's atomic writes (checkpoints, config.json, weights) of files named `name*` hit a full disk."""
    def open_on_full_disk(path, mode="r", *args, **kwargs):
        f = open(path, mode, *args, **kwargs)
        return FillingFile(f, room) if "w" in mode and os.path.basename(path).startswith(name) else f

    monkeypatch.setattr(modeling, "open", open_on_full_disk, raising=False)


@pytest.mark.parametrize("name, room", [("config.json", 10), ("model.safetensors", 1000)])
def test_save_folder_on_a_full_disk_keeps_the_previous_model(tmp_path, monkeypatch, name, room):
    tiny_model(seed=0).save_folder(tmp_path / "m")
    before = digest(tmp_path / "m")
    fill_disk(monkeypatch, name, room)

    with pytest.raises(OSError) as info:
        tiny_model("arbitrary", seed=1).save_folder(tmp_path / "m")

    assert info.value.errno == errno.ENOSPC and info.value.filename == str(tmp_path / "m" / name)
    assert digest(tmp_path / "m") == before  # no new file, no leftover .tmp
    StyleModel.from_folder(tmp_path / "m")


@pytest.fixture
def one_thread():
    """Tiny convolutions: on a busy 2-core machine two OpenMP threads mostly wait on each other."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def test_full_disk_while_training_keeps_the_checkpoint_and_model_then_resume_works(data, tmp_path, monkeypatch, capsys,
                                                                                   one_thread):
    out = tmp_path / "run"
    assert train.main(tiny_args(data, out, "--steps", "2")) == 0
    checkpoint, model = digest(out)[CKPT_NAME], digest(out / "model")
    capsys.readouterr()

    for name in (CKPT_NAME, "model.safetensors"):  # the last checkpoint save, then the export
        fill_disk(monkeypatch, name, room=4096)
        with pytest.raises(SystemExit) as e:
            train.main(tiny_args(data, out, "--steps", "4", "--resume"))
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert e.value.code == 2 and err.startswith("error: disk full: could not write") and "--resume" in err, err
        assert digest(out / "model") == model, name  # the previous model folder, whole
        assert not [p for p in out.iterdir() if p.name.endswith((".tmp", ".old"))]
        StyleModel.from_folder(out / "model")
        monkeypatch.undo()
        if name == CKPT_NAME:
            assert digest(out)[CKPT_NAME] == checkpoint and checkpoint_step(out) == 2

    assert checkpoint_step(out) == 4  # the export failed after the step-4 checkpoint was saved
    assert train.main(tiny_args(data, out, "--steps", "4", "--resume")) == 0
    assert digest(out / "model") != model
    assert f'from_pretrained("{out / "model"}")' in (out / "model" / "README.md").read_text()

"""Training: a smoke run, exact resume, 2-process gloo DDP, and one-line CLI errors."""
import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import train
from semstyle import StyleModel
from semstyle.trainer import TrainConfig, Trainer, TrainingCollapsed, looks_collapsed
from tests.conftest import ROOT
from tests.helpers import TINY, image_folder, random_vgg_weights


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("data")
    return {
        "content": image_folder(d / "content", n=5, size=(72, 56)),
        "styles": image_folder(d / "styles", n=3, size=(64, 80), seed=1),
        "vgg": random_vgg_weights(d / "vgg.safetensors"),
    }


def tiny_args(data, out, *extra):
    return ["--content-dir", str(data["content"]), "--style", str(data["styles"]), "--out", str(out), "--size", "32",
            "--batch", "2", "--vgg-weights", str(data["vgg"]), "--channels", "8,16", "--n-res", "1", "--style-dim", "8", *extra]


@pytest.mark.parametrize("arbitrary", [False, True])
def test_two_step_training_writes_a_loadable_model_folder(data, tmp_path, arbitrary):
    extra = ["--chroma-layout-weight", "2", "--colour-spread-weight", "3", "--style-tiles", "2", *(["--arbitrary", "--discriminator", "features", "--keep-mats"] if arbitrary else [])]
    assert train.main(tiny_args(data, tmp_path, "--steps", "2", *extra)) == 0
    folder = tmp_path / "model"
    assert {"config.json", "model.safetensors", "README.md", "samples.png", "style.jpg"} <= {p.name for p in folder.iterdir()}
    model = StyleModel.from_pretrained(folder)
    assert model.is_arbitrary == arbitrary
    assert model.config.training["chroma_layout_weight"] == 2  # the loss weights are recorded with the model
    assert model.config.training["colour_spread_weight"] == 3
    assert model.config.training["discriminator"] == ("features" if arbitrary else "pixels")
    assert model.config.training["trim_mats"] == (not arbitrary)
    card = (folder / "README.md").read_text()
    assert "library_name: semstyle" in card and "VGG16" in card and "pipeline_tag: image-to-image" in card
    assert ("a discriminator on those VGG16 features" if arbitrary else "a patch discriminator on the image") in card  # the card names its D
    assert (tmp_path / "loss_curve.png").is_file()


def _trainer(data, out, steps, discriminator="pixels"):
    cfg = TrainConfig(content_dir=str(data["content"]), style=str(data["styles"]), out=str(out), steps=steps, size=32,
                      batch=2, generator=TINY, ckpt_every=2, sample_every=100, r1_weight=0.1, discriminator=discriminator)
    return Trainer(cfg, vgg_weights=str(data["vgg"]))


def assert_resuming_at_step_2_ends_as_4_straight_steps(data, tmp_path, discriminator="pixels"):
    """tmp_path/b's checkpoint (step 2), resumed for 2 steps, equals 4 uninterrupted steps in G, its EMA and D."""
    straight = _trainer(data, tmp_path / "a", steps=4, discriminator=discriminator)
    for _ in range(4):
        straight.train_step()
    resumed = _trainer(data, tmp_path / "b", steps=4, discriminator=discriminator)
    assert resumed.load_checkpoint() and resumed.step == 2
    for _ in range(2):
        resumed.train_step()
    for name in ("model", "ema", "D"):
        a, b = getattr(straight, name).state_dict(), getattr(resumed, name).state_dict()
        assert all(torch.equal(a[k], b[k]) for k in a), name


@pytest.mark.parametrize("discriminator", ["pixels", "features"])
def test_resume_equals_uninterrupted(data, tmp_path, discriminator):
    first = _trainer(data, tmp_path / "b", steps=4, discriminator=discriminator)
    for _ in range(2):
        first.train_step()
    first.save_checkpoint()
    assert_resuming_at_step_2_ends_as_4_straight_steps(data, tmp_path, discriminator)


def test_resume_refuses_another_discriminator(data, tmp_path):
    first = _trainer(data, tmp_path, steps=4)
    first.train_step()
    first.save_checkpoint()
    with pytest.raises(ValueError, match="trained with discriminator=pixels, this run has features; use another --out"):
        _trainer(data, tmp_path, steps=4, discriminator="features").load_checkpoint()


@pytest.mark.parametrize("discriminator", ["pixels", "features"])
def test_a_step_runs_g_once_and_both_players_learn(data, tmp_path, discriminator):
    """D is trained on the G(x) that G then trains on (G fixed, then D fixed): one forward pass of G per step.
    The feature D judges G's VGG16 features, so its gradient reaches G through the frozen VGG16."""
    t = _trainer(data, tmp_path, steps=4, discriminator=discriminator)
    forwards, g_forward = [], t.G.forward
    t.G.forward = lambda *a, **k: forwards.append(1) or g_forward(*a, **k)
    d_before = {k: v.clone() for k, v in t.D.state_dict().items()}
    t.train_step()
    assert len(forwards) == 1
    assert any(not torch.equal(d_before[k], v) for k, v in t.D.state_dict().items())
    x, _, idx = t.sample_batch(1)
    adv = t.generator_losses(x, None, idx)["adv"]
    params = [p for p in t.model.parameters() if p.requires_grad]
    assert sum(g.abs().sum() for g in torch.autograd.grad(adv, params, allow_unused=True) if g is not None) > 0


def test_ctrl_c_mid_step_finishes_the_step_and_resumes_exactly(data, tmp_path):
    """Ctrl-C between D's update and G's: the step completes, the checkpoint holds one step's state throughout."""
    import signal

    first = _trainer(data, tmp_path / "b", steps=4)
    g_step = first.g_step

    def g_step_after_ctrl_c(*args):
        if first.step == 1:  # the second step: D has been updated, G not yet
            signal.raise_signal(signal.SIGINT)
        return g_step(*args)

    first.g_step = g_step_after_ctrl_c
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (CI may run with SIGINT ignored)
    try:
        assert first.fit() is None and first.step == 2  # interrupted, after finishing the step under way
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back
    finally:
        signal.signal(signal.SIGINT, before)
    assert_resuming_at_step_2_ends_as_4_straight_steps(data, tmp_path)


def test_resume_takes_this_runs_learning_rate(data, tmp_path):
    """A run resumed with a lower --lr (e.g. to finish at a smaller step) trains at it, not at the checkpoint's."""
    first = _trainer(data, tmp_path, steps=4)
    first.train_step()
    first.save_checkpoint()
    resumed = _trainer(data, tmp_path, steps=4)
    resumed.cfg = dataclasses.replace(resumed.cfg, lr=resumed.cfg.lr / 10)
    assert resumed.load_checkpoint()
    assert {g["lr"] for opt in (resumed.opt_g, resumed.opt_d) for g in opt.param_groups} == {resumed.cfg.lr}
    assert all(torch.equal(resumed.opt_g.state_dict()["state"][k]["exp_avg"], v["exp_avg"])  # Adam's moments resume
               for k, v in first.opt_g.state_dict()["state"].items())


def test_ctrl_c_saves_a_checkpoint(data, tmp_path, monkeypatch):
    t = _trainer(data, tmp_path, steps=50)
    real_step, calls = t.train_step, []

    def step_then_interrupt():
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_step()

    monkeypatch.setattr(t, "train_step", step_then_interrupt)
    assert t.fit() is None
    again = _trainer(data, tmp_path, steps=50)
    assert again.load_checkpoint() and again.step == 2


def test_max_minutes_stops_checkpoints_and_exports(data, tmp_path, monkeypatch):
    import semstyle.trainer as trainer_mod

    clock = iter(range(0, 10_000, 30))  # every reading of the clock is 30 s later: the 1-minute budget ends after 2 steps
    monkeypatch.setattr(trainer_mod.time, "monotonic", lambda: next(clock))
    t = _trainer(data, tmp_path, steps=50)
    t.cfg = dataclasses.replace(t.cfg, max_minutes=1.0)
    folder = t.fit()
    assert t.step == 2 and folder is not None and StyleModel.from_pretrained(folder) is not None
    card = (folder / "README.md").read_text()
    assert "Trained for 2 steps (stopped by --max-minutes; `--steps 2` reproduces it)" in card
    threads = torch.get_num_threads()
    assert f"({threads} torch thread{'s' if threads > 1 else ''} on {os.cpu_count()} CPUs, " in card  # a one-thread run says so
    again = _trainer(data, tmp_path, steps=50)
    assert again.load_checkpoint() and again.step == 2


@pytest.mark.parametrize("steps,message", [
    (50, r"stopped at step 14: .*still holds step 4 \(`--resume --steps 4` exports it\)"),  # 10 flat steps stop the run
    (7, r"stopped at step 7: .* flat \(black\) for 3 steps, .*still holds step 4"),  # the run ends inside a collapse
])
def test_a_collapse_stops_training_before_it_is_saved(data, tmp_path, monkeypatch, steps, message):
    t = _trainer(data, tmp_path, steps=steps)
    real_step = t.train_step

    def collapse_after_4():  # steps 1-4 as trained; from step 5 on, the logs of a black output
        logs = real_step()
        return logs if t.step <= 4 else logs | {"content": 0.99, "tv": 0.001}

    monkeypatch.setattr(t, "train_step", collapse_after_4)
    with pytest.raises(TrainingCollapsed, match=message):
        t.fit()
    assert not (tmp_path / "model").exists()
    again = _trainer(data, tmp_path, steps=steps)
    assert again.load_checkpoint() and again.step == 4


@pytest.mark.parametrize("saturation_weight", [0.0, 1.0])
def test_a_blacked_out_g_comes_back_only_with_the_saturation_loss(data, tmp_path, saturation_weight):
    """The repair stage's premise: deep in the sigmoid's tail the image losses have no gradient, the logit penalty does."""
    t = _trainer(data, tmp_path, steps=10)
    t.cfg = dataclasses.replace(t.cfg, saturation_weight=saturation_weight)
    with torch.no_grad():
        t.model.generator.tail[1].bias.fill_(-30.0)  # every output pixel black, logits ~ −30
    x, _, idx = t.sample_batch(0)
    t.D.requires_grad_(False)
    t.g_step(x, None, idx)
    push = -t.model.generator.tail[1].bias.grad  # what a descent step does to the black output's logits
    if saturation_weight:
        assert (push > 1).all()  # ≈ 2·(|z| − 4.6)/3 per channel's bias: straight back towards the range
    else:
        assert push.abs().max() < 1e-6  # σ'(−30) ≈ 1e-13: no image loss reaches it


def test_flat_outputs_look_collapsed_and_stylised_ones_do_not():
    assert looks_collapsed({"content": 0.97, "tv": 0.005})
    assert not looks_collapsed({"content": 0.70, "tv": 0.06})  # a strong preset step (starry_night, step 103)
    assert not looks_collapsed({"content": 0.95, "tv": 0.08})  # far from the photo, but textured


def test_torchrun_two_gloo_processes(data, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29517",
           str(ROOT / "train.py"), *tiny_args(data, tmp_path, "--steps", "3", "--device", "cpu")]
    r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert StyleModel.from_pretrained(tmp_path / "model")
    assert r.stdout.count("model saved to") == 1  # only rank 0 writes


def test_cosine_learning_rate_falls_to_zero_at_the_last_step_and_resumes_on_the_curve(data, tmp_path):
    t = _trainer(data, tmp_path, steps=4)
    t.cfg = dataclasses.replace(t.cfg, lr_scheduler="cosine")
    assert [t.learning_rate(s) for s in (0, 2, 4)] == pytest.approx([t.cfg.lr, t.cfg.lr / 2, 0])
    t.train_step()
    t.train_step()
    t.save_checkpoint()
    assert {g["lr"] for opt in (t.opt_g, t.opt_d) for g in opt.param_groups} == {t.learning_rate(1)}  # the last step's
    resumed = _trainer(data, tmp_path, steps=4)
    resumed.cfg = t.cfg
    assert resumed.load_checkpoint()
    assert {g["lr"] for opt in (resumed.opt_g, resumed.opt_d) for g in opt.param_groups} == {t.cfg.lr / 2}  # step 2's
    t.cfg = dataclasses.replace(t.cfg, lr_scheduler="linear")
    with pytest.raises(ValueError, match="constant or cosine"):
        t.learning_rate(0)


@pytest.mark.parametrize("case,expect", [
    ("missing_dir", "no such folder"), ("empty_dir", "no images found"), ("bad_style", "could be read"),
    ("small_size", "too small"), ("bad_repo", "not a Hub repo id"), ("push_revision", "without '@revision'"),
    ("ckpt_every_0", "--ckpt-every must be at least 1"), ("sample_every_0", "--sample-every must be at least 1"),
    ("lr_negative", "--lr must be a positive number"), ("lr_nan", "--lr must be a positive number"),
    ("max_minutes_negative", "--max-minutes must be 0"), ("existing_run", "already holds a run"),
    ("style_tiles_0", "--style-tiles must be at least 1"), ("style_tiles_too_many", "--style-tiles 3 at --size 32"),
])
def test_cli_errors_are_one_line_exit_2(data, tmp_path, capsys, case, expect):
    args = tiny_args(data, tmp_path / "out", "--steps", "1")
    if case == "missing_dir":
        args[1] = str(tmp_path / "nope")
    elif case == "empty_dir":
        (tmp_path / "empty").mkdir()
        args[1] = str(tmp_path / "empty")
    elif case == "bad_style":
        (tmp_path / "style.png").write_bytes(b"<html>not an image</html>")
        args[3] = str(tmp_path / "style.png")
    elif case == "small_size":
        args[args.index("--size") + 1] = "16"
    elif case == "bad_repo":
        args += ["--push-to-hub", "../../etc"]
    elif case == "existing_run":  # without --resume its checkpoint would be overwritten
        (tmp_path / "out").mkdir()
        (tmp_path / "out" / "checkpoint.pt").write_bytes(b"a long run's state")
    else:  # refused before any training: each of these used to fail only later (or never)
        args += {"push_revision": ["--push-to-hub", "user/name@dev"], "ckpt_every_0": ["--ckpt-every", "0"],
                 "sample_every_0": ["--sample-every", "0"], "lr_negative": ["--lr", "-1"], "lr_nan": ["--lr", "nan"],
                 "max_minutes_negative": ["--max-minutes", "-5"], "style_tiles_0": ["--style-tiles", "0"],
                 "style_tiles_too_many": ["--style-tiles", "3"]}[case]
    with pytest.raises(SystemExit) as e:
        train.main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert expect in err and len(err.splitlines()) == 1, err


def test_stylize_cli_refuses_a_pickle_named_safetensors(tmp_path):
    from tests.hostile import MARKER, MODEL_CASES

    pickled = next(c for c in MODEL_CASES if c.name == "pickle_as_safetensors")
    model = pickled.build(tmp_path / "m" / "model")  # unpickling it would create tmp_path/m/MARKER
    image_folder(tmp_path / "c", n=1)
    r = subprocess.run([sys.executable, "-m", "semstyle", "stylize", str(tmp_path / "c" / "img_0.jpg"), "--model",
                        str(model), "--out", str(tmp_path / "o")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and "never unpickles" in r.stderr, r.stderr
    assert not (tmp_path / "m" / MARKER).exists() and not (tmp_path / "o").exists()


def test_stylize_cli_writes_outputs(tmp_path):
    from tests.helpers import tiny_model

    tiny_model("arbitrary").save_folder(tmp_path / "m")
    image_folder(tmp_path / "c", n=2)
    from semstyle.__main__ import main

    assert main(["stylize", *map(str, sorted((tmp_path / "c").iterdir())), "--model", str(tmp_path / "m"),
                 "--style", str(tmp_path / "c" / "img_0.jpg"), "--strength", "0.7", "--out", str(tmp_path / "o")]) == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["img_0.png", "img_1.png"]


def test_train_push_to_hub_then_load_by_repo_id_pinned_and_offline(data, tmp_path, hub_server):
    from semstyle import StylePipeline

    repo = hub_server.new_repo_id()
    assert train.main(tiny_args(data, tmp_path / "a", "--steps", "1", "--push-to-hub", repo)) == 0
    first = hub_server.head(repo)
    from huggingface_hub import hf_hub_download

    assert f'from_pretrained("{repo}")' in Path(hf_hub_download(repo, "README.md")).read_text()  # not runs/.../model
    assert train.main(tiny_args(data, tmp_path / "b", "--steps", "2", "--seed", "1", "--push-to-hub", repo)) == 0
    x = torch.rand(1, 3, 24, 40)
    local_a = StylePipeline.from_pretrained(tmp_path / "a" / "model", device="cpu").stylize(x)
    pinned = StylePipeline.from_pretrained(repo, revision=first, device="cpu").stylize(x)
    latest = StylePipeline.from_pretrained(repo, device="cpu").stylize(x)
    assert torch.equal(pinned, local_a) and not torch.equal(latest, local_a)
    with hub_server.offline():  # HF_HUB_OFFLINE=1: served from the cache
        assert torch.equal(StylePipeline.from_pretrained(repo, device="cpu").stylize(x), latest)


def test_init_from_grows_a_smaller_model_and_refuses_to_shrink(data, tmp_path, capsys):
    assert train.main(tiny_args(data, tmp_path / "small", "--steps", "1")) == 0
    small = tmp_path / "small" / "model"
    grown = tiny_args(data, tmp_path / "big", "--steps", "1", "--init-from", str(small))
    grown[grown.index("--channels") + 1] = "8,24"
    assert train.main(grown) == 0
    assert StyleModel.from_pretrained(tmp_path / "big" / "model").config.generator.channels == (8, 24)
    unset = [a for a in tiny_args(data, tmp_path / "same", "--steps", "1", "--init-from", str(small))]
    for flag in ("--channels", "--n-res", "--style-dim"):  # unset: the starting model's generator
        i = unset.index(flag)
        del unset[i:i + 2]
    assert train.main(unset) == 0
    assert StyleModel.from_pretrained(tmp_path / "same" / "model").config.generator == TINY
    shrunk = tiny_args(data, tmp_path / "shrunk", "--steps", "1", "--init-from", str(small))
    shrunk[shrunk.index("--channels") + 1] = "8,8"
    with pytest.raises(SystemExit) as e:
        train.main(shrunk)
    assert e.value.code == 2 and "can only grow" in capsys.readouterr().err
    assert not (tmp_path / "shrunk").exists()  # refused before anything was loaded or written

"""The bench: baselines' shapes and properties, helpers, bad-input handling, and the --smoke CLI run."""
import math
from pathlib import Path

import pytest
import torch
from PIL import Image

from bench import speed
from bench.adain import AdaINNet, adain, mirrored_decoder
from bench.cli import main
from bench.data import crop_to_multiple, find_style, load_set, spread
from bench.gatys import GatysConfig, gatys
from bench.johnson import TransformerNet
from bench.metrics import STYLE_LAYERS
from bench.quality import gram_key
from bench.report import markdown_table
from semstyle.losses import mean_std
from semstyle.vgg import VGG16Features
from tests.conftest import SHARED, VGG_PATH, needs_shared

# ---- baselines ---------------------------------------------------------------------------------


def test_johnson_has_about_1_7m_parameters_and_keeps_size():
    net = TransformerNet().eval()
    assert sum(p.numel() for p in net.parameters()) == pytest.approx(1.7e6, rel=0.02)
    with torch.inference_mode():
        y = net(torch.rand(1, 3, 36, 52))
    assert y.shape == (1, 3, 36, 52) and 0 <= y.min() and y.max() <= 1


def test_adain_matches_style_statistics():
    g = torch.Generator().manual_seed(0)
    content, style = torch.randn(2, 5, 7, 9, generator=g), torch.randn(1, 5, 4, 6, generator=g) * 3 + 2
    out = adain(content, style)
    assert out.shape == content.shape
    (mo, so), (ms, ss) = mean_std(out), mean_std(style)
    assert torch.allclose(mo, ms.expand_as(mo), atol=1e-4) and torch.allclose(so, ss.expand_as(so), atol=1e-3)


def test_adain_alpha_zero_and_self_style_are_identity():
    x = torch.randn(1, 4, 6, 6, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(adain(x, torch.randn(1, 4, 3, 3), alpha=0.0), x)
    assert torch.allclose(adain(x, x), x, atol=1e-3)


def test_adain_cached_code_equals_features():
    x, s = torch.randn(1, 4, 6, 6), torch.randn(1, 4, 5, 5)
    assert torch.allclose(adain(x, s), adain(x, mean_std(s)))


def test_adain_net_keeps_size_and_mirrors_the_encoder():
    net = AdaINNet(VGG16Features(("relu4_1",))).eval()
    x, s = torch.rand(1, 3, 40, 24), torch.rand(1, 3, 32, 32)
    with torch.inference_mode():
        y = net(x, s)
        assert torch.allclose(y, net(x, code=net.encode_style(s)), atol=1e-5)
    assert y.shape == x.shape
    assert sum(p.numel() for p in mirrored_decoder().parameters()) == pytest.approx(sum(p.numel() for p in net.encoder.parameters()), rel=0.01)
    with pytest.raises(ValueError, match="style"):
        net(x)


@pytest.fixture(scope="module")
def random_vgg():
    return VGG16Features(("relu1_2", "relu2_2", "relu3_3", "relu4_3"))


@pytest.mark.parametrize("optimizer", ["lbfgs", "adam"])
def test_gatys_runs_exactly_the_configured_steps(optimizer, random_vgg):
    vgg = random_vgg
    calls = []
    forward = vgg.forward
    vgg.forward = lambda *a, **k: calls.append(1) or forward(*a, **k)
    content = torch.rand(3, 24, 16).unsqueeze(0).permute(0, 1, 3, 2)  # non-contiguous, like pil_to_tensor's
    y = gatys(vgg, content, torch.rand(1, 3, 16, 16), GatysConfig(steps=3, optimizer=optimizer))
    assert y.shape == content.shape and 0 <= y.min() and y.max() <= 1
    assert len(calls) == 3 + 2  # + content and style targets
    assert not torch.equal(y, content)
    del vgg.forward  # back to the class's method for the next test


# ---- helpers ------------------------------------------------------------------------------------


def test_spread_and_crop():
    assert spread(list(range(10)), 3) == [0, 4, 9]
    assert spread([1, 2], 0) == [1, 2] and spread([1, 2, 3], 1) == [1]
    assert crop_to_multiple(torch.zeros(1, 3, 37, 50)).shape[-2:] == (32, 48)
    assert find_style([Path("a/Starry_Night.jpg")], "starry night") == Path("a/Starry_Night.jpg")


def test_unreadable_image_is_reported_and_skipped(tmp_path, capsys):
    from PIL import Image

    Image.new("RGB", (30, 20), (255, 0, 0)).save(tmp_path / "good.png")
    (tmp_path / "bad.jpg").write_bytes(b"not a jpeg")
    loaded = load_set([tmp_path / "bad.jpg", tmp_path / "good.png"], max_side=64)
    assert list(loaded) == ["good"] and loaded["good"].shape == (1, 3, 16, 24)
    assert "bad.jpg" in capsys.readouterr().err


def test_against_baseline_compares_on_the_baselines_own_pairs_only():
    from bench.quality import PRESET_TARGET, UNIVERSAL_TARGET, against_baseline

    def row(method, content, style, gram, content_d, top1, p):
        by_layer = {gram_key(n): gram * (4 if n == "relu1_2" and method == "universal" else 1) for n in STYLE_LAYERS}
        return {"method": method, "content": content, "style": style, "style_gram": gram, "content_mse_relu4_3": content_d,
                "top1_agree": top1, "kept_class_prob": p, **by_layer, "style_gram_tiles2": 2 * gram}

    rows = [row("gatys", "a", "s", 0.1, 100.0, 0.0, 0.1), row("gatys", "b", "s", 0.3, 300.0, 1.0, 0.3),
            row("preset", "a", "s", 0.1, 50.0, 1.0, 0.5), row("preset", "b", "s", 0.3, 50.0, 1.0, 0.5),
            row("preset", "c", "s", 9.0, 9e9, 0.0, 0.0),  # Gatys did not run on c: left out, or the ratio would be 23x
            row("universal", "a", "s", 0.16, 100.0, 0.0, 0.1), row("universal", "b", "s", 0.44, 300.0, 1.0, 0.1),
            row("lonely", "c", "s", 0.1, 1.0, 1.0, 1.0)]
    got = {r["method"]: r for r in against_baseline(rows, "gatys", {"preset": PRESET_TARGET, "universal": UNIVERSAL_TARGET,
                                                                      "lonely": PRESET_TARGET})}
    assert set(got) == {"preset", "universal"}  # no pair in common with Gatys: no row
    preset, universal = got["preset"], got["universal"]
    assert preset["pairs"] == 2 and preset["gram_x_baseline"] == pytest.approx(1.0)
    assert preset["content_x_baseline"] == pytest.approx(0.25) and math.isnan(preset["content_target"])
    assert preset["top1_agree"] == 1.0 and preset["top1_agree_baseline"] == 0.5 and preset["targets_met"]
    assert universal["gram_x_baseline"] == pytest.approx(1.5) and universal["content_x_baseline"] == pytest.approx(1.0)
    assert universal["targets_met"]  # at the limits: met
    assert universal["gram_relu1_2_x_baseline"] == pytest.approx(6.0) and universal["gram_relu4_3_x_baseline"] == pytest.approx(1.5)
    assert universal["gram_tiles2_x_baseline"] == pytest.approx(1.5)
    rows[-2]["top1_agree"] = 0.0  # now below Gatys's 0.5
    assert not against_baseline(rows, "gatys", {"universal": UNIVERSAL_TARGET})[0]["targets_met"]
    rows[-2]["top1_agree"], rows[-2]["content_mse_relu4_3"] = 1.0, 301.0  # content 1.0025x Gatys's
    assert not against_baseline(rows, "gatys", {"universal": UNIVERSAL_TARGET})[0]["targets_met"]


def test_loglog_slope_and_ratios():
    pixels = [256**2, 512**2, 1024**2]
    assert speed.loglog_slope(pixels, [3 * p**1.5 for p in pixels]) == pytest.approx(1.5)
    assert math.isnan(speed.loglog_slope([1], [1]))
    rows = [{"method": m, "dtype": "fp32", "size": 8, "status": "ok", "median_ms": ms}
            for m, ms in (("johnson (untrained)", 2.0), ("adain (untrained, cached style)", 4.0), ("x", 8.0))]
    speed.add_ratios(rows)
    assert (rows[2]["x_johnson"], rows[2]["x_adain"]) == (4.0, 2.0)


def test_markdown_table_puts_each_header_over_its_key_and_leaves_missing_keys_empty():
    table = markdown_table([{"b": 0.5, "a": "x", "extra": 1}, {"a": "y", "b": float("nan")}, {"b": False}],
                           {"a": "name", "b": "score ↓"})
    assert table.splitlines() == ["| name | score ↓ |", "|---|---|", "| x | 0.500 |", "| y | – |", "|  | no |"]


# ---- bad input: one line on stderr, exit code 2 ------------------------------------------------


def inputs(tmp_path: Path) -> list[str]:
    """Arguments whose files and folders exist (the files are not valid; the checks fail before reading them)."""
    for name in ("vgg.safetensors", "effnet.safetensors"):
        (tmp_path / name).write_bytes(b"x")
    for name in ("content", "styles"):
        (tmp_path / name).mkdir(exist_ok=True)
    return ["--smoke", "--vgg-weights", str(tmp_path / "vgg.safetensors"), "--effnet-weights", str(tmp_path / "effnet.safetensors"),
            "--content", str(tmp_path / "content"), "--styles", str(tmp_path / "styles"), "--out", str(tmp_path / "out"), "--models"]


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("bench: error: "), err
    return err[0]


def test_missing_weights_exit_2(tmp_path, capsys):
    assert main([*inputs(tmp_path)[:1], "--vgg-weights", str(tmp_path / "nope.safetensors"), "--out", str(tmp_path / "out")]) == 2
    assert "--vgg-weights" in one_error_line(capsys)


def test_missing_data_folder_exit_2(tmp_path, capsys):
    assert main([*inputs(tmp_path), "--content", str(tmp_path / "missing")]) == 2
    assert "--content" in one_error_line(capsys)


def test_model_folder_that_does_not_load_exit_2(tmp_path, capsys):
    bad = tmp_path / "broken_model"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    assert main([*inputs(tmp_path), str(bad)]) == 2
    assert "broken_model" in one_error_line(capsys)


def test_models_glob_matching_nothing_exit_2(tmp_path, capsys):
    assert main([*inputs(tmp_path), str(tmp_path / "models" / "*")]) == 2
    assert "no model folders match" in one_error_line(capsys)


# ---- the smoke run (what CI runs) --------------------------------------------------------------


def tiny_models(tmp_path: Path) -> list[Path]:
    from semstyle.config import GeneratorConfig, ModelConfig
    from semstyle.modeling import StyleModel

    gen = GeneratorConfig(channels=(4, 8), n_res=1, style_dim=4)
    out = []
    for name, cfg in (("tiny_preset", ModelConfig(kind="per_style", generator=gen, style_name="starry_night")),
                      ("tiny_universal", ModelConfig(kind="arbitrary", generator=gen, style_size=32))):
        out.append(StyleModel(cfg).save_folder(tmp_path / name))
    return out


@needs_shared
def test_smoke_run(tmp_path, capsys):
    out = tmp_path / "results"
    models = tiny_models(tmp_path)
    data = SHARED / "data"
    threads = torch.get_num_threads()  # the smoke preset sets 1 thread; give the test session its own back after
    try:
        code = main(["--smoke", "--out", str(out), "--vgg-weights", str(VGG_PATH),
                     "--effnet-weights", str(SHARED / "weights" / "efficientnet_lite0_imagenet.safetensors"),
                     "--content", str(data / "content" / "eval"), "--styles", str(data / "styles"), "--models", *map(str, models)])
    finally:
        torch.set_num_threads(threads)
    printed = capsys.readouterr()
    assert code == 0, printed.err[-2000:]
    for name in ("quality.csv", "quality_summary.csv", "frechet.csv", "against_gatys.csv", "speed.csv", "speed_summary.csv",
                 "speed.png", "quality.png", "grid.png", "results.md"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert "| method |" in printed.out and "untrained" in printed.out
    quality = (out / "quality_summary.csv").read_text()
    for method in ("identity", "gatys", "semstyle:tiny_preset", "semstyle:tiny_universal"):
        assert method in quality
    header, *rows = [line.split(",") for line in quality.splitlines()]
    identity = rows[[r[0] for r in rows].index("identity")]
    assert float(identity[header.index("dark_cells")]) == 0 and float(identity[header.index("colour_change")]) == 0 == float(identity[header.index("colour_spread")])  # the photo itself
    for name in ("patch_frechet_relu4_3", "patch_frechet_effnet"):  # both distribution metrics, finite for every method
        assert all(math.isfinite(float(r[header.index(name)])) for r in rows), name
    paired = (out / "against_gatys.csv").read_text()  # the targets, on the pairs Gatys ran
    assert "Against Gatys on the same pairs" in printed.out
    assert "semstyle:tiny_preset" in paired and "semstyle:tiny_universal" in paired and "identity" not in paired
    assert "Gram × Gatys by layer" in printed.out and "gram_relu1_2_x_baseline" in paired.splitlines()[0]
    assert "gram_tiles2_x_baseline" in paired.splitlines()[0] and "2×2 tiles" in printed.out
    header, *rows = [line.split(",") for line in (out / "quality.csv").read_text().splitlines()]
    for r in rows:  # the per-layer columns are there, and add up to the style distance
        by_layer = [float(r[header.index(gram_key(n))]) for n in STYLE_LAYERS]
        assert sum(by_layer) / 4 == pytest.approx(float(r[header.index("style_gram")]), rel=1e-5)
    timed = (out / "speed.csv").read_text()
    for variant in ("johnson (untrained)", "adain (untrained, cached style)", "semstyle:tiny_preset",
                    "semstyle:tiny_universal (+style encoding)", "semstyle:tiny_universal (+style picture)",
                    "semstyle:tiny_universal (cached style)", "gatys (2 lbfgs steps)"):
        assert variant in timed


@needs_shared
def test_domain_ablation_scores_each_model_against_the_collection(tmp_path):
    from bench import domain

    collection = tmp_path / "collection"
    collection.mkdir()
    for f in sorted((SHARED / "data" / "styles").glob("*.jpg"))[:3]:
        (collection / f.name).symlink_to(f)
    out = tmp_path / "domain.md"
    domain.main(["--models", str(tiny_models(tmp_path)[0]), "--collection", str(collection), "--n-content", "3", "--size", "48",
                 "--vgg-weights", str(VGG_PATH), "--effnet-weights", str(SHARED / "weights" / "efficientnet_lite0_imagenet.safetensors"),
                 "--content", str(SHARED / "data" / "content" / "eval"), "--gatys-photos", "2", "--gatys-steps", "5", "--out", str(out)])
    scores, paired = out.read_text().split("Against Gatys")

    def table(text: str) -> dict[str, list[str]]:
        return {cells[0]: cells[1:] for line in text.splitlines() if line.startswith("| ") and not line.startswith(("| model", "|---"))
                for cells in [line.strip("| ").split(" | ")]}

    rows, gatys = table(scores), "gatys to the collection mean (5 lbfgs steps)"
    assert set(rows) == {"identity", gatys, "semstyle:tiny_preset"}
    assert rows["identity"][0] == "3" and rows[gatys][0] == "2"  # photos: Gatys on 2 of the 3
    assert float(rows["identity"][5]) == 0  # the photo itself: no content distance
    assert float(rows[gatys][3]) < float(rows["identity"][3])  # Gatys moved the photos towards the collection's mean Gram
    assert all(math.isfinite(float(v)) for v in rows["semstyle:tiny_preset"])
    ratios = table(paired)
    assert set(ratios) == {"semstyle:tiny_preset"} and ratios["semstyle:tiny_preset"][0] == "2"
    assert all(math.isfinite(float(v)) for v in ratios["semstyle:tiny_preset"][:-1]) and ratios["semstyle:tiny_preset"][-1] in ("yes", "no")
    assert Image.open(tmp_path / "domain_grid.png").size[0] > 0  # the pictures: 2 of Gatys's photos through each method


@needs_shared
def test_mat_test_scores_only_matted_style_images_whole_and_cropped(tmp_path, capsys):
    from bench import mats
    from tests.helpers import matted, picture, tiny_model

    styles = tmp_path / "styles"
    styles.mkdir()
    matted(picture(120, 90), (14, 14, 14, 14)).save(styles / "print.jpg", quality=95)
    Image.fromarray(picture(120, 90, seed=1)).save(styles / "painting.jpg")  # no mat: not scored
    preset = tiny_models(tmp_path)[0]
    universal = tiny_model("arbitrary", style_size=64).save_folder(tmp_path / "universal")  # untrained G would be the identity
    weights = ["--vgg-weights", str(VGG_PATH), "--effnet-weights", str(SHARED / "weights" / "efficientnet_lite0_imagenet.safetensors"),
               "--content", str(SHARED / "data" / "content" / "eval"), "--n-content", "2", "--size", "48"]
    mats.main(["--model", str(universal), "--styles", str(styles), "--out", str(tmp_path / "out"), *weights])
    rows = [line for line in (tmp_path / "out" / "results.md").read_text().splitlines() if line.startswith("| print.jpg")]
    assert len(rows) == 1 and "painting.jpg" not in (tmp_path / "out" / "results.md").read_text()
    values = [float(v) for cell in rows[0].strip("| ").split(" | ")[1:] for v in cell.split(" / ")]
    assert len(values) == 6 and all(math.isfinite(v) for v in values)
    assert values[0] != values[1]  # the mat changed the style code
    assert Image.open(tmp_path / "out" / "grid.jpg").size == (3 * mats.CELL, 2 * mats.CELL)  # the style, 2 photos; whole, cropped
    with pytest.raises(SystemExit) as e:
        mats.main(["--model", str(preset), "--styles", str(styles), *weights])
    assert e.value.code == 2 and "per-style model" in capsys.readouterr().err


def trained_run(tmp_path: Path, one_style: bool = False, **settings):
    """A 2-step per-style train.py run folder (checkpoint.pt and model/) on random VGG weights: (trainer, config, VGG path).
    Its style is a domain of 2 images, or with `one_style` the first of them."""
    from semstyle.trainer import TrainConfig, Trainer
    from tests.helpers import TINY, image_folder, random_vgg_weights

    vgg = str(random_vgg_weights(tmp_path / "vgg.safetensors"))
    style = image_folder(tmp_path / "s", n=2, size=(40, 48), seed=1)
    cfg = TrainConfig(content_dir=str(image_folder(tmp_path / "c", n=3, size=(48, 40))), out=str(tmp_path / "run"), steps=2, size=32,
                      style=str(sorted(style.iterdir())[0] if one_style else style), batch=2, generator=TINY, **settings)
    trained = Trainer(cfg, vgg_weights=vgg)
    for _ in range(2):
        trained.train_step()
    trained.save_checkpoint()
    trained.export()
    return trained, cfg, vgg


def test_gan_gradients_split_g_loss_at_a_checkpoint_even_at_adv_weight_0(tmp_path):
    from bench import gan_gradients

    trained, cfg, vgg = trained_run(tmp_path, adv_weight=0.0)
    run = gan_gradients.open_run(tmp_path / "run", vgg)
    assert run.cfg == cfg and run.step == 2
    assert all(torch.equal(v, run.D.state_dict()[k]) for k, v in trained.D.state_dict().items())
    x, _, stats, idx = gan_gradients.batch(run, 2)
    grads = gan_gradients.term_gradients(run, x, stats, idx)  # the weighted terms add up to the gradient G trains on
    params = [p for p in run.model.parameters() if p.requires_grad]
    whole = gan_gradients._flat(torch.autograd.grad(run.generator_losses(x, None, idx)["g"], params), params)
    assert torch.allclose(sum(cfg.loss_weights[k] * g for k, g in grads.items()), whole, rtol=1e-4, atol=1e-6)
    gan_gradients.analyse(run, 2)  # measuring does not move D (spectral norm's power iteration is off)
    assert all(torch.equal(v, run.D.state_dict()[k]) for k, v in trained.D.state_dict().items())

    out = tmp_path / "grads.md"
    gan_gradients.main([str(tmp_path / "run"), "--batches", "2", "--vgg-weights", vgg, "--out", str(out)])
    rows = {line.split(" | ")[0].strip("| "): line.strip("| ").split(" | ")[1:] for line in out.read_text().splitlines() if line.startswith("| ") and "---" not in line}
    assert float(rows["style"][2]) == pytest.approx(1.0, abs=1e-3)  # cos of the style term with itself
    share, cos_style = float(rows["adv"][1]), float(rows["adv"][2])
    assert share == 0 and cos_style != 0 and math.isfinite(cos_style)  # D still trains, so its direction is shown


def test_gan_gradients_without_a_checkpoint_is_one_line_exit_2(tmp_path, capsys):
    from bench import gan_gradients

    with pytest.raises(SystemExit) as e:
        gan_gradients.main([str(tmp_path)])
    assert e.value.code == 2 and "no checkpoint" in capsys.readouterr().err


def test_objective_bound_lowers_the_runs_own_loss_from_gs_output(tmp_path):
    from bench import gan_gradients, objective_bound

    trained, _, _ = trained_run(tmp_path)
    run = gan_gradients.open_run(tmp_path / "run", str(tmp_path / "vgg.safetensors"))
    x = torch.rand(1, 3, 40, 48, generator=torch.Generator().manual_seed(2))
    y, start, end = objective_bound.optimum(run, x, steps=8)
    with torch.no_grad():
        assert start == pytest.approx(float(objective_bound.run_loss(run, x, run.ema(x, logits=True))), rel=1e-5)  # G's own output
    assert y.shape == x.shape and 0 <= float(y.min()) and float(y.max()) <= 1
    assert end < start  # L-BFGS from G's output only goes down
    y_fit, fit_loss = objective_bound.fitted(run, x, steps=3)
    assert y_fit.shape == x.shape and fit_loss < start  # a copy of G trained on this photo alone
    assert all(torch.equal(a, b) for a, b in zip(run.ema.parameters(), trained.ema.parameters()))  # the run's G is untouched


def test_objective_bound_without_a_checkpoint_is_one_line_exit_2(tmp_path, capsys):
    from bench import objective_bound

    with pytest.raises(SystemExit) as e:
        objective_bound.main([str(tmp_path)])
    assert e.value.code == 2 and "needs checkpoint.pt" in capsys.readouterr().err


@needs_shared
def test_objective_bound_scores_gatys_the_model_the_optimum_and_the_fit(tmp_path):
    from bench import objective_bound

    trained_run(tmp_path, one_style=True)
    out = tmp_path / "bound.md"
    objective_bound.main([str(tmp_path / "run"), "--content", str(tmp_path / "c"), "--n-content", "2", "--size", "48", "--steps", "3",
                          "--fit-steps", "2", "--gatys-steps", "2", "--vgg-weights", str(tmp_path / "vgg.safetensors"),
                          "--effnet-weights", str(SHARED / "weights" / "efficientnet_lite0_imagenet.safetensors"), "--out", str(out)])
    rows = [line for line in out.read_text().splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r.split(" | ")[0] for r in rows] == ["| gatys (2 lbfgs steps)", "| semstyle:model", "| optimum of its loss (3 lbfgs steps)",
                                                 "| G fitted to each photo (2 adam steps)"]
    assert all(math.isfinite(float(v)) for r in rows for v in r.strip("| ").split(" | ")[1:])
    assert (tmp_path / "bound_run.png").stat().st_size > 0 and len((tmp_path / "bound_run.csv").read_text().splitlines()) == 1 + 4 * 2


def test_objective_bound_refuses_a_domain_run(tmp_path, capsys):
    from bench import objective_bound

    trained_run(tmp_path)
    with pytest.raises(SystemExit) as e:
        objective_bound.main([str(tmp_path / "run"), "--vgg-weights", str(tmp_path / "vgg.safetensors")])
    assert e.value.code == 2 and "a domain run" in capsys.readouterr().err

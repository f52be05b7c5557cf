"""The model folder format: strict, bit-exact, never unpickling, refusing bad configs before allocating."""
import json
import pickle

import pytest
import torch
from safetensors.torch import load_file, save_file

from semstyle import ModelLoadError, StyleModel, StylePipeline
from semstyle.modeling import CONFIG_NAME, WEIGHTS_NAME
from tests.helpers import tiny_model


@pytest.mark.parametrize("kind", ["per_style", "arbitrary"])
def test_round_trip_is_bit_exact(tmp_path, kind):
    m = tiny_model(kind)
    m.save_folder(tmp_path)
    m2 = StyleModel.from_pretrained(tmp_path)
    a, b = m.state_dict(), m2.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    x = torch.rand(1, 3, 29, 37)
    style = torch.rand(1, 3, 32, 32) if kind == "arbitrary" else None
    assert torch.equal(m(x, style), m2(x, style))


def test_fp16_export_loads_as_the_half_rounded_weights(tmp_path):
    m = tiny_model()
    m.save_folder(tmp_path, fp16=True)
    assert all(t.dtype == torch.float16 for t in load_file(str(tmp_path / WEIGHTS_NAME)).values())
    m2 = StyleModel.from_pretrained(tmp_path)
    for k, v in m.state_dict().items():
        assert torch.equal(m2.state_dict()[k], v.half().float())


def test_pipeline_on_pil_and_tensor(tmp_path):
    from PIL import Image

    tiny_model("arbitrary").save_folder(tmp_path)
    pipe = StylePipeline.from_pretrained(tmp_path, device="cpu")
    out = pipe(Image.new("RGB", (333, 517), (200, 30, 30)), style=Image.new("RGB", (64, 64), (0, 0, 255)))
    assert out.size == (333, 517)
    x = torch.rand(2, 3, 40, 24)
    code = pipe.encode_style(torch.rand(1, 3, 48, 48))
    assert pipe.stylize(x, code=code).shape == x.shape
    assert torch.equal(pipe.stylize(x, code=code, strength=0.0), x)  # strength 0 = the content


def _corrupt(folder, what):
    cfg = json.loads((folder / CONFIG_NAME).read_text())
    w = folder / WEIGHTS_NAME
    if what == "pickle":
        w.write_bytes(pickle.dumps({"generator.tail.1.weight": [1, 2, 3]}))
    elif what == "garbage":
        w.write_bytes(b"\x00\x01not a safetensors file at all")
    elif what == "huge_header":
        w.write_bytes((10**15).to_bytes(8, "little") + b"{}")
    elif what in ("missing_key", "extra_key", "wrong_shape", "wrong_dtype"):
        state = load_file(str(w))
        k = sorted(state)[0]
        if what == "missing_key":
            del state[k]
        elif what == "extra_key":
            state["evil.extra"] = torch.zeros(1)
        elif what == "wrong_shape":
            state[k] = torch.zeros(*state[k].shape, 2)
        else:
            state[k] = state[k].to(torch.int32)
        save_file(state, str(w))
    elif what == "future_version":
        cfg["format_version"] = 99
    elif what == "unknown_key":
        cfg["run_this"] = "rm -rf /"
    elif what == "absurd_size":
        cfg["generator"]["channels"] = [100000, 100000]
    elif what == "not_json":
        (folder / CONFIG_NAME).write_text("{not json")
        return
    elif what == "no_config":
        (folder / CONFIG_NAME).unlink()
        return
    (folder / CONFIG_NAME).write_text(json.dumps(cfg))


BAD = {
    "pickle": "never unpickles", "garbage": "not a valid safetensors", "huge_header": "not a valid safetensors",
    "missing_key": "missing", "extra_key": "unexpected", "wrong_shape": "shape", "wrong_dtype": "dtype",
    "future_version": "newer", "unknown_key": "unknown keys", "absurd_size": "out of range", "not_json": "not valid JSON",
    "no_config": "no config.json",
}


@pytest.mark.parametrize("what", sorted(BAD))
def test_bad_model_folders_are_refused_clearly(tmp_path, what):
    tiny_model().save_folder(tmp_path)
    _corrupt(tmp_path, what)
    with pytest.raises(ModelLoadError, match=BAD[what]) as e:
        StyleModel.from_pretrained(tmp_path)
    assert "\n" not in str(e.value)

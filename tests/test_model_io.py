"""The model folder format: a bit-exact round trip; fp16 export; the pipeline. Broken folders: test_hostile.py."""
import pytest
import torch
from safetensors.torch import load_file

from semstyle import StyleModel, StylePipeline
from semstyle.modeling import WEIGHTS_NAME
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


def test_pipeline_decodes_pil_images_as_files_are_decoded(tmp_path):
    """A PIL image goes through load_image as a path does: alpha on white (not black), 16-bit scaled to 8 bits."""
    from PIL import Image

    tiny_model().save_folder(tmp_path)
    pipe = StylePipeline.from_pretrained(tmp_path, device="cpu")
    rgba = Image.new("RGBA", (40, 32), (255, 0, 0, 0))  # fully transparent
    assert pipe(rgba, strength=0.0).getpixel((0, 0)) == (255, 255, 255)
    rgba.save(tmp_path / "a.png")
    assert pipe(rgba).tobytes() == pipe(tmp_path / "a.png").tobytes()
    grey16 = Image.fromarray(__import__("numpy").full((32, 40), 32768, dtype="uint16"))  # mode I;16, mid grey
    assert abs(pipe(grey16, strength=0.0).getpixel((0, 0))[0] - 128) <= 1


def test_small_style_images_are_encoded_as_they_are_in_training(tmp_path):
    """A style image under style_size is not upscaled: the PIL and tensor paths (and the trainer) agree."""
    from PIL import Image

    from semstyle.images import pil_to_tensor

    tiny_model("arbitrary").save_folder(tmp_path)
    pipe = StylePipeline.from_pretrained(tmp_path, device="cpu", dtype=torch.float32)
    small = Image.effect_noise((60, 45), 60).convert("RGB")
    assert max(small.size) < pipe.config.style_size
    assert torch.allclose(pipe.encode_style(small), pipe.encode_style(pil_to_tensor(small).unsqueeze(0)), atol=1e-5)

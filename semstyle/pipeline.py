"""StylePipeline: load a model once, stylise PIL images or tensor batches of any size."""
from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from PIL import Image

from .device import autocast, default_dtype, resolve_device
from .images import load_image, pil_to_tensor, resize_max_side, tensor_to_pil, trim_mat
from .modeling import StyleModel
from .networks import mirror_pad

BORDER = 8  # px of mirrored photo around each image, cropped off again (see StylePipeline)


class StylePipeline:
    """pipe(content, style=None, strength=1.0) -> stylised image, the same size as `content`.

    `border`: px of mirrored photo added around each image and cropped off again. G paints its own thing along an
    image's edges (the first great_wave preset's change at the outer 4 px of the dandelion photo was 8.5× its change
    inside, learned from the mat round its style image); with BORDER = 8 px such effects fall outside the picture,
    for 13% more pixels at 256² (README, Speed).

    `trim_mats`: crop a style image's mat (a museum scan's flat margin, `images.trim_mat`) before encoding it, as
    training does. Its flat colour and straight edges are not the art's style: with them the universal model drew
    light streaks into the photos (README, "Use it from Python").
    """

    def __init__(self, model: StyleModel, device: str | torch.device | None = None, dtype: torch.dtype | None = None, border: int = BORDER,
                 trim_mats: bool = True):
        if border < 0:
            raise ValueError(f"border must be >= 0, got {border}")
        self.border = border
        self.trim_mats = trim_mats
        self.device = resolve_device(device)
        self.dtype = dtype or default_dtype(self.device)
        # on a CPU, oneDNN's convolutions run faster on channels-last (NHWC) tensors: a preset at 256² took 30 ms
        # instead of 45 on the dev machine (README, Speed); GPUs keep the default layout (not measured there)
        self.memory_format = torch.channels_last if self.device.type == "cpu" else torch.contiguous_format
        self.model = model.to(self.device).to(memory_format=self.memory_format).eval().requires_grad_(False)

    @classmethod
    def from_pretrained(cls, path_or_repo_id: str | os.PathLike, revision: str | None = None, device=None, dtype=None, border: int = BORDER,
                        trim_mats: bool = True) -> "StylePipeline":
        return cls(StyleModel.from_pretrained(path_or_repo_id, revision=revision), device=device, dtype=dtype, border=border, trim_mats=trim_mats)

    @property
    def config(self):
        return self.model.config

    @property
    def is_arbitrary(self) -> bool:
        return self.model.is_arbitrary

    def crop_style(self, style: Image.Image) -> Image.Image:
        """A PIL style image decoded (`load_image`) and, with `trim_mats`, its mat cropped off: the picture the style
        is taken from. `encode_style` starts with it; the app calls it to tell the user what was cropped."""
        img = load_image(style)  # EXIF orientation, alpha on white, 16-bit, palettes
        return trim_mat(img) if self.trim_mats else img  # at full size, as training crops it (~50 ms at 1024 px)

    def style_tensor(self, style: Image.Image) -> torch.Tensor:
        """A cropped style picture (`crop_style`) -> (1,3,h,w) tensor, downscaled to the model's `style_size` if
        larger, as in training; a smaller one is kept as it is (upscaling it would make up texture it does not have)."""
        if max(style.size) > self.config.style_size:
            style = resize_max_side(style, self.config.style_size)
        return pil_to_tensor(style).unsqueeze(0)

    @torch.inference_mode()
    def encode_style(self, style: Image.Image | torch.Tensor | None) -> torch.Tensor:
        """Style image (PIL, or (1,3,H,W) tensor) -> style code (1, style_dim); reuse it across calls.

        A PIL image goes through `crop_style` and `style_tensor` (mat cropped, downscaled to `style_size`). A tensor
        is taken as it is, mat and all, only downscaled if larger than `style_size`."""
        if style is None:
            return self.model.encode_style(None)
        if not self.is_arbitrary:
            self.model.encode_style(style)  # raises the clear "style is built in" error
        if isinstance(style, Image.Image):
            style = self.style_tensor(self.crop_style(style))
        elif max(style.shape[-2:]) > self.config.style_size:
            scale = self.config.style_size / max(style.shape[-2:])
            style = F.interpolate(style, scale_factor=scale, mode="bilinear", antialias=True, align_corners=False)
        with autocast(self.device, self.dtype):
            return self.model.encode_style(self.prepare(style)).float()

    @torch.inference_mode()
    def stylize(self, x: torch.Tensor, style: Image.Image | torch.Tensor | None = None, code: torch.Tensor | None = None, strength: float = 1.0) -> torch.Tensor:
        """x (N,3,H,W) in [0,1] -> (N,3,H,W) in [0,1]. Pass `code` from `encode_style` to skip re-encoding."""
        if not 0.0 <= strength <= 1.0:
            raise ValueError(f"strength must be between 0 and 1, got {strength}")
        if code is None:
            code = self.encode_style(style)
        x = self.prepare(x)
        with autocast(self.device, self.dtype):
            y = self.generate(x, code.to(self.device)).float()
        return blend(x, y, strength)

    def generate(self, x: torch.Tensor, code: torch.Tensor) -> torch.Tensor:
        """G on x with `border` px of mirrored photo around it, cropped back to x's size."""
        b = self.border
        if not b:
            return self.model.generator(x, code)
        h, w = x.shape[-2:]
        return self.model.generator(mirror_pad(x, (b, b, b, b)), code)[..., b : b + h, b : b + w]

    def prepare(self, x: torch.Tensor) -> torch.Tensor:
        """An image batch on the model's device, fp32, in the model's memory format."""
        return x.to(self.device, torch.float32).contiguous(memory_format=self.memory_format)

    def __call__(self, content, style=None, strength: float = 1.0):
        """PIL image in, PIL image out (any size); a (N,3,H,W) tensor in, a tensor out. Paths work too. Images are
        decoded as `load_image` does (EXIF orientation, alpha composited on white, 16-bit and palette modes).

        One pass over the whole image: memory grows with its pixels (~0.6 GB at 1088² in fp32 on a CPU). For larger
        images use `semstyle.tiling.stylize_tiled`, as the app and `python -m semstyle stylize` do."""
        if isinstance(style, (str, os.PathLike)):
            style = load_image(style)
        if isinstance(content, torch.Tensor):
            return self.stylize(content, style=style, strength=strength)
        content = load_image(content)
        y = self.stylize(pil_to_tensor(content).unsqueeze(0), style=style, strength=strength)
        return tensor_to_pil(y)


def blend(content: torch.Tensor, stylized: torch.Tensor, strength: float) -> torch.Tensor:
    """The output at `strength` (0 = the photo, 1 = the stylisation): a per-pixel blend towards the content."""
    return torch.lerp(content, stylized, strength) if strength < 1.0 else stylized

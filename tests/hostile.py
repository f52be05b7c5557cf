"""A corpus of hostile and odd inputs, written into a folder at test time (no binaries in git).

Every case says what must happen to it. An image case is either accepted (decoded to RGB of a known
size, optionally with pixels checked, e.g. EXIF rotation by marker corners) or refused with a one-line
error matching `error`. A model case starts from a valid tiny model folder and breaks one thing; it is
always refused. A ref case is a string given where a model folder or Hub repo id is expected.

    for case in IMAGE_CASES:
        path = case.make(folder)          # the file (or folder) to hand to semstyle
    for case in MODEL_CASES:
        case.build(folder)                # a broken model folder
"""
from __future__ import annotations

import io
import json
import pickle
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from safetensors.torch import load_file, save_file

RED, GREEN, BLUE, GREY, WHITE = (230, 20, 20), (20, 200, 40), (20, 40, 230), (128, 128, 128), (255, 255, 255)
UNKNOWN = "not a readable image \\(unknown or unsupported format\\); use a JPEG, PNG"
TRUNCATED = "not a readable image \\(OSError: image file is truncated.*\\); use a JPEG, PNG"
TOO_LARGE = "too large to decode safely"
MARKER = "UNPICKLED"  # a pickle case creates this file beside the model folder if it is ever unpickled


# ---- builders ---------------------------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes, crc: int | None = None) -> bytes:
    crc = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A valid 1-bit black PNG of width x height pixels that is tiny on disk (~100 KB for 30000^2)."""
    comp, row = zlib.compressobj(9), b"\x00" * (1 + (width + 7) // 8)
    idat = b"".join(comp.compress(row * min(1000, height - i)) for i in range(0, height, 1000)) + comp.flush()
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
            + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b""))


def gradient(w: int, h: int) -> Image.Image:
    """RGB: red rises left to right, green top to bottom, blue constant."""
    x = np.linspace(0, 255, w, dtype=np.float32)[None, :, None]
    y = np.linspace(0, 255, h, dtype=np.float32)[:, None, None]
    return Image.fromarray(np.concatenate([np.broadcast_to(x, (h, w, 1)), np.broadcast_to(y, (h, w, 1)),
                                           np.full((h, w, 1), 128, np.float32)], axis=2).astype(np.uint8))


def encoded(img: Image.Image, fmt: str, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def halves(left: tuple, right: tuple, mode: str = "RGB", size: tuple[int, int] = (32, 24)) -> Image.Image:
    """An image whose left half is `left` and right half is `right` (pixel values in `mode`)."""
    img = Image.new(mode, size, left)
    img.paste(right, (size[0] // 2, 0, size[0], size[1]))
    return img


def frames(*colors: tuple) -> list[Image.Image]:
    return [Image.new("RGB", (32, 24), c) for c in colors]


# ---- checks on accepted images ------------------------------------------------------------------------


def near(actual: tuple, expected: tuple, tol: int = 40) -> bool:
    return all(abs(int(a) - int(e)) <= tol for a, e in zip(actual, expected))


def left_right(left: tuple, right: tuple, tol: int = 40) -> Callable[[Image.Image], None]:
    def check(img: Image.Image) -> None:
        w, h = img.size
        got = img.getpixel((w // 8, h // 2)), img.getpixel((w - 1 - w // 8, h // 2))
        assert near(got[0], left, tol) and near(got[1], right, tol), f"left/right pixels {got}, expected {left}/{right}"
    return check


def everywhere(color: tuple, tol: int = 40) -> Callable[[Image.Image], None]:
    return left_right(color, color, tol)


def dark_to_bright(img: Image.Image) -> None:
    """A grey ramp from black (left) to white (right) survived the conversion to 8 bits."""
    w, h = img.size
    lo, hi = img.getpixel((0, h // 2)), img.getpixel((w - 1, h // 2))
    assert max(lo) < 30 and min(hi) > 225 and lo[0] == lo[1] == lo[2], f"ramp ends {lo} .. {hi}"


# EXIF orientation, as the TIFF/EXIF spec defines it: the visual side along which the stored image's
# 0th row runs, and the visual side of its 0th column. Written from the spec, not from PIL's tables.
ROW_SIDE = {1: "top", 2: "top", 3: "bottom", 4: "bottom", 5: "left", 6: "right", 7: "right", 8: "left"}
COL_SIDE = {1: "left", 2: "right", 3: "right", 4: "left", 5: "top", 6: "top", 7: "bottom", 8: "bottom"}
OPPOSITE = {"top": "bottom", "bottom": "top", "left": "right", "right": "left"}
STORED = (48, 32)  # stored size; red block at stored (0, 0), green at the other end of row 0
BLOCK = 12


def exif_marked() -> Image.Image:
    img = Image.new("RGB", STORED, GREY)
    img.paste(RED, (0, 0, BLOCK, BLOCK))
    img.paste(GREEN, (STORED[0] - BLOCK, 0, STORED[0], BLOCK))
    return img


def corner_pixel(img: Image.Image, sides: set[str]) -> tuple:
    w, h = img.size
    x = BLOCK // 2 if "left" in sides else w - 1 - BLOCK // 2
    y = BLOCK // 2 if "top" in sides else h - 1 - BLOCK // 2
    return img.getpixel((x, y))


def displayed_as(orientation: int) -> Callable[[Image.Image], None]:
    row, col = ROW_SIDE[orientation], COL_SIDE[orientation]

    def check(img: Image.Image) -> None:
        red, green = corner_pixel(img, {row, col}), corner_pixel(img, {row, OPPOSITE[col]})
        assert near(red, RED) and near(green, GREEN), f"orientation {orientation}: red corner {red}, green corner {green}"
    return check


def displayed_size(orientation: int) -> tuple[int, int]:
    return STORED if orientation <= 4 else STORED[::-1]


# ---- image cases ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageCase:
    name: str
    suffix: str
    data: Callable[[], bytes] | None  # the file's bytes (None for the kinds "folder" and "missing")
    error: str | None = None  # refused: regex of the one-line error; None: accepted
    size: tuple[int, int] | None = None  # accepted: (w, h) of the decoded RGB image
    check: Callable[[Image.Image], None] | None = None  # accepted: more about the pixels
    kind: str = "file"  # "file" | "folder" (a folder with an image name) | "missing" (no such file)

    @property
    def filename(self) -> str:
        return self.name + self.suffix

    def make(self, folder: Path) -> Path:
        path = folder / self.filename
        if self.kind == "folder":
            path.mkdir()
        elif self.kind == "file":
            path.write_bytes(self.data())
        return path


def _patched(data: bytes, at: bytes, offset: int, new: bytes) -> bytes:
    i = data.index(at) + offset
    return data[:i] + new + data[i + len(new):]


def _jpeg_claiming(w: int, h: int) -> bytes:
    """A small baseline JPEG whose frame header (SOF0) claims w x h."""
    return _patched(encoded(gradient(16, 16), "JPEG"), b"\xff\xc0", 5, struct.pack(">HH", h, w))


def _gif_claiming(w: int, h: int) -> bytes:
    """A 1x1 GIF whose logical screen claims w x h."""
    data = encoded(Image.new("P", (1, 1)), "GIF")
    return data[:6] + struct.pack("<HH", w, h) + data[10:]


def _png_with(*extra: bytes, ihdr_crc: int | None = None) -> bytes:
    """A valid 8x8 grey PNG with extra chunks before IDAT (or a wrong IHDR checksum)."""
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0), ihdr_crc)
    idat = png_chunk(b"IDAT", zlib.compress(b"".join(b"\x00" + bytes([16 * i] * 8) for i in range(8))))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(extra) + idat + png_chunk(b"IEND", b"")


def _exif_jpeg(orientation: int | None = None, raw: bytes | None = None) -> bytes:
    """The marked image as a JPEG whose EXIF block says `orientation` (or is the bytes `raw`)."""
    if raw is None:
        exif = Image.Exif()
        exif[0x0112] = orientation
        raw = exif.tobytes()
    return encoded(exif_marked(), "JPEG", exif=raw, quality=95)


def _array(a: np.ndarray, fmt: str = "TIFF") -> bytes:
    """uint16 -> I;16, int32 -> I, float32 -> F."""
    return encoded(Image.fromarray(a), fmt)


def _ramp(dtype, hi: float, w: int = 64, h: int = 8) -> np.ndarray:
    return np.broadcast_to(np.linspace(0, hi, w, dtype=np.float64), (h, w)).astype(dtype).copy()


def _la() -> bytes:
    a = np.zeros((24, 32, 2), np.uint8)
    a[:, 16:] = (50, 255)  # right: opaque dark grey; left: fully transparent (black, alpha 0)
    return encoded(Image.fromarray(a, "LA"), "PNG")


def _palette_with_transparency() -> bytes:
    img = Image.new("P", (32, 24), 0)
    img.putpalette([0, 0, 0, *RED] + [0] * (254 * 3))
    img.paste(1, (16, 0, 32, 24))
    return encoded(img, "PNG", transparency=0)


def _rgba(fmt: str, **kw) -> bytes:
    img = halves((0, 0, 0, 0), (*RED, 255), "RGBA")
    return encoded(img, fmt, **kw)


def _animated(fmt: str, **kw) -> bytes:
    first, *rest = frames(RED, GREEN, BLUE)
    return encoded(first, fmt, save_all=True, append_images=rest, duration=80, loop=0, **kw)


def _cmyk_jpeg() -> bytes:
    return encoded(Image.new("RGB", (32, 24), RED).convert("CMYK"), "JPEG", quality=95)


def _mpo() -> bytes:  # what many phone cameras write: a JPEG with a second picture appended
    first, second = frames(RED, GREEN)
    return encoded(first, "MPO", save_all=True, append_images=[second])


def _truncated(fmt: str) -> bytes:
    data = encoded(gradient(200, 150), fmt)
    return data[: len(data) // 2]


def _eps() -> bytes:
    return (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 32 32\n"
            b"(semstyle-would-run-ghostscript) print\n0 0 moveto 32 32 lineto stroke\nshowpage\n%%EOF\n")


HTML = b"<!DOCTYPE html><html><body><script>fetch('/steal?c='+document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
       b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" onload="alert(1)">'
       b'<text>&xxe;</text><image href="http://127.0.0.1:9/x.png"/></svg>')
# A big-endian TIFF header whose orientation entry claims 2**32 - 1 values, then junk.
BAD_EXIF = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05\x01\x12\x00\x03\xff\xff\xff\xff\x00\x06\x00\x00" + b"\xff" * 40

IMAGE_CASES: list[ImageCase] = [
    # ---- not images, or not images we decode --------------------------------------------------------
    ImageCase("random_bytes", ".png", lambda: bytes(np.random.default_rng(0).integers(0, 256, 4096, np.uint8)),
              UNKNOWN),
    ImageCase("text_as_png", ".png", lambda: b"this is not an image\n" * 10, UNKNOWN),
    ImageCase("html_as_png", ".png", lambda: HTML, UNKNOWN),
    ImageCase("svg_as_png", ".png", lambda: SVG, UNKNOWN),
    ImageCase("eps_as_png", ".png", _eps, UNKNOWN),  # Pillow would hand EPS to Ghostscript
    ImageCase("zero_bytes", ".png", lambda: b"", "empty file \\(0 bytes\\); use a JPEG, PNG"),
    ImageCase("truncated_jpeg", ".jpg", lambda: _truncated("JPEG"), TRUNCATED),
    ImageCase("truncated_png", ".png", lambda: _truncated("PNG"), TRUNCATED),
    ImageCase("truncated_gif", ".gif", lambda: _truncated("GIF"), TRUNCATED),
    ImageCase("png_bad_crc", ".png", lambda: _png_with(ihdr_crc=0xDEADBEEF), UNKNOWN),
    ImageCase("png_header_only", ".png", lambda: _png_with()[:33], UNKNOWN),
    ImageCase("control_chars_in_name\nerror: fake", ".png", lambda: b"not an image", UNKNOWN),
    ImageCase("folder_named_png", ".png", None, "is a folder, not an image file", kind="folder"),
    ImageCase("missing_file", ".png", None, "file not found", kind="missing"),
    # ---- decompression bombs: refused from the header, before any pixel is decoded -------------------
    ImageCase("bomb_png_30000x30000", ".png", bomb_png, TOO_LARGE),
    ImageCase("bomb_png_9000x8000", ".png", lambda: bomb_png(9000, 8000), TOO_LARGE),  # over our limit, under Pillow's
    ImageCase("jpeg_header_65500x65500", ".jpg", lambda: _jpeg_claiming(65500, 65500), TOO_LARGE),
    ImageCase("gif_screen_65535x65535", ".gif", lambda: _gif_claiming(65535, 65535), TOO_LARGE),
    # ---- odd sizes ----------------------------------------------------------------------------------------
    ImageCase("one_by_one", ".png", lambda: encoded(Image.new("RGB", (1, 1), RED), "PNG"), size=(1, 1),
              check=everywhere(RED)),
    ImageCase("one_by_10000", ".png", lambda: encoded(gradient(1, 10000), "PNG"), size=(1, 10000)),
    # ---- every mode becomes RGB ---------------------------------------------------------------------------
    ImageCase("animated_gif", ".gif", lambda: _animated("GIF"), size=(32, 24), check=everywhere(RED)),
    ImageCase("animated_png", ".png", lambda: _animated("PNG"), size=(32, 24), check=everywhere(RED)),
    ImageCase("animated_webp", ".webp", lambda: _animated("WEBP", lossless=True), size=(32, 24),
              check=everywhere(RED)),
    ImageCase("mpo_phone_jpeg", ".jpg", _mpo, size=(32, 24), check=everywhere(RED)),
    ImageCase("cmyk_jpeg", ".jpg", _cmyk_jpeg, size=(32, 24), check=everywhere(RED)),
    ImageCase("png_16bit", ".png", lambda: _array(_ramp(np.uint16, 65535), "PNG"), size=(64, 8),
              check=dark_to_bright),
    ImageCase("tiff_mode_i", ".tif", lambda: _array(_ramp(np.int32, 65535)), size=(64, 8),
              check=dark_to_bright),
    ImageCase("tiff_mode_f_unit_range", ".tif", lambda: _array(_ramp(np.float32, 1.0)), size=(64, 8),
              check=dark_to_bright),
    ImageCase("tiff_mode_f_nan_inf", ".tif",
              lambda: _array(np.array([[np.nan, np.inf, -np.inf, 0.5]] * 4, np.float32)), size=(4, 4)),
    ImageCase("palette_transparency", ".png", _palette_with_transparency, size=(32, 24),
              check=left_right(WHITE, RED)),
    ImageCase("la_alpha", ".png", _la, size=(32, 24), check=left_right(WHITE, (50, 50, 50))),
    ImageCase("rgba_png_alpha", ".png", lambda: _rgba("PNG"), size=(32, 24), check=left_right(WHITE, RED)),
    ImageCase("webp_alpha", ".webp", lambda: _rgba("WEBP", lossless=True), size=(32, 24),
              check=left_right(WHITE, RED)),
    ImageCase("one_bit_png", ".png", lambda: encoded(halves(0, 1, "1"), "PNG"), size=(32, 24),
              check=left_right((0, 0, 0), WHITE)),
    ImageCase("grey_jpeg", ".jpg", lambda: encoded(Image.new("L", (32, 24), 90), "JPEG"), size=(32, 24),
              check=everywhere((90, 90, 90), 4)),
    ImageCase("progressive_jpeg", ".jpg", lambda: encoded(gradient(64, 48), "JPEG", progressive=True),
              size=(64, 48)),
    ImageCase("bmp", ".bmp", lambda: encoded(halves(RED, BLUE), "BMP"), size=(32, 24), check=left_right(RED, BLUE, 0)),
    # ---- metadata that lies or is broken ------------------------------------------------------------------
    *[ImageCase(f"exif_orientation_{k}", ".jpg", lambda k=k: _exif_jpeg(k), size=displayed_size(k),
                check=displayed_as(k)) for k in range(1, 9)],
    ImageCase("exif_orientation_9_invalid", ".jpg", lambda: _exif_jpeg(9), size=STORED, check=displayed_as(1)),
    ImageCase("exif_garbage", ".jpg", lambda: _exif_jpeg(raw=BAD_EXIF), size=STORED, check=displayed_as(1)),
    ImageCase("corrupt_icc_jpeg", ".jpg", lambda: encoded(Image.new("RGB", (32, 24), RED), "JPEG",
                                                          icc_profile=b"\x00garbage, not an ICC profile" * 9),
              size=(32, 24), check=everywhere(RED)),
    ImageCase("corrupt_iccp_chunk_png", ".png", lambda: _png_with(png_chunk(b"iCCP", b"icc\x00\x00not zlib at all")),
              size=(8, 8)),
    ImageCase("png_named_jpg", ".jpg", lambda: encoded(halves(RED, BLUE), "PNG"), size=(32, 24),
              check=left_right(RED, BLUE, 0)),
    ImageCase("unicode_name_фото_🎨", ".png", lambda: encoded(Image.new("RGB", (32, 24), BLUE), "PNG"),
              size=(32, 24), check=everywhere(BLUE)),
]


def image_cases(accepted: bool) -> list[ImageCase]:
    return [c for c in IMAGE_CASES if (c.error is None) == accepted]


def write_images(folder: Path, cases: list[ImageCase] | None = None) -> dict[str, Path]:
    """Every case (or `cases`) written into `folder`; case name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    return {c.name: c.make(folder) for c in (IMAGE_CASES if cases is None else cases)}


# ---- model cases ------------------------------------------------------------------------------------------


class Unpickled:
    """Unpickling this creates `path`: proof that code ran. semstyle must never get that far."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return open, (self.path, "w")


def _cfg(**change) -> Callable[[Path], None]:
    """Set config.json values; `generator__channels=[...]` sets a key of the nested generator object."""
    def edit(folder: Path) -> None:
        cfg = json.loads((folder / "config.json").read_text())
        for key, value in change.items():
            *outer, last = key.split("__")
            target = cfg
            for k in outer:
                target = target[k]
            target[last] = value
        (folder / "config.json").write_text(json.dumps(cfg))
    return edit


def _config_text(text: str | bytes) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / "config.json").write_bytes(text.encode() if isinstance(text, str) else text)
    return write


def _weights(change: Callable[[dict[str, torch.Tensor]], None]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        state = load_file(str(folder / "model.safetensors"))
        change(state)
        save_file(state, str(folder / "model.safetensors"))
    return edit


def _first(state: dict) -> str:
    return sorted(state)[0]


def _weights_bytes(make: Callable[[Path], bytes]) -> Callable[[Path], None]:
    def write(folder: Path) -> None:
        (folder / "model.safetensors").write_bytes(make(folder))
    return write


def _pickle(folder: Path) -> bytes:
    return pickle.dumps({"generator.tail.1.weight": Unpickled(folder.parent / MARKER)})


def _torch_zip(folder: Path) -> bytes:
    buf = io.BytesIO()
    torch.save({"state_dict": Unpickled(folder.parent / MARKER)}, buf)
    return buf.getvalue()


def _header(header: dict) -> bytes:
    """A safetensors file that is only a header (whatever the header claims about the data after it)."""
    raw = json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw


def _real_keys_header(folder: Path, **tensor) -> dict:
    """The model's own header, with the first tensor's entry changed."""
    state = load_file(str(folder / "model.safetensors"))
    header, offset = {}, 0
    for k in sorted(state):
        n = state[k].numel() * 4
        header[k] = {"dtype": "F32", "shape": list(state[k].shape), "data_offsets": [offset, offset + n]}
        offset += n
    header[_first(state)].update(tensor)
    return header


def _sparse_weights(folder: Path, size: int = 600 * 1024 * 1024) -> None:
    with open(folder / "model.safetensors", "r+b") as f:
        f.truncate(size)  # sparse: nothing is written to disk


def _replace_with_folder(name: str) -> Callable[[Path], None]:
    def swap(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()
    return swap


def _remove(name: str) -> Callable[[Path], None]:
    return lambda folder: (folder / name).unlink()


def _nan(state: dict) -> None:
    state[_first(state)].view(-1)[0] = float("nan")


def _extra(state: dict) -> None:
    state["evil.extra"] = torch.zeros(1)


@dataclass(frozen=True)
class ModelCase:
    name: str
    corrupt: Callable[[Path], None]  # breaks a valid tiny model folder in place
    error: str  # regex of the one-line error
    config_only: bool = False  # refused from config.json alone: no network is ever built

    def build(self, folder: Path) -> Path:
        from tests.helpers import tiny_model

        tiny_model().save_folder(folder)
        self.corrupt(folder)
        return folder


WEIGHTS_INVALID = "not a valid safetensors file"
MODEL_CASES: list[ModelCase] = [
    # ---- weights that are not safetensors: never unpickled ---------------------------------------------
    ModelCase("pickle_as_safetensors", _weights_bytes(_pickle), "is a Python pickle, not safetensors; .*never unpickles"),
    ModelCase("torch_zip_as_safetensors", _weights_bytes(_torch_zip), "is a zip archive .*never unpickles"),
    ModelCase("garbage_weights", _weights_bytes(lambda f: b"\x00\x01not a safetensors file at all"), WEIGHTS_INVALID),
    ModelCase("empty_weights", _weights_bytes(lambda f: b""), WEIGHTS_INVALID),
    ModelCase("weights_too_large", _sparse_weights, "larger than any semstyle model"),
    ModelCase("weights_are_a_folder", _replace_with_folder("model.safetensors"), "no model.safetensors"),
    ModelCase("weights_missing", _remove("model.safetensors"), "no model.safetensors"),
    # ---- safetensors headers that lie ----------------------------------------------------------------------
    ModelCase("header_length_beyond_file", _weights_bytes(lambda f: struct.pack("<Q", 10**15) + b"{}"), WEIGHTS_INVALID),
    ModelCase("header_not_json", _weights_bytes(lambda f: struct.pack("<Q", 8) + b"not json"), WEIGHTS_INVALID),
    ModelCase("header_offsets_beyond_file",
              _weights_bytes(lambda f: _header(_real_keys_header(f, data_offsets=[0, 10**12]))), WEIGHTS_INVALID),
    ModelCase("header_huge_shape",
              _weights_bytes(lambda f: _header(_real_keys_header(f, shape=[2**31, 2**31]))), WEIGHTS_INVALID),
    # ---- safetensors that do not match the config -------------------------------------------------------------
    ModelCase("wrong_dtype_int32", _weights(lambda s: s.update({_first(s): s[_first(s)].to(torch.int32)})),
              "dtype I32.*F32, F16 or BF16"),
    ModelCase("wrong_dtype_float64", _weights(lambda s: s.update({_first(s): s[_first(s)].double()})),
              "dtype F64.*F32, F16 or BF16"),
    ModelCase("wrong_shape", _weights(lambda s: s.update({_first(s): torch.zeros(*s[_first(s)].shape, 2)})),
              "has shape .*config.json implies"),
    ModelCase("missing_key", _weights(lambda s: s.pop(_first(s))), "do not match config.json .*missing \\['"),
    ModelCase("extra_key", _weights(_extra), "do not match config.json .*unexpected \\['evil.extra'\\]"),
    ModelCase("nan_weights", _weights(_nan), "NaN or infinite values"),
    ModelCase("kind_mismatch_arbitrary_config", _cfg(kind="arbitrary"), "do not match config.json"),
    # ---- config.json ------------------------------------------------------------------------------------------
    ModelCase("config_missing", _remove("config.json"), "no config.json", config_only=True),
    ModelCase("config_is_a_folder", _replace_with_folder("config.json"), "no config.json", config_only=True),
    ModelCase("config_not_json", _config_text("{not json"), "not valid JSON", config_only=True),
    ModelCase("config_binary", _config_text(b"\xff\xfe\x00\x80" * 64), "not a text file", config_only=True),
    ModelCase("config_a_list", _config_text("[1, 2, 3]"), "must hold a JSON object", config_only=True),
    ModelCase("config_too_large", _config_text('{"x": "' + "a" * 1_100_000 + '"}'), "too large for a config",
              config_only=True),
    ModelCase("config_deeply_nested", _config_text("[" * 100_000 + "]" * 100_000), "nested too deeply",
              config_only=True),
    ModelCase("config_5000_digit_int", _config_text('{"format_version": 1, "style_size": ' + "9" * 5000 + "}"),
              "not valid JSON", config_only=True),
    ModelCase("config_infinity", _cfg(generator__channels=[float("inf"), 16]), "Infinity is not a JSON number",
              config_only=True),
    ModelCase("config_fractional_channels", _cfg(generator__channels=[16.5, 32]),
              "generator.channels must be a list of whole numbers", config_only=True),
    ModelCase("config_channels_as_string", _cfg(generator__channels="816"),
              "generator.channels must be a list of whole numbers", config_only=True),
    ModelCase("config_unknown_keys", _cfg(run_this="rm -rf /"), "unknown keys \\['run_this'\\]", config_only=True),
    ModelCase("config_unknown_generator_keys", _cfg(generator__activation="eval"), "unknown keys \\['activation'\\]",
              config_only=True),
    ModelCase("config_future_version", _cfg(format_version=99), "newer than this semstyle .*upgrade semstyle",
              config_only=True),
    ModelCase("config_old_version", _cfg(format_version=1), "older semstyle .*retrain the model",
              config_only=True),
    ModelCase("config_not_semstyle", _config_text('{"model_type": "bert", "hidden_size": 768}'),
              "no integer format_version", config_only=True),
    ModelCase("config_bad_kind", _cfg(kind="../../evil"), "kind must be one of", config_only=True),
    ModelCase("config_bool_as_int", _cfg(generator__n_res=True), "generator.n_res must be an integer",
              config_only=True),
    ModelCase("config_absurd_channels", _cfg(generator__channels=[100000, 100000]), "out of range", config_only=True),
    ModelCase("config_absurd_n_res", _cfg(generator__n_res=10**9), "out of range", config_only=True),
    ModelCase("config_absurd_style_size", _cfg(style_size=10**12), "out of range", config_only=True),
    ModelCase("config_absurd_parameter_count", _cfg(generator__channels=[1024] * 6, generator__n_res=32),
              "refusing to allocate", config_only=True),
]


# ---- strings given as a model folder or Hub repo id --------------------------------------------------------


@dataclass(frozen=True)
class RefCase:
    name: str
    ref: str
    error: str  # regex, for the Python API and the CLIs (the app never loads local folders: "unknown style")


NOT_A_REPO_ID = "not a Hub repo id"
REF_CASES: list[RefCase] = [
    RefCase("dotdot", "../../x", NOT_A_REPO_ID),
    RefCase("dotdot_deep", "../../../../../../tmp/x", NOT_A_REPO_ID),
    RefCase("user_dotdot", "user/../../x", NOT_A_REPO_ID),
    RefCase("user_dotdot_name", "user/..", NOT_A_REPO_ID),
    RefCase("dot_user", "./x", NOT_A_REPO_ID),
    RefCase("etc_folder", "/etc", "no config.json"),  # an existing folder: a local model folder, just not one
    RefCase("etc_passwd", "/etc/passwd", "is a file"),
    RefCase("absolute_missing", "/nonexistent/semstyle/model", NOT_A_REPO_ID),
    RefCase("backslashes", "..\\..\\x", NOT_A_REPO_ID),
    RefCase("user_backslash", "user\\..\\..\\x", NOT_A_REPO_ID),
    RefCase("windows_drive", "C:\\Windows\\System32", NOT_A_REPO_ID),
    RefCase("revision_dotdot", "user/name@../../x", NOT_A_REPO_ID),
    RefCase("home", "~/x", NOT_A_REPO_ID),
    RefCase("url", "https://evil.example/user/model", NOT_A_REPO_ID),
    RefCase("three_parts", "user/name/../../../x", NOT_A_REPO_ID),
    RefCase("null_byte", "user/na\x00me", NOT_A_REPO_ID),
    RefCase("newline", "user/name\nerror: fake", NOT_A_REPO_ID),
    RefCase("empty", "", NOT_A_REPO_ID),
]

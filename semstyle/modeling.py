"""The model on disk: a folder with config.json, model.safetensors and a README.md model card.

`StyleModel` uses huggingface_hub's `PyTorchModelHubMixin` for the Hub conventions (save_pretrained,
push_to_hub, card metadata) and overrides `from_pretrained` with a strict loader: the config is
validated before anything is allocated, the weights must be safetensors whose keys, shapes and dtypes
match exactly, and nothing is ever unpickled.
"""
from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import torch
import torch.nn as nn
from huggingface_hub import PyTorchModelHubMixin
from safetensors import safe_open
from safetensors.torch import save

from .config import MAX_WEIGHTS_BYTES, ConfigError, ModelConfig
from .networks import Generator, StyleEncoder

CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"
_FLOAT_DTYPES = {torch.float16, torch.bfloat16, torch.float32}


class ModelLoadError(ValueError):
    """A model folder that semstyle cannot load; the message says which file and why."""


class StyleModel(
    nn.Module,
    PyTorchModelHubMixin,
    library_name="semstyle",
    tags=["style-transfer", "gan"],
    pipeline_tag="image-to-image",
    license="mit",
    repo_url="https://github.com/semstyle/semstyle",
):
    """G plus what gives it its style: a stored code (per-style) or a style encoder (arbitrary)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        config.validate()
        self.config = config
        self.generator = Generator(config.generator)
        if config.kind == "arbitrary":
            self.style_encoder = StyleEncoder(config.generator.style_dim)
        else:
            self.style_code = nn.Parameter(torch.zeros(1, config.generator.style_dim))  # (1, style_dim)

    @property
    def is_arbitrary(self) -> bool:
        return self.config.kind == "arbitrary"

    def encode_style(self, style: torch.Tensor | None) -> torch.Tensor:
        """style (N,3,H,W) in [0,1] -> code (N, style_dim); per-style models return their stored code."""
        if self.is_arbitrary:
            if style is None:
                raise ValueError("this is an arbitrary-style model: pass a style image")
            return self.style_encoder(style)
        if style is not None:
            raise ValueError(f"this model has its style built in ({self.config.style_name or 'per-style'}); do not pass a style image")
        return self.style_code

    def forward(self, x: torch.Tensor, style: torch.Tensor | None = None, stats: torch.Tensor | None = None, logits: bool = False) -> torch.Tensor:
        """G(x, s). Training passes `stats` (N,1920), the style images' precomputed VGG statistics, and asks for `logits`."""
        code = self.style_encoder.mlp(stats) if stats is not None else self.encode_style(style)
        return self.generator(x, code, logits=logits)

    # ---- saving ---------------------------------------------------------------------------------

    def save_folder(self, folder: str | os.PathLike, fp16: bool = False) -> Path:
        """Write config.json and model.safetensors (README.md is `semstyle.card`'s job), all or nothing.

        Both files are written in full under temporary names before either is renamed into place, so a
        full disk or a crash while writing leaves the folder's previous model loadable.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically({folder / CONFIG_NAME: self.config.to_json().encode(), folder / WEIGHTS_NAME: self._weights(fp16)})
        return folder

    def _save_pretrained(self, save_directory: Path, fp16: bool = False) -> None:
        write_atomically({Path(save_directory) / WEIGHTS_NAME: self._weights(fp16)})

    def _weights(self, fp16: bool) -> bytes:
        """model.safetensors' bytes."""
        dtype = torch.float16 if fp16 else torch.float32
        state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in self.state_dict().items()}
        return save(state, metadata={"format": "pt", "semstyle_kind": self.config.kind})

    # ---- loading --------------------------------------------------------------------------------

    @classmethod
    def from_pretrained(cls, path_or_repo_id: str | os.PathLike, revision: str | None = None, **_: object) -> "StyleModel":
        """Load from a local folder or a Hub repo id ("user/name", optional "@revision"); strict."""
        from .hub import resolve_model_dir  # the Hub layer is only needed when the path is not a folder

        folder = resolve_model_dir(path_or_repo_id, revision)
        downloaded = folder != Path(path_or_repo_id).expanduser()
        return cls.from_folder(folder, shown_as=str(path_or_repo_id) if downloaded else None)

    @classmethod
    def from_folder(cls, folder: str | os.PathLike, shown_as: str | None = None) -> "StyleModel":
        """Load a model folder. Errors name it `shown_as` if given (a Hub repo id rather than its cache path)."""
        folder = Path(folder)
        try:
            config = read_config(folder)
            weights = folder / WEIGHTS_NAME
            if not weights.is_file():
                raise ModelLoadError(f"{folder}: no {WEIGHTS_NAME}; a semstyle model folder holds config.json and model.safetensors")
            model = cls(config)  # sizes were validated by read_config, so this allocation is bounded
            model.load_state_dict(read_weights(weights, model.state_dict()), strict=True)
        except ModelLoadError as e:
            if shown_as is None:
                raise
            raise ModelLoadError(str(e).replace(str(folder), shown_as)) from None
        return model.eval()


def write_atomically(files: dict[Path, bytes]) -> None:
    """Write each file in full under a temporary name (path.tmp, fsynced), then rename them all into place.

    On any error the temporary files are removed (a full disk gets its space back), every existing file
    keeps its content, and an OSError names the file it was writing.
    """
    tmps = {path: path.with_name(path.name + ".tmp") for path in files}
    try:
        for path, data in files.items():
            try:
                with open(tmps[path], "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as err:
                if err.errno is None or err.filename is not None:
                    raise
                raise OSError(err.errno, err.strerror, str(path)) from err  # write() names no file
    except BaseException:
        for tmp in tmps.values():
            tmp.unlink(missing_ok=True)
        raise
    for path, tmp in tmps.items():
        os.replace(tmp, path)


@contextlib.contextmanager
def replacing_folder(folder: Path):
    """Yield an empty folder beside `folder` to fill; when the block ends it takes `folder`'s place.

    On any error it is removed and `folder` is untouched. The old folder is renamed to folder.old and only
    then removed: a crash between the two renames leaves the previous folder whole there.
    """
    staging, old = folder.with_name(folder.name + ".tmp"), folder.with_name(folder.name + ".old")
    shutil.rmtree(staging, ignore_errors=True)  # left behind by a killed run
    staging.mkdir(parents=True)
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        os.replace(folder, old)
    os.replace(staging, folder)
    shutil.rmtree(old, ignore_errors=True)


def read_config(folder: Path) -> ModelConfig:
    path = folder / CONFIG_NAME
    if not path.is_file():
        raise ModelLoadError(f"{folder}: no {CONFIG_NAME}; is this a semstyle model folder?")
    if path.stat().st_size > 1_000_000:
        raise ModelLoadError(f"{path}: too large for a config file")
    try:
        return ModelConfig.from_json(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ModelLoadError(f"{path}: not a text file") from None
    except ConfigError as e:
        raise ModelLoadError(f"{path}: {e}") from None


def read_weights(path: Path, expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Read a safetensors file whose keys and shapes must equal `expected`'s; cast to the expected dtype."""
    if path.stat().st_size > MAX_WEIGHTS_BYTES:
        raise ModelLoadError(f"{path}: {path.stat().st_size:,} bytes is larger than any semstyle model")
    foreign = _pickle_kind(path)
    if foreign:
        raise ModelLoadError(f"{path}: is {foreign}, not safetensors; semstyle never unpickles weights (that can run code), "
                             "use a model saved by semstyle")
    try:
        with safe_open(str(path), framework="pt") as f:
            keys = set(f.keys())
            missing, unexpected = sorted(set(expected) - keys), sorted(keys - set(expected))
            if missing or unexpected:
                raise ModelLoadError(f"{path}: weights do not match config.json (missing {missing[:5]}, unexpected {unexpected[:5]})")
            for k in sorted(keys):  # check shapes and dtypes from the header before reading any data
                sl = f.get_slice(k)
                shape, want = tuple(sl.get_shape()), tuple(expected[k].shape)
                if shape != want:
                    raise ModelLoadError(f"{path}: tensor {k} has shape {list(shape)}, config.json implies {list(want)}")
                if _dtype_of(sl.get_dtype()) not in _FLOAT_DTYPES:
                    raise ModelLoadError(f"{path}: tensor {k} has dtype {sl.get_dtype()}; expected F32, F16 or BF16")
            state = {k: f.get_tensor(k).to(expected[k].dtype) for k in keys}
    except ModelLoadError:
        raise
    except Exception as e:  # safetensors raises SafetensorError / OSError for foreign or corrupt files
        raise ModelLoadError(f"{path}: not a valid safetensors file ({type(e).__name__}: {str(e)[:120]}); semstyle never unpickles weights") from None
    bad = next((k for k in sorted(state) if not torch.isfinite(state[k]).all()), None)
    if bad is not None:
        raise ModelLoadError(f"{path}: tensor {bad} holds NaN or infinite values; the weights are damaged (or come from a diverged run)")
    return state


def _pickle_kind(path: Path) -> str | None:
    """What a pickled checkpoint looks like from its first bytes (it is never unpickled to find out)."""
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"PK":
        return "a zip archive (a torch.save checkpoint?)"
    if head[:1] == b"\x80" and head[1:] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        return "a Python pickle"
    return None


def _dtype_of(name: str) -> torch.dtype | None:
    return {"F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32}.get(name)

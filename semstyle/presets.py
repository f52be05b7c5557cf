"""Style presets and the model cache behind the app.

Presets come from two places, both read lazily and without any network call:
* bundled model folders `models/<name>/` (config.json with `style_name`, model.safetensors, README.md
  and a `style.jpg` thumbnail); the folder whose config has kind "arbitrary" (normally
  `models/universal`) is not a preset but the model for user-supplied style images;
* Hub repos listed in `presets.json`: `[{"repo": "user/name[@revision]", "name": "Starry Night"}, ...]`,
  downloaded the first time they are used. A bundled preset with the same name wins (no download).

Every model is loaded once and kept (`StyleLibrary.load`); each comes with a lock, because tiled
inference freezes normalisation statistics inside the shared model (see `semstyle.tiling`).
"""
from __future__ import annotations

import json
import logging
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from .hub import HubError, parse_model_ref, resolve_model_dir
from .modeling import ModelLoadError, StyleModel, read_config
from .pipeline import StylePipeline

log = logging.getLogger(__name__)

MODELS_ENV = "SEMSTYLE_MODELS_DIR"  # overrides <root>/models
PRESETS_ENV = "SEMSTYLE_PRESETS_FILE"  # overrides <root>/presets.json
THUMBNAIL = "style.jpg"
MAX_LOADED = 16  # models kept in memory; beyond this the least recently used non-preset model is dropped


class StyleError(ValueError):
    """A style that cannot be used; the message is one line that says what to do."""


@dataclass(frozen=True)
class Preset:
    name: str  # shown under the thumbnail; the API's `style` argument accepts it
    ref: str  # a local model folder, or a Hub repo id "user/name[@revision]"
    source: str  # "bundled" | "hub"
    thumbnail: Path | None  # style.jpg, when it is on disk (bundled, or a Hub model already cached)


@dataclass
class Loaded:
    """A model ready to run. Hold `lock` for the whole of a stylisation."""

    name: str
    ref: str
    pipe: StylePipeline
    lock: threading.Lock


def _key(name: str) -> str:
    """"Starry Night", "starry_night" and "semstyle/starry-night" all name the same style."""
    return re.sub(r"[^a-z0-9]", "", name.rsplit("/", 1)[-1].split("@", 1)[0].lower())


def _label(folder: Path, style_name: str) -> str:
    """The display name: the config's style_name, prettified when it is an identifier ("starry_night")."""
    name = style_name.strip() or folder.name
    return name if " " in name else name.replace("_", " ").replace("-", " ").title()


class StyleLibrary:
    def __init__(self, models_dir: str | os.PathLike, presets_file: str | os.PathLike | None = None,
                 device: str | torch.device | None = None, dtype: torch.dtype | None = None):
        self.models_dir = Path(models_dir)
        self.presets_file = Path(presets_file) if presets_file else None
        self.device, self.dtype = device, dtype
        self._presets: list[Preset] | None = None
        self._universal: Path | None = None
        self._loaded: OrderedDict[str, Loaded] = OrderedDict()
        self._load_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, root: str | os.PathLike, **kwargs) -> "StyleLibrary":
        """models/ and presets.json under `root` (the app's folder) unless the environment says otherwise."""
        root = Path(root)
        return cls(os.environ.get(MODELS_ENV) or root / "models", os.environ.get(PRESETS_ENV) or root / "presets.json", **kwargs)

    # ---- discovery (no network) -----------------------------------------------------------------

    def presets(self) -> list[Preset]:
        with self._lock:
            if self._presets is None:
                self._presets, self._universal = self._discover()
            return list(self._presets)

    @property
    def universal(self) -> Path | None:
        """The bundled arbitrary-style model folder, if there is one."""
        self.presets()
        return self._universal

    def _discover(self) -> tuple[list[Preset], Path | None]:
        bundled, universal = [], None
        folders = sorted(p for p in self.models_dir.iterdir() if p.is_dir()) if self.models_dir.is_dir() else []
        for folder in folders:
            if not (folder / "config.json").is_file():
                continue
            try:
                config = read_config(folder)
            except ModelLoadError as e:
                log.warning("skipping bundled model: %s", e)
                continue
            if config.kind == "arbitrary":
                if universal is None or folder.name == "universal":
                    universal = folder
                continue
            thumb = folder / THUMBNAIL
            bundled.append(Preset(_label(folder, config.style_name), str(folder), "bundled", thumb if thumb.is_file() else None))
        seen = {_key(p.name) for p in bundled} | {_key(Path(p.ref).name) for p in bundled}
        hub = []
        for name, repo in self._hub_entries():
            if _key(name) in seen or _key(repo) in seen:
                continue
            seen.add(_key(name))
            hub.append(Preset(name, repo, "hub", _cached_thumbnail(repo)))
        return bundled + hub, universal

    def _hub_entries(self) -> list[tuple[str, str]]:
        if self.presets_file is None or not self.presets_file.is_file():
            return []
        try:
            entries = json.loads(self.presets_file.read_text(encoding="utf-8"))
            if not isinstance(entries, list):
                raise ValueError("expected a JSON list")
            out = []
            for entry in entries:
                repo = entry["repo"]
                parse_model_ref(repo)
                out.append((str(entry.get("name") or repo.split("/", 1)[1].split("@", 1)[0]), repo))
            return out
        except (OSError, ValueError, KeyError, TypeError, HubError) as e:
            log.warning("ignoring %s: %s (expected [{\"repo\": \"user/name\", \"name\": \"...\"}, ...])", self.presets_file, e)
            return []

    def find(self, style: str) -> str:
        """A preset name, a bundled folder name or a Hub repo id -> the ref to load. Raises StyleError."""
        style = (style or "").strip()
        if not style:
            raise StyleError("no style chosen: click a preset, or type a Hub model id such as user/name")
        presets = self.presets()
        for p in presets:
            if style == p.name or style == p.ref:
                return p.ref
        for p in presets:
            if _key(style) == _key(p.name) or (p.source == "bundled" and _key(style) == _key(Path(p.ref).name)):
                return p.ref
        try:
            parse_model_ref(style)
        except HubError:
            names = ", ".join(p.name for p in presets) or "none installed"
            raise StyleError(f"unknown style {style!r}: pick a preset ({names}) or give a Hub model id user/name[@revision]") from None
        return style

    # ---- loading (once per model) ---------------------------------------------------------------

    def load(self, ref: str | os.PathLike, progress: Callable[[float, str], None] | None = None,
             download: bool = True) -> Loaded:
        """Load a model folder or Hub repo (downloading it once); cached. Raises StyleError.

        download=False: a Hub model not loaded yet is refused instead of fetched (a live webcam frame cannot wait)."""
        ref = str(ref)
        with self._lock:
            if ref in self._loaded:
                self._loaded.move_to_end(ref)
                return self._loaded[ref]
            if not download and not Path(ref).is_dir():
                raise StyleError(f"{ref} is not loaded yet: click Check style (or Stylize once) to download it, then "
                                 f"start the webcam again")
            load_lock = self._load_locks.setdefault(ref, threading.Lock())
        with load_lock:  # two requests for the same new model: one loads, the other waits for it
            with self._lock:
                if ref in self._loaded:
                    return self._loaded[ref]
            loaded = self._load_uncached(ref, progress)
            with self._lock:
                self._loaded[ref] = loaded
                pinned = {p.ref for p in self._presets or []} | {str(self._universal)}  # presets stay loaded
                while len(self._loaded) > MAX_LOADED:
                    victim = next((k for k in self._loaded if k not in pinned), None)
                    if victim is None:
                        break
                    del self._loaded[victim]
                if self._presets is not None:  # a Hub preset now has its thumbnail on disk
                    self._presets = [_with_thumbnail(p) if p.ref == ref and p.thumbnail is None else p for p in self._presets]
        return loaded

    def preload(self) -> None:
        """Load every bundled model now (on ZeroGPU, in the main process, so request workers share them)."""
        for p in self.presets():
            if p.source == "bundled":
                self.load(p.ref)
        if self.universal is not None:
            self.load(self.universal)

    def load_universal(self) -> Loaded:
        if self.universal is None:
            raise StyleError(f"style images need the universal (arbitrary-style) model, and {self.models_dir} has none; pick a preset instead")
        return self.load(self.universal)

    def _load_uncached(self, ref: str, progress: Callable[[float, str], None] | None) -> Loaded:
        local = Path(ref)
        try:
            if local.is_dir():
                folder = local
            else:
                if progress:
                    progress(0.0, f"downloading {ref} from the Hub")
                folder = resolve_model_dir(ref)
            if progress:
                progress(0.9, f"loading {ref}")
            model = StyleModel.from_folder(folder, shown_as=None if folder is local else ref)
        except (HubError, ModelLoadError) as e:
            raise StyleError(_one_line(e, ref)) from None
        name = _label(local if local.is_dir() else Path(ref.split("@", 1)[0]), model.config.style_name)
        log.info("loaded %s (%s) from %s", name, model.config.kind, folder)
        return Loaded(name, ref, StylePipeline(model, device=self.device, dtype=self.dtype), threading.Lock())


def _one_line(err: Exception, ref: str) -> str:
    msg = " ".join(str(err).split())
    if isinstance(err, ModelLoadError) and not Path(ref).is_dir():
        return f"{ref!r} is not a usable semstyle model ({msg}); pick a semstyle model (Hub filter: semstyle)"
    return msg


def _cached_thumbnail(repo: str) -> Path | None:
    """style.jpg of a Hub preset if a previous run downloaded it (cache lookup only, no request)."""
    try:
        from huggingface_hub import try_to_load_from_cache

        repo_id, revision = parse_model_ref(repo)
        found = try_to_load_from_cache(repo_id, THUMBNAIL, revision=revision)
        return Path(found) if isinstance(found, str) else None
    except Exception:  # noqa: BLE001 - a missing thumbnail is never an error
        return None


def _with_thumbnail(p: Preset) -> Preset:
    return Preset(p.name, p.ref, p.source, _cached_thumbnail(p.ref))


def placeholder_thumbnail(name: str, side: int = 256):
    """A plain tile with the style's name, for presets whose style.jpg is not on disk yet."""
    from PIL import Image, ImageDraw

    hue = sum(map(ord, name)) % 360
    img = Image.new("HSV", (side, side), (int(hue * 255 / 360), 90, 200)).convert("RGB")
    draw = ImageDraw.Draw(img)
    draw.multiline_text((side // 2, side // 2), "\n".join(name.split()[:4]), fill="white", anchor="mm", align="center",
                        font_size=side // 9)
    return img

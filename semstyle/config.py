"""Frozen configs, stored as JSON beside the weights. Unknown keys and absurd sizes are errors."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FORMAT_VERSION = 2  # 2: G has no full-resolution conv (1 had a head and a tail at full resolution)
KINDS = ("per_style", "arbitrary")
MAX_PARAMS = 50_000_000  # refuse to allocate anything bigger than this from a config file
MAX_WEIGHTS_BYTES = 512 * 1024 * 1024  # refuse to read a weights file bigger than this (~MAX_PARAMS in fp32 and more)


class ConfigError(ValueError):
    """A config.json that semstyle cannot (or will not) build a model from."""


@dataclass(frozen=True)
class GeneratorConfig:
    channels: tuple[int, ...] = (24, 48, 96)  # widths at 1/2, 1/4, 1/8 resolution
    n_res: int = 3  # residual blocks at the lowest resolution
    style_dim: int = 64  # style code that modulates the decoder's norms

    def validate(self) -> None:
        if not (1 <= len(self.channels) <= 6) or any(not (4 <= c <= 1024) for c in self.channels):
            raise ConfigError(f"generator channels {list(self.channels)} out of range (1-6 widths, each 4-1024)")
        if not (0 <= self.n_res <= 32) or not (1 <= self.style_dim <= 4096):
            raise ConfigError(f"generator n_res={self.n_res} / style_dim={self.style_dim} out of range")
        if self.approx_params() > MAX_PARAMS:
            raise ConfigError(f"generator would have ~{self.approx_params():,} parameters (limit {MAX_PARAMS:,}); refusing to allocate")

    def approx_params(self) -> int:
        c, top = self.channels, self.channels[-1]
        convs = 9 * sum(a * b for a, b in zip(c, c[1:])) * 2 + 9 * 3 * c[0] + 9 * c[0] * 3 + self.n_res * 2 * 9 * top * top
        norms = 2 * self.style_dim * (sum(c) + 2 * self.n_res * top)
        return convs + norms

    @property
    def multiple(self) -> int:
        """Input sides are padded to a multiple of this (one factor 2 per downsampling)."""
        return 2 ** len(self.channels)


@dataclass(frozen=True)
class ModelConfig:
    kind: str = "per_style"  # "per_style": style baked into the weights; "arbitrary": style image at run time
    generator: GeneratorConfig = field(default_factory=GeneratorConfig)
    style_size: int = 256  # arbitrary models: the style image is resized to this max side before encoding
    style_name: str = ""  # human-readable name of the style (presets)
    training: dict = field(default_factory=dict)  # the run's settings, for the record and the model card
    format_version: int = FORMAT_VERSION

    def validate(self) -> None:
        if self.format_version > FORMAT_VERSION:
            raise ConfigError(f"model format version {self.format_version} is newer than this semstyle supports ({FORMAT_VERSION}); upgrade semstyle")
        if self.format_version < 1:
            raise ConfigError(f"invalid format_version {self.format_version}")
        if self.kind not in KINDS:
            raise ConfigError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if not (32 <= self.style_size <= 2048):
            raise ConfigError(f"style_size {self.style_size} out of range (32-2048)")
        self.generator.validate()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["generator"]["channels"] = list(self.generator.channels)
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, d: Any) -> "ModelConfig":
        """Strict: unknown keys, wrong types, newer format versions and absurd sizes raise ConfigError."""
        if not isinstance(d, dict):
            raise ConfigError("config.json must hold a JSON object")
        version = d.get("format_version", None)
        if not _is(version, int):
            raise ConfigError("config.json has no integer format_version; is this a semstyle model?")
        if version > FORMAT_VERSION:  # check first: a newer format may legitimately have keys we don't know
            raise ConfigError(f"model format version {version} is newer than this semstyle supports ({FORMAT_VERSION}); upgrade semstyle")
        if version < FORMAT_VERSION:
            raise ConfigError(f"model format version {version} is from an older semstyle whose generator had another layout "
                              f"(this one reads {FORMAT_VERSION}); retrain the model with train.py")
        _check_keys(cls, d, "config.json")
        g = d.get("generator", {})
        if not isinstance(g, dict):
            raise ConfigError("config.json: 'generator' must be an object")
        _check_keys(GeneratorConfig, g, "config.json generator")
        channels = g.get("channels", [])
        if not isinstance(channels, list) or not all(_is(c, int) for c in channels):
            raise ConfigError("config.json: generator.channels must be a list of whole numbers")
        try:
            gen = GeneratorConfig(**{**g, **({"channels": tuple(channels)} if "channels" in g else {})})
            cfg = cls(**{**d, "generator": gen})
        except (TypeError, ValueError) as e:
            raise ConfigError(f"config.json: {e}") from None
        for name, want in (("kind", str), ("style_size", int), ("style_name", str), ("training", dict)):
            if not _is(getattr(cfg, name), want):
                raise ConfigError(f"config.json: {name} must be {want.__name__}")
        for name in ("n_res", "style_dim"):
            if not _is(getattr(gen, name), int):
                raise ConfigError(f"config.json: generator.{name} must be an integer")
        cfg.validate()
        return cfg

    @classmethod
    def from_json(cls, text: str) -> "ModelConfig":
        try:
            d = json.loads(text, parse_constant=_no_constant)
        except json.JSONDecodeError as e:
            raise ConfigError(f"config.json is not valid JSON ({e})") from None
        except RecursionError:
            raise ConfigError("config.json is nested too deeply to be a semstyle config") from None
        except ValueError as e:  # NaN/Infinity, or an integer of thousands of digits
            raise ConfigError(f"config.json is not valid JSON ({str(e).split(':')[0]})") from None
        return cls.from_dict(d)


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _is(value: Any, kind: type) -> bool:
    """isinstance, except that JSON true/false do not count as integers."""
    return isinstance(value, kind) and not (kind is int and isinstance(value, bool))


def _check_keys(cls: type, d: dict, where: str) -> None:
    unknown = set(d) - {f.name for f in fields(cls)}
    if unknown:
        raise ConfigError(f"{where} has unknown keys {sorted(unknown)}; it was written by another tool or a newer semstyle")

"""Device and precision: the caller may choose; otherwise the fast safe default for this machine."""
from __future__ import annotations

import contextlib
import functools

import torch


@functools.lru_cache(maxsize=None)
def cpu_has_fast_bf16() -> bool:
    """True when the CPU executes bf16 natively (AVX512-BF16 or AMX), so bf16 autocast is faster than fp32.

    On CPUs without it, oneDNN emulates bf16 convolutions and they run ~10x slower than fp32
    (measured on this project's 2-core AVX2 dev machine), so autocast would be a pessimisation.
    """
    try:
        flags = open("/proc/cpuinfo").read()
    except OSError:
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def resolve_device(device: str | torch.device | None) -> torch.device:
    if device is None or device == "auto":
        return default_device()
    device = torch.device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda was asked for but no CUDA GPU is available; use --device cpu")
    return device


def default_dtype(device: torch.device) -> torch.dtype:
    """The autocast dtype for inference: fp16 on CUDA, bf16 on CPUs that run it natively, else fp32."""
    if device.type == "cuda":
        return torch.float16
    return torch.bfloat16 if cpu_has_fast_bf16() else torch.float32


def autocast(device: torch.device, dtype: torch.dtype):
    """Autocast to `dtype` on `device`, or a no-op for fp32."""
    if dtype == torch.float32:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=dtype)


def training_dtype(device: torch.device) -> torch.dtype:
    """The autocast dtype for training: as for inference, except bf16 (or fp32) instead of CUDA fp16, which
    would need a grad scaler."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    return default_dtype(device)

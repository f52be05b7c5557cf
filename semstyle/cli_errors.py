"""One place that turns expected failures into one line on stderr and exit code 2 (no traceback)."""
from __future__ import annotations

import contextlib
import errno
import sys

import torch

from .config import ConfigError
from .data import DataError
from .hub import HubError
from .images import ImageError
from .modeling import ModelLoadError


class UserError(ValueError):
    """Bad arguments: the message says what to change."""


USER_ERRORS = (UserError, ConfigError, DataError, HubError, ImageError, ModelLoadError, FileNotFoundError)


@contextlib.contextmanager
def exit_on_user_error(hint_oom: bool = False, rerun: str = "run again"):
    """`rerun` ends the disk-full message: what to do once space is freed."""
    try:
        yield
    except USER_ERRORS as e:
        _die(str(e))
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        _die(f"disk full: could not write {e.filename or 'the output'}; free some space, then {rerun}")
    except torch.OutOfMemoryError:
        _die("out of memory; try a smaller --size or --batch" if hint_oom else "out of memory; try a smaller image")
    except RuntimeError as e:
        if "out of memory" in str(e).lower() or "can't allocate memory" in str(e).lower():
            _die("out of memory; try a smaller --size or --batch" if hint_oom else "out of memory; try a smaller image")
        if "no VGG16 weights" in str(e) or str(e).startswith("--"):
            _die(str(e))
        raise
    except ValueError as e:  # our own argument checks raise ValueError with a one-line message
        _die(str(e).splitlines()[0] if str(e) else type(e).__name__)


def _die(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)

"""Hugging Face Hub layer: load a model folder by repo id, push a model folder.

Everything that can go wrong here is turned into a `HubError` with a one-line message a user can act
on. Transient failures (HTTP 429/5xx, timeouts, dropped connections) are retried with backoff
(`with_retries`), and every request has a timeout. Tokens are never logged, printed or put into
messages (messages, and the errors chained to a HubError, are scrubbed as a second line of defence,
because some library errors echo request details and a server may echo credentials).
"""
from __future__ import annotations

import itertools
import logging
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .config import MAX_WEIGHTS_BYTES

log = logging.getLogger(__name__)

# Only the files a semstyle model needs (plus its card and preview images): never pull arbitrary
# content, e.g. a pickled checkpoint someone added to the repo. Exact top-level names: a wildcard such as
# "*.png" also matches "any/folder/x.png" (fnmatch's * crosses "/"), so one repo id could fill the disk.
MODEL_FILE_PATTERNS = ["config.json", "model.safetensors", "README.md", "samples.png", "style.jpg",
                       "style_[0-9].jpg", "style_[0-9][0-9].jpg"]
# The most one model download may bring: the weight-size limit on loading plus room for a card and its images.
# Checked before anything is fetched, so a wrong repo id cannot fill the disk (a Space's included) with files
# loading would refuse.
MAX_DOWNLOAD_BYTES = MAX_WEIGHTS_BYTES + 128 * 1024 * 1024

# Owner and name follow the Hub's own rules (huggingface_hub.utils.validate_repo_id), a little
# stricter: start and end with a letter, digit or "_" (so no leading dot, no "-" at the ends), at
# most 96 characters. ".." and "--" are rejected separately below. Being strict here means a local
# path that does not exist ("../../x", "/etc/passwd", "a\\b") can never be mistaken for a repo id.
_PART = r"[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?"
_REF_RE = re.compile(rf"(?P<owner>{_PART})/(?P<name>{_PART})(?:@(?P<revision>[A-Za-z0-9._/-]{{1,128}}))?")

# Transient failures worth another attempt: the server is overloaded or the network hiccuped.
_TRANSIENT_STATUS = {429, 500, 502, 503, 504}
ATTEMPTS = 3
RETRY_BACKOFF = 1.0  # seconds before the second attempt of a Hub call; twice that before the third

# Hub tokens look like "hf_" + 30-odd letters; scrub anything of that shape from messages.
_TOKEN_RE = re.compile(r"hf_[A-Za-z0-9]{8,}")


class HubError(RuntimeError):
    """A Hub operation failed; the message is one line, says what to do, and never holds a token."""


def _bad_ref(ref: object) -> HubError:
    return HubError(f"{ref!r} is not a Hub repo id (expected user/name or user/name@revision)")


def parse_model_ref(ref: str) -> tuple[str, str | None]:
    """Split "user/name" or "user/name@revision" into (repo_id, revision or None); strict."""
    if not isinstance(ref, str):
        raise _bad_ref(ref)
    match = _REF_RE.fullmatch(ref)
    if match is None:
        raise _bad_ref(ref)
    owner, name, revision = match.group("owner", "name", "revision")
    for part in (owner, name):
        # ".." would be path traversal once the id becomes a cache folder or URL; the Hub also
        # forbids "--" (it is its cache-folder separator) and names ending in ".git".
        if ".." in part or "--" in part or part.endswith(".git"):
            raise _bad_ref(ref)
    if revision is not None and (".." in revision or revision.startswith("/") or revision.endswith("/") or "//" in revision):
        raise _bad_ref(ref)
    return f"{owner}/{name}", revision


def _scrub(text: str, token: str | None = None) -> str:
    """One line, bounded length, no token: safe to show to a user or put in a log."""
    line = _redact(" ".join(str(text).split()), token)
    return line if len(line) <= 300 else line[:297] + "..."


def _redact(text: str, token: str | None) -> str:
    if token:
        text = text.replace(token, "***")
    return _TOKEN_RE.sub("hf_***", text)


def _redact_chain(err: BaseException | None, token: str | None) -> None:
    """Tokens out of the messages of `err` and every error chained to it: a traceback prints them all, and a
    server may echo the credentials it was sent."""
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        err.args = tuple(_redact(a, token) if isinstance(a, str) else a for a in err.args)
        err = err.__cause__ or err.__context__


def _first_line(err: BaseException) -> str:
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    return lines[0] if lines else type(err).__name__


def _status_of(err: BaseException | None) -> int | None:
    """HTTP status carried by a huggingface_hub error (or its cause), if any."""
    while err is not None:
        response = getattr(err, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int):
            return status
        err = err.__cause__
    return None


def resolve_model_dir(path_or_repo_id: str | os.PathLike, revision: str | None = None) -> Path:
    """Return a local folder holding the model: the folder itself, or a Hub snapshot of the repo.

    Downloads go through `huggingface_hub.snapshot_download`, which writes each file to a temporary
    `.incomplete` file and only moves it into the snapshot once complete, so a partial download is
    never returned. With HF_HUB_OFFLINE=1 (or no network) it serves the cached snapshot.
    """
    ref = os.fspath(path_or_repo_id)
    if isinstance(ref, str) and not ref.strip():
        raise _bad_ref(ref)  # Path("") would be the current directory
    local = Path(ref).expanduser()
    if local.is_dir():
        return local
    if local.exists():
        raise HubError(f"{ref!r} is a file; pass a model folder (with config.json) or a Hub repo id")
    try:
        repo_id, ref_revision = parse_model_ref(ref)
    except HubError:
        raise HubError(
            f"{ref!r} is not an existing folder, and not a Hub repo id (expected user/name or user/name@revision)"
        ) from None
    if revision is not None and ref_revision is not None and revision != ref_revision:
        raise HubError(f"two revisions given for {repo_id!r}: {ref_revision!r} in the id and {revision!r}; pass one")
    revision = revision or ref_revision
    if revision is not None:
        # Same rules as a revision written in the id.
        parse_model_ref(f"{repo_id}@{revision}")

    folder = Path(_download(repo_id, revision))
    if not (folder / "config.json").is_file():
        raise HubError(f"'{repo_id}' is not a semstyle model (no config.json)")
    return folder


def _download(repo_id: str, revision: str | None) -> str:
    # Imported here so that importing semstyle does not import huggingface_hub (it reads HF_* env
    # variables at import time; tests and the CLI set them first).
    import httpx2
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        HFValidationError,
        IncompleteSnapshotError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    what = repo_id if revision is None else f"{repo_id}@{revision}"

    def fetch() -> str:
        _refuse_oversized(repo_id, revision, what)
        return snapshot_download(repo_id, revision=revision, allow_patterns=MODEL_FILE_PATTERNS)

    try:
        return with_retries(f"download of {what}", fetch)
    except RevisionNotFoundError as err:
        raise HubError(f"revision {revision!r} of Hub repo '{repo_id}' not found (check the branch, tag or commit sha)") from err
    except RepositoryNotFoundError as err:
        # Also raised for private/gated repos without access: the Hub does not tell them apart.
        raise HubError(f"Hub repo '{repo_id}' not found (check the id, or pass a local folder)") from err
    except IncompleteSnapshotError as err:
        raise HubError(
            f"the cached copy of '{what}' is incomplete and the Hub cannot be reached; connect and retry to finish the download"
        ) from err
    except LocalEntryNotFoundError as err:
        # snapshot_download could not reach the Hub (offline mode, no network, or an HTTP error)
        # and the cache does not hold this revision.
        status = _status_of(err.__cause__)
        if status is not None:
            raise HubError(
                f"the Hub answered HTTP {status} for '{what}'{_attempts(err)} and it is not in the local cache"
            ) from err
        if _is_transient(err):
            raise HubError(
                f"cannot download '{what}': the Hub did not answer ({type(err.__cause__).__name__}){_attempts(err)} "
                "and it is not in the local cache"
            ) from err
        raise HubError(
            f"cannot download '{what}': the Hub is not reachable (offline mode or no network) and it is not in the "
            "local cache; connect (unset HF_HUB_OFFLINE) or pre-download it while online"
        ) from err
    except HfHubHTTPError as err:
        status = _status_of(err)
        raise HubError(f"downloading '{what}' failed{_attempts(err)}: HTTP {status} ({_scrub(_first_line(err))})") from err
    except (OfflineModeIsEnabled, httpx2.TransportError, ConnectionError) as err:
        raise HubError(
            f"downloading '{what}' failed{_attempts(err)}: cannot reach the Hub ({type(err).__name__}); connect and retry"
        ) from err
    except HFValidationError as err:
        raise HubError(f"'{what}' is not a valid Hub repo id: {_scrub(_first_line(err))}") from err
    except OSError as err:
        # Disk full, permissions, a size mismatch of the downloaded file ("consistency check").
        raise HubError(f"downloading '{what}' failed: {_scrub(_first_line(err))}") from err


def _refuse_oversized(repo_id: str, revision: str | None, what: str) -> None:
    """Raise a HubError if the repo's model files add up to more than MAX_DOWNLOAD_BYTES. Where the Hub cannot
    list them (offline, no network, no such repo) this says nothing: the download then uses the cache, or says why."""
    import httpx2
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError
    from huggingface_hub.hf_api import RepoFile
    from huggingface_hub.utils import filter_repo_objects

    try:  # the top folder is enough: every model file pattern is a top-level name
        files = [f for f in HfApi().list_repo_tree(repo_id, revision=revision) if isinstance(f, RepoFile)]
    except (HfHubHTTPError, httpx2.HTTPError, OSError):
        return
    wanted = list(filter_repo_objects(files, allow_patterns=MODEL_FILE_PATTERNS, key=lambda f: f.path))
    total = sum(f.size for f in wanted)
    if total > MAX_DOWNLOAD_BYTES:
        biggest = max(wanted, key=lambda f: f.size)
        raise HubError(f"'{what}' was not downloaded: its model files come to {total / 2**20:,.1f} MiB "
                       f"(the largest, {biggest.path}, {biggest.size / 2**20:,.1f} MiB), more than any semstyle model "
                       f"({MAX_DOWNLOAD_BYTES / 2**20:,.0f} MiB at most); check the repo id")


def _is_transient(err: BaseException | None) -> bool:
    import httpx2
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, OfflineModeIsEnabled

    if isinstance(err, OfflineModeIsEnabled):
        return False  # a setting, not a hiccup: retrying cannot help
    if isinstance(err, HfHubHTTPError):
        return _status_of(err) in _TRANSIENT_STATUS
    if isinstance(err, LocalEntryNotFoundError):  # snapshot_download's wrapper around the network error
        return _is_transient(err.__cause__)
    return isinstance(err, (httpx2.TransportError, ConnectionError, TimeoutError))


T = TypeVar("T")


def with_retries(what: str, call: Callable[[], T], backoff: float | None = None, token: str | None = None) -> T:
    """call(), with transient failures (HTTP 429/5xx, timeouts, dropped connections) retried: ATTEMPTS in all,
    waiting `backoff` seconds (default RETRY_BACKOFF), then twice that, between them. Raises the last error."""
    backoff = RETRY_BACKOFF if backoff is None else backoff
    _default_timeouts()
    for attempt in itertools.count(1):
        try:
            return call()
        except Exception as err:  # noqa: BLE001 - the caller turns the last one into a HubError
            if attempt == ATTEMPTS or not _is_transient(err):
                _redact_chain(err, token)
                raise
            wait = backoff * 2 ** (attempt - 1)
            log.warning("%s: attempt %d of %d failed (%s); retrying in %.1fs", what, attempt, ATTEMPTS,
                        _push_reason(err, token), wait)
            time.sleep(wait)


def _attempts(err: BaseException) -> str:
    """What a failure message adds when `with_retries` gave up on a transient failure."""
    return f" after {ATTEMPTS} attempts (try again later)" if _is_transient(err) else ""


def _default_timeouts() -> None:
    """Give every Hub request a timeout. huggingface_hub's shared client has none, and create_repo, the upload
    calls and repo_info pass none, so a Hub that accepts the connection and then stays silent would hang a push
    or a download for ever. The value is HF_HUB_DOWNLOAD_TIMEOUT, the library's setting for such requests."""
    from huggingface_hub.utils import get_session

    session = get_session()  # recreated after a fork: install on the session in use
    hooks = session.event_hooks
    if _fill_timeout not in hooks["request"]:
        session.event_hooks = {**hooks, "request": [*hooks["request"], _fill_timeout]}


def _fill_timeout(request) -> None:
    from huggingface_hub import constants

    given = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {k: given.get(k) or constants.HF_HUB_DOWNLOAD_TIMEOUT
                                     for k in ("connect", "read", "write", "pool")}


def _push_reason(err: BaseException, token: str | None) -> str:
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    if isinstance(err, OfflineModeIsEnabled):
        return "offline mode is on (unset HF_HUB_OFFLINE to upload)"
    if isinstance(err, HfHubHTTPError):
        status = _status_of(err)
        if status in (401, 403):
            return (f"HTTP {status}, not allowed (log in with `hf auth login`, set HF_TOKEN, or pass a token "
                    "with write access to this repo)")
        if status is None:
            return _scrub(_first_line(err), token)
        detail = _scrub(err.server_message or "", token)[:120]
        return f"HTTP {status}: {detail}" if detail else f"HTTP {status}"
    if _is_transient(err):
        return f"cannot reach the Hub ({type(err).__name__})"
    return _scrub(f"{type(err).__name__}: {_first_line(err)}", token)


def push_to_hub(
    folder: str | os.PathLike,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    commit_message: str = "Upload semstyle model",
    retry_backoff: float | None = None,
) -> str:
    """Create `repo_id` if needed and upload the model folder to it; return the repo URL.

    Only the files a model needs are uploaded (MODEL_FILE_PATTERNS), and the local folder is only
    read. Transient failures are retried (`with_retries`: 3 attempts, waiting `retry_backoff`, default
    RETRY_BACKOFF, then 2x that); both steps are safe to repeat (create_repo with exist_ok, and
    unchanged files are skipped by the upload).
    `token=None` uses the usual huggingface_hub lookup (HF_TOKEN, then `hf auth login`).
    """
    from huggingface_hub import HfApi

    parsed_id, revision = parse_model_ref(repo_id)
    if revision is not None:
        raise HubError(f"push to {parsed_id!r}: give the repo id without '@{revision}' (uploads go to main)")
    repo_id = parsed_id
    folder = Path(folder)
    if not folder.is_dir():
        raise HubError(f"cannot upload {str(folder)!r}: not a folder")
    if not (folder / "config.json").is_file():
        raise HubError(f"cannot upload {str(folder)!r}: not a semstyle model folder (no config.json)")

    api = HfApi(token=token)

    def upload() -> None:
        api.create_repo(repo_id, exist_ok=True, repo_type="model", private=private)
        # Only the model's own files: never ship whatever else sits in the folder (logs, .env...).
        api.upload_folder(folder_path=folder, repo_id=repo_id, repo_type="model", commit_message=commit_message,
                          allow_patterns=MODEL_FILE_PATTERNS)

    try:
        with_retries(f"upload to {repo_id}", upload, retry_backoff, token)
    except Exception as err:  # noqa: BLE001 - every failure becomes one HubError
        raise HubError(f"upload to {repo_id} failed{_attempts(err)}: {_push_reason(err, token)}; "
                       f"the local folder {folder} is kept") from err
    return f"{api.endpoint}/{repo_id}"


def discover_models(filter: str = "semstyle", limit: int = 50) -> list[str]:
    """Repo ids of Hub models tagged `filter` (most downloaded first). One network call; HubError on failure."""
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    _default_timeouts()
    try:
        return [m.id for m in HfApi().list_models(filter=filter, sort="downloads", limit=limit)]
    except OfflineModeIsEnabled as err:
        raise HubError("cannot list Hub models: offline mode is on (unset HF_HUB_OFFLINE); type a repo id instead") from err
    except HfHubHTTPError as err:
        raise HubError(f"listing Hub models failed: HTTP {_status_of(err)}; try again later or type a repo id") from err
    except Exception as err:  # noqa: BLE001 - connection errors of every kind
        raise HubError(f"cannot list Hub models: the Hub is not reachable ({type(err).__name__}); type a repo id instead") from err

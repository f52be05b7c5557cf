"""A small Hugging Face Hub-protocol HTTP server for tests (stdlib only), and its pytest fixtures.

The real `huggingface_hub` client (2.4.0) talks plain HTTP to it: create_repo, upload_folder /
create_commit (preupload + NDJSON commit), model_info / repo_info, list_repo_tree, list_models,
hf_hub_download / snapshot_download (HEAD + GET on /resolve, with Range), list_repo_refs,
list_repo_commits. State is in memory; every commit gets a new 40-hex sha, "main" follows the latest
one, and old shas stay resolvable.

Protocol notes (huggingface_hub 2.4.0):
* With hf_xet installed, upload_folder goes through a "pipelined" uploader, but files are still
  sent according to the /preupload answer. This server answers uploadMode "regular" for every
  file, so content arrives base64-inline in the commit NDJSON and neither LFS nor Xet (CAS) is
  needed. Downloads never use Xet either: resolve responses carry no X-Xet-Hash header.
* Errors are told apart by the `X-Error-Code` header (RepoNotFound, RevisionNotFound,
  EntryNotFound), as huggingface_hub.utils._http.hf_raise_for_status reads it.
* The client retries preupload and commit itself on 429/5xx (http_backoff: 5 retries, 1-8 s
  sleeps); create_repo, model_info, tree listing and file GETs are not retried by the client.

Faults for reliability tests: `fail_next`, `hang_next`, `drop_next`, `truncate_next` (see HubServer);
each returns its `Fault`, whose `hits` and `times` show the attempts the server saw and the waits
between them. Note the client's own retries: a dropped/truncated/timed-out file GET is retried by
hf_hub_download up to 5 times with a 1 s sleep each, resuming with a Range request; an HTTP 500 on a
file GET is not, and the partial file is then deleted (never reused by a later call).
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import os
import re
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

TEST_TOKEN = "hf_dummytoken_for_tests_0123456789"
TEST_USER = "testuser"

# What a fresh repo holds on the real Hub: one initial commit with a .gitattributes.
_GITATTRIBUTES = b"""*.bin filter=lfs diff=lfs merge=lfs -text
*.pt filter=lfs diff=lfs merge=lfs -text
*.safetensors filter=lfs diff=lfs merge=lfs -text
"""
_REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
_URL_PREFIX = {"model": "", "dataset": "datasets/", "space": "spaces/"}


def _git_blob_sha(data: bytes) -> str:
    # Same oid as git (and the Hub) gives a regular file; the client compares it with its own
    # to skip unchanged files.
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_front_matter(readme: bytes) -> dict:
    """Tiny YAML subset for model cards: `key: value`, `key: [a, b]` and `key:` + `- item` lists."""
    text = readme.decode("utf-8", errors="replace").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return {}
    end = text.find("\n---", 4)
    if end < 0:
        return {}
    data: dict = {}
    current: str | None = None
    for line in text[4:end].split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = re.match(r"^\s+-\s*(.*)$", line) or re.match(r"^-\s*(.*)$", line)
        if item and current is not None:
            if not isinstance(data.get(current), list):
                data[current] = []
            data[current].append(item.group(1).strip().strip("'\""))
            continue
        kv = re.match(r"^([A-Za-z0-9_-]+):\s*(.*)$", line)
        if not kv:
            continue
        current, value = kv.group(1), kv.group(2).strip()
        if value.startswith("[") and value.endswith("]"):
            data[current] = [v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip()]
        elif value:
            data[current] = value.strip("'\"")
        else:
            data[current] = None
    return data


@dataclass
class Commit:
    sha: str
    parent: str | None
    message: str
    date: str
    tree: dict[str, str]  # path -> blob sha


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    created_at: str
    commits: dict[str, Commit] = field(default_factory=dict)  # sha -> commit, in creation order
    branches: dict[str, str] = field(default_factory=dict)  # branch name -> sha


@dataclass
class Fault:
    prefix: str
    kind: str  # "status" | "hang" | "drop" | "truncate"
    remaining: int | None  # None: until cleared
    method: str | None = None
    status: int = 500
    seconds: float = 0.0
    retry_after: float | None = None
    message: str = "injected fault"  # a "status" fault's error text (body and X-Error-Message)
    hits: int = 0
    times: list[float] = field(default_factory=list)  # time.monotonic() of each hit: the client's backoff


class ApiError(Exception):
    """An error answer, shaped like the Hub's (X-Error-Code decides the client's exception class)."""

    def __init__(self, code: str, message: str, status: int = 404, headers: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.status, self.headers = code, message, status, headers or {}


class HubServer:
    """In-memory Hub. `start()` serves on 127.0.0.1 in a background thread; `url` is the endpoint."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self._host, self._port = host, port
        self._lock = threading.RLock()
        self._repos: dict[tuple[str, str], Repo] = {}
        self._blobs: dict[str, bytes] = {}
        self._faults: list[Fault] = []
        self._counter = itertools.count(1)
        self._stop = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self.token = TEST_TOKEN
        self.user = TEST_USER
        self.cache_dir: str | None = None  # set by the `hub_server` fixture (per-test HF_HUB_CACHE)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> "HubServer":
        handler = type("BoundHubHandler", (_Handler,), {"hub": self})
        self._httpd = ThreadingHTTPServer((self._host, self._port), handler)
        self._httpd.daemon_threads = True  # a hung request must not block shutdown
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="hub-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes hanging requests
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "HubServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ helpers for tests

    def new_repo_id(self, prefix: str = "model") -> str:
        """A repo id no other test uses (the server is shared by the whole session)."""
        return f"{self.user}/{prefix}-{next(self._counter)}-{uuid.uuid4().hex[:6]}"

    def commits(self, repo_id: str, repo_type: str = "model") -> list[str]:
        """Commit shas of a repo, oldest first."""
        with self._lock:
            return list(self._repo(repo_type, repo_id).commits)

    def head(self, repo_id: str, branch: str = "main", repo_type: str = "model") -> str:
        with self._lock:
            return self._repo(repo_type, repo_id).branches[branch]

    def files(self, repo_id: str, revision: str = "main", repo_type: str = "model") -> dict[str, bytes]:
        """Content of the repo at a revision, as the server stores it."""
        with self._lock:
            repo = self._repo(repo_type, repo_id)
            commit = self._commit(repo, revision)
            return {path: self._blobs[oid] for path, oid in commit.tree.items()}

    def seed_repo(self, repo_id: str, files: dict[str, bytes], *, message: str = "seed",
                  repo_type: str = "model", private: bool = False) -> str:
        """Create (if needed) and commit files straight into storage, without HTTP; returns the sha."""
        with self._lock:
            key = (repo_type, repo_id)
            if key not in self._repos:
                self._create(repo_type, repo_id, private)
            ops = [{"key": "file", "value": {"path": p, "content": base64.b64encode(c).decode(), "encoding": "base64"}}
                   for p, c in files.items()]
            return self._apply_commit(self._repos[key], "main", message, ops, parent=None)

    @contextlib.contextmanager
    def offline(self, offline: bool = True):
        """The client behaves as with HF_HUB_OFFLINE=1 inside the block: no request leaves, cache only."""
        from huggingface_hub import constants

        old_flag, old_env = constants.HF_HUB_OFFLINE, os.environ.get("HF_HUB_OFFLINE")
        constants.HF_HUB_OFFLINE = offline
        os.environ["HF_HUB_OFFLINE"] = "1" if offline else "0"
        try:
            yield self
        finally:
            constants.HF_HUB_OFFLINE = old_flag
            if old_env is None:
                os.environ.pop("HF_HUB_OFFLINE", None)
            else:
                os.environ["HF_HUB_OFFLINE"] = old_env

    # faults ----------------------------------------------------------------

    def fail_next(self, prefix: str, times: int | None = 1, *, status: int = 500,
                  method: str | None = None, retry_after: float | None = None, message: str = "injected fault") -> Fault:
        """The next `times` requests whose path starts with `prefix` get `status` (None: all of them).

        `retry_after` adds a Retry-After header; huggingface_hub's http_backoff then sleeps
        retry_after + 1 s instead of its 1, 2, 4, 8 s schedule. `message` is the error text the
        server sends back (e.g. one that echoes a token, as a careless proxy might).
        """
        return self._add_fault(Fault(prefix, "status", times, method, status=status, retry_after=retry_after,
                                     message=message))

    def hang_next(self, prefix: str, seconds: float, times: int | None = 1, *, method: str | None = None) -> Fault:
        """The next matching requests wait `seconds` before being answered normally."""
        return self._add_fault(Fault(prefix, "hang", times, method, seconds=seconds))

    def drop_next(self, prefix: str, times: int | None = 1, *, method: str | None = None) -> Fault:
        """The next matching requests get their connection closed without any response."""
        return self._add_fault(Fault(prefix, "drop", times, method))

    def truncate_next(self, prefix: str, times: int | None = 1, *, method: str | None = "GET") -> Fault:
        """The next matching responses announce their full length but send only half the body, then close."""
        return self._add_fault(Fault(prefix, "truncate", times, method))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if path.startswith(fault.prefix) and fault.method in (None, method):
                    fault.hits += 1
                    fault.times.append(time.monotonic())
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # ------------------------------------------------------------------ storage

    def _repo(self, repo_type: str, repo_id: str, *, authed: bool = True) -> Repo:
        repo = self._repos.get((repo_type, repo_id))
        if repo is None or (repo.private and not authed):
            raise ApiError("RepoNotFound", "Repository not found")
        return repo

    def _commit(self, repo: Repo, revision: str) -> Commit:
        sha = repo.branches.get(revision)
        if sha is None and revision.startswith("refs/heads/"):
            sha = repo.branches.get(revision[len("refs/heads/"):])
        if sha is None and re.fullmatch(r"[0-9a-f]{40}", revision) and revision in repo.commits:
            sha = revision
        if sha is None:
            raise ApiError("RevisionNotFound", "Invalid rev id: " + revision)
        return repo.commits[sha]

    def _create(self, repo_type: str, repo_id: str, private: bool) -> Repo:
        repo = Repo(repo_type, repo_id, private, _now())
        self._repos[(repo_type, repo_id)] = repo
        self._apply_commit(repo, "main", "initial commit", [
            {"key": "file", "value": {"path": ".gitattributes", "encoding": "base64",
                                      "content": base64.b64encode(_GITATTRIBUTES).decode()}}], parent=None)
        return repo

    def _apply_commit(self, repo: Repo, branch: str, message: str, ops: list[dict], parent: str | None) -> str:
        head = repo.branches.get(branch)
        if head is None and repo.commits:
            raise ApiError("RevisionNotFound", "Invalid rev id: " + branch)
        if parent is not None and parent != head:
            raise ApiError("", "A commit has happened since. Please refresh and try again.", status=412)
        tree = dict(repo.commits[head].tree) if head else {}
        for op in ops:
            key, value = op.get("key"), op.get("value") or {}
            path = value.get("path", "")
            if key == "file":
                data = base64.b64decode(value["content"]) if value.get("encoding") == "base64" \
                    else value["content"].encode()
                oid = _git_blob_sha(data)
                self._blobs[oid] = data
                tree[path] = oid
            elif key == "deletedFile":
                if path not in tree:
                    raise ApiError("EntryNotFound", f"A file with this name doesn't exist: {path}")
                del tree[path]
            elif key == "deletedFolder":
                prefix = path.rstrip("/") + "/"
                for p in [p for p in tree if p.startswith(prefix)]:
                    del tree[p]
            else:
                # lfsFile never comes: /preupload always answers "regular".
                raise ApiError("", f"unsupported commit operation {key!r}", status=422)
        seed = f"{repo.repo_id}\0{head}\0{message}\0{sorted(tree.items())}\0{uuid.uuid4()}"
        sha = hashlib.sha1(seed.encode()).hexdigest()
        repo.commits[sha] = Commit(sha, head, message, _now(), tree)
        repo.branches[branch] = sha
        return sha

    def _card(self, repo: Repo, commit: Commit) -> dict:
        oid = commit.tree.get("README.md")
        return parse_front_matter(self._blobs[oid]) if oid else {}

    def _info(self, repo: Repo, commit: Commit, *, siblings: bool = True) -> dict:
        card = self._card(repo, commit)
        library = card.get("library_name")
        tags = list(card.get("tags") or [])
        if library and library not in tags:
            tags.insert(0, library)  # the Hub lists the library among the tags too
        info = {
            "_id": hashlib.sha1(repo.repo_id.encode()).hexdigest()[:24],
            "id": repo.repo_id,
            "modelId": repo.repo_id,
            "author": repo.repo_id.split("/")[0],
            "sha": commit.sha,
            "lastModified": commit.date,
            "createdAt": repo.created_at,
            "private": repo.private,
            "disabled": False,
            "gated": False,
            "downloads": 0,
            "likes": 0,
            "tags": tags,
            "library_name": library,
            "pipeline_tag": card.get("pipeline_tag"),
            "cardData": card or None,
        }
        if siblings:
            info["siblings"] = [{"rfilename": p} for p in sorted(commit.tree)]
        return info


class _Handler(BaseHTTPRequestHandler):
    hub: HubServer  # set on the per-server subclass
    protocol_version = "HTTP/1.1"  # keep-alive, like the real Hub
    server_version = "semstyle-test-hub/1"

    def log_message(self, *args) -> None:  # quiet test output
        pass

    # entry points ------------------------------------------------------------

    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("HEAD")

    def do_POST(self):
        self._dispatch("POST")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        hub = self.hub
        split = urlsplit(self.path)
        path, query = split.path, parse_qs(split.query)
        with hub._lock:
            hub.requests.append((method, path))
        body = self._read_body()
        fault = hub._take_fault(method, path)
        self._truncate = fault is not None and fault.kind == "truncate"
        try:
            if fault is not None and fault.kind == "drop":
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault is not None and fault.kind == "hang":
                if hub._stop.wait(fault.seconds):
                    return
            if fault is not None and fault.kind == "status":
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                self._json(fault.status, {"error": fault.message}, headers=headers)
                return
            try:
                self._route(method, path, query, body)
            except ApiError as err:
                headers = {"X-Error-Message": err.message, **err.headers}
                if err.code:
                    headers["X-Error-Code"] = err.code
                self._json(err.status, {"error": err.message}, headers=headers)
            except Exception as err:  # a server bug must show up as a 500, not a hung client
                self._json(500, {"error": f"test hub server error: {type(err).__name__}: {err}"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            return self.rfile.read(length)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        return b""

    @property
    def _authed(self) -> bool:
        auth = self.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and len(auth) > len("Bearer ")

    # routing -------------------------------------------------------------------

    def _route(self, method: str, path: str, query: dict, body: bytes) -> None:
        hub = self.hub
        parts = [unquote(p) for p in path.split("/")[1:]]
        if parts and parts[-1] == "" and len(parts) > 1:
            parts = parts[:-1]

        if parts[:1] == ["api"]:
            rest = parts[1:]
            if rest == ["whoami-v2"] and method == "GET":
                return self._whoami()
            if rest == ["validate-yaml"] and method == "POST":
                return self._json(200, {"errors": [], "warnings": []})
            if rest == ["repos", "create"] and method == "POST":
                return self._create_repo(json.loads(body or b"{}"))
            if rest == ["repos", "delete"] and method == "DELETE":
                return self._delete_repo(json.loads(body or b"{}"))
            if rest[:1] == ["models"] and len(rest) == 1 and method == "GET":
                return self._list_models(query)
            if len(rest) >= 3 and rest[0] in _REPO_TYPES:
                repo_type, repo_id, tail = _REPO_TYPES[rest[0]], f"{rest[1]}/{rest[2]}", rest[3:]
                with hub._lock:
                    repo = hub._repo(repo_type, repo_id, authed=self._authed)
                    return self._repo_api(method, repo, tail, query, body)
            raise ApiError("", f"no route for {method} {path}", status=404)

        # File download: /[datasets/|spaces/]{owner}/{name}/resolve/{revision}/{path...}
        repo_type = "model"
        if parts and parts[0] in ("datasets", "spaces"):
            repo_type, parts = _REPO_TYPES[parts[0]], parts[1:]
        if len(parts) >= 5 and parts[2] == "resolve" and method in ("GET", "HEAD"):
            with hub._lock:
                repo = hub._repo(repo_type, f"{parts[0]}/{parts[1]}", authed=self._authed)
                commit = hub._commit(repo, parts[3])
                filename = "/".join(parts[4:])
                oid = commit.tree.get(filename)
                if oid is None:
                    raise ApiError("EntryNotFound", "Entry not found", headers={"X-Repo-Commit": commit.sha})
                data = hub._blobs[oid]
            return self._send_file(method, data, oid, commit.sha)
        raise ApiError("", f"no route for {method} {path}", status=404)

    def _repo_api(self, method: str, repo: Repo, tail: list[str], query: dict, body: bytes) -> None:
        hub = self.hub
        if method == "GET" and not tail:
            return self._json(200, hub._info(repo, hub._commit(repo, "main")))
        if method == "GET" and tail[0] == "revision" and len(tail) == 2:
            return self._json(200, hub._info(repo, hub._commit(repo, tail[1])))
        if method == "GET" and tail[0] == "tree" and len(tail) >= 2:
            commit = hub._commit(repo, tail[1])
            return self._tree(commit, "/".join(tail[2:]), query)
        if method == "GET" and tail == ["refs"]:
            branches = [{"name": b, "ref": f"refs/heads/{b}", "targetCommit": s} for b, s in repo.branches.items()]
            return self._json(200, {"branches": branches, "converts": [], "tags": []})
        if method == "GET" and tail[0] == "commits" and len(tail) == 2:
            commit, history = hub._commit(repo, tail[1]), []
            while commit is not None:
                history.append({"id": commit.sha, "title": commit.message, "message": "", "authors": [
                    {"user": hub.user}], "date": commit.date})
                commit = repo.commits.get(commit.parent) if commit.parent else None
            return self._json(200, history)
        if method == "POST" and tail[0] == "preupload" and len(tail) == 2:
            self._require_auth()
            commit = hub._commit(repo, tail[1])
            files = json.loads(body or b"{}").get("files", [])
            return self._json(200, {"files": [
                {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": commit.tree.get(f["path"])}
                for f in files]})
        if method == "POST" and tail[0] == "commit" and len(tail) == 2:
            self._require_auth()
            lines = [json.loads(line) for line in body.splitlines() if line.strip()]
            header = next((ln["value"] for ln in lines if ln.get("key") == "header"), {})
            ops = [ln for ln in lines if ln.get("key") != "header"]
            sha = hub._apply_commit(repo, tail[1], header.get("summary") or "commit", ops,
                                    parent=header.get("parentCommit"))
            url = f"{hub.url}/{_URL_PREFIX[repo.repo_type]}{repo.repo_id}/commit/{sha}"
            return self._json(200, {"success": True, "commitOid": sha, "commitUrl": url, "pullRequestUrl": None})
        raise ApiError("", f"no route for {method} {self.path}", status=404)

    # endpoints -------------------------------------------------------------------

    def _require_auth(self) -> None:
        if not self._authed:
            raise ApiError("", "Invalid credentials in Authorization header", status=401)

    def _whoami(self) -> None:
        self._require_auth()
        self._json(200, {"type": "user", "name": self.hub.user, "fullname": "Test User", "orgs": [],
                         "auth": {"type": "access_token", "accessToken": {"displayName": "test", "role": "write"}}})

    def _create_repo(self, payload: dict) -> None:
        self._require_auth()
        hub = self.hub
        repo_type = payload.get("type") or "model"
        name, org = payload.get("name", ""), payload.get("organization") or hub.user
        repo_id = f"{org}/{name}"
        url = f"{hub.url}/{_URL_PREFIX.get(repo_type, '')}{repo_id}"
        private = bool(payload.get("private")) or payload.get("visibility") == "private"
        with hub._lock:
            if (repo_type, repo_id) in hub._repos:
                return self._json(409, {"error": f"You already created this {repo_type} repo", "url": url},
                                  headers={"X-Error-Message": f"You already created this {repo_type} repo"})
            hub._create(repo_type, repo_id, private)
        self._json(200, {"url": url, "name": repo_id, "id": hashlib.sha1(repo_id.encode()).hexdigest()[:24]})

    def _delete_repo(self, payload: dict) -> None:
        self._require_auth()
        hub = self.hub
        key = (payload.get("type") or "model", f"{payload.get('organization') or hub.user}/{payload.get('name')}")
        with hub._lock:
            if key not in hub._repos:
                raise ApiError("RepoNotFound", "Repository not found")
            del hub._repos[key]
        self._json(200, {})

    def _list_models(self, query: dict) -> None:
        hub = self.hub
        filters = query.get("filter", [])
        library = (query.get("library") or [None])[0]
        author = (query.get("author") or [None])[0]
        search = (query.get("search") or [None])[0]
        full = (query.get("full") or ["false"])[0].lower() in ("1", "true")
        limit = int((query.get("limit") or ["1000"])[0])
        out = []
        with hub._lock:
            for (repo_type, repo_id), repo in sorted(hub._repos.items()):
                if repo_type != "model" or (repo.private and not self._authed):
                    continue
                info = hub._info(repo, repo.commits[repo.branches["main"]], siblings=full)
                if library and info["library_name"] != library:
                    continue
                if author and info["author"] != author:
                    continue
                if search and search.lower() not in repo_id.lower():
                    continue
                if any(f not in info["tags"] for f in filters):
                    continue
                out.append(info)
        self._json(200, out[:limit])

    def _tree(self, commit: Commit, base: str, query: dict) -> None:
        recursive = (query.get("recursive") or ["false"])[0].lower() in ("1", "true")
        base = base.strip("/")
        prefix = base + "/" if base else ""
        if base and base in commit.tree:
            raise ApiError("EntryNotFound", f"{base} is a file, not a folder")
        if base and not any(p.startswith(prefix) for p in commit.tree):
            raise ApiError("EntryNotFound", f"Path {base} not found in tree")
        entries, folders = [], set()
        for path in sorted(commit.tree):
            if not path.startswith(prefix):
                continue
            rel = path[len(prefix):]
            dirs = rel.split("/")[:-1]
            for i in range(1, len(dirs) + 1 if recursive else min(1, len(dirs)) + 1):
                folders.add(prefix + "/".join(dirs[:i]))
            if recursive or not dirs:
                oid = commit.tree[path]
                entries.append({"type": "file", "oid": oid, "size": len(self.hub._blobs[oid]), "path": path})
        for folder in sorted(folders):
            oid = hashlib.sha1(("tree\0" + commit.sha + folder).encode()).hexdigest()
            entries.append({"type": "directory", "oid": oid, "size": 0, "path": folder})
        self._json(200, entries)

    def _send_file(self, method: str, data: bytes, oid: str, commit_sha: str) -> None:
        headers = {"X-Repo-Commit": commit_sha, "ETag": f'"{oid}"', "Accept-Ranges": "bytes",
                   "Content-Type": "application/octet-stream"}
        status, start, end = 200, 0, len(data)
        match = re.fullmatch(r"bytes=(\d*)-(\d*)", self.headers.get("Range", "").strip())
        if match and method == "GET" and (match.group(1) or match.group(2)):
            if match.group(1):
                start = int(match.group(1))
                end = min(int(match.group(2)) + 1, len(data)) if match.group(2) else len(data)
            else:  # suffix range: the last N bytes
                start = max(len(data) - int(match.group(2)), 0)
            if start >= len(data) and len(data) > 0:
                return self._raw(416, b"", {"Content-Range": f"bytes */{len(data)}", **headers}, method)
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end - 1}/{len(data)}"
        self._raw(status, data[start:end], headers, method)

    # responses ---------------------------------------------------------------------

    def _json(self, status: int, payload, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        self._raw(status, data, {"Content-Type": "application/json", **(headers or {})}, self.command)

    def _raw(self, status: int, data: bytes, headers: dict, method: str) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if method != "HEAD" and self._truncate:
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
        elif method != "HEAD":
            self.wfile.write(data)


# ---------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def hub_server_process():
    """The server itself, shared by the whole test session (repos never collide: new_repo_id)."""
    with HubServer() as server:
        yield server


@pytest.fixture
def hub_server(hub_server_process, monkeypatch, tmp_path):
    """A running local Hub that the real huggingface_hub client talks to, for one test.

    huggingface_hub reads HF_ENDPOINT, HF_HUB_OFFLINE and the cache paths into
    `huggingface_hub.constants` at import time (tests/conftest.py sets offline + a dead endpoint), so
    the values the client actually uses are patched here, not only the environment. Each test gets
    its own HF_HOME / HF_HUB_CACHE under tmp_path and HF_TOKEN=TEST_TOKEN. Faults are cleared, and
    semstyle's waits between retried Hub calls (semstyle.hub.RETRY_BACKOFF) are cut to 0.05 s.

        def test_x(hub_server, tmp_path):
            repo_id = hub_server.new_repo_id()
            push_to_hub(folder, repo_id)          # token comes from HF_TOKEN
            assert resolve_model_dir(repo_id) ...
            with hub_server.offline(): ...       # HF_HUB_OFFLINE=1 semantics, cache only
    """
    from huggingface_hub import constants, hf_api
    from huggingface_hub.utils import _cache_manager

    server = hub_server_process
    server.clear_faults()
    with server._lock:
        server.requests.clear()  # request log per test
    url = server.url
    hf_home = tmp_path / "hf_home"
    cache = hf_home / "hub"
    cache.mkdir(parents=True)

    env = {
        "HF_ENDPOINT": url,
        "HF_HUB_OFFLINE": "0",
        "HF_HOME": str(hf_home),
        "HF_HUB_CACHE": str(cache),
        "HF_XET_CACHE": str(hf_home / "xet"),
        "HF_TOKEN": server.token,
        "HF_TOKEN_PATH": str(hf_home / "token"),
    }
    for key, value in env.items():  # for subprocesses (e.g. a CLI run) that import huggingface_hub afresh
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("HUGGING_FACE_HUB_TOKEN", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)

    patches = {
        "ENDPOINT": url,
        "HUGGINGFACE_CO_URL_TEMPLATE": url + "/{repo_id}/resolve/{revision}/{filename}",
        "HF_URL_HOSTS": constants.HF_URL_HOSTS | {"127.0.0.1"},
        "HF_HUB_OFFLINE": False,
        "HF_HOME": str(hf_home),
        "HF_HUB_CACHE": str(cache),
        "HUGGINGFACE_HUB_CACHE": str(cache),
        "HF_ASSETS_CACHE": str(hf_home / "assets"),
        "HUGGINGFACE_ASSETS_CACHE": str(hf_home / "assets"),
        "HF_XET_CACHE": str(hf_home / "xet"),
        "HF_TOKEN_PATH": str(hf_home / "token"),
        "HF_STORED_TOKENS_PATH": str(hf_home / "stored_tokens"),
        "AGENT_HARNESSES_PATH": str(hf_home / ".agent_harnesses.json"),
    }
    for name, value in patches.items():
        monkeypatch.setattr(constants, name, value)
    # Module-level copies taken at import time: the default HfApi behind huggingface_hub.create_repo,
    # upload_folder, model_info, ... and the cache scanner's default path.
    monkeypatch.setattr(hf_api.api, "endpoint", url)
    monkeypatch.setattr(_cache_manager, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr("semstyle.hub.RETRY_BACKOFF", 0.05)

    server.cache_dir = str(cache)
    yield server
    server.clear_faults()
    server.cache_dir = None


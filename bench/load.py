"""Load test of the demo app: N concurrent /stylize calls through gradio_client; latency, throughput, peak RSS.

    python -m bench.load                # starts `python app.py` on 127.0.0.1 with the bundled presets
    python -m bench.load --requests 100 --out bench/results/load.json

Each request is a new gradio_client Client (a separate user) sending a 256² or 512² photo crop with one of
the presets, all released at once. Every request must come back with a result, or be refused because the
queue is full (Gradio answers 503; gradio_client says "Queue is full! Please try again.", the browser "This
application is currently busy. Please try again."), within --timeout seconds. The server's resident memory
(the app process and any children, from /proc) is sampled every 50 ms. Results go to a JSON file.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image

from bench.config import DEFAULT_OUT, ROOT

SIZES = (256, 512)  # content sides, alternating
MAX_SIDE = 512  # the request's output max side: no downscale of either size


@dataclass
class Outcome:
    status: str  # "ok" | "refused" (queue full) | "error" | "hung" (no answer within the timeout)
    seconds: float  # submit to answer
    size: int
    preset: str
    message: str = ""


@dataclass
class LoadResult:
    requests: int
    ok: int
    refused: int
    errors: int
    hung: int
    p50_s: float | None  # latency of the successful requests, submit to result
    p95_s: float | None
    throughput_rps: float  # successful requests per second of wall time
    wall_s: float
    idle_rss_mb: float | None  # the server process tree before the load; None when it is not ours (--url)
    peak_rss_mb: float | None  # during the load
    timeout_s: float
    cpus: int  # this machine's, shared by the server and the clients
    load_average: float  # 1-minute load average when the load ended: other work on the machine shows here
    sizes: list[int]
    presets: list[str]
    refusals: list[str] = field(default_factory=list)  # distinct messages
    failures: list[str] = field(default_factory=list)  # distinct messages of errors and hangs


# ---- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(log: Path) -> tuple[subprocess.Popen, str]:
    """`python app.py` on 127.0.0.1, as a user would run it; returns (process, url) once it answers HTTP."""
    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_TEMP_DIR": str(log.parent / "gradio")}  # the results, beside the log
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with code {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.25)
    stop(proc)
    raise RuntimeError(f"app.py did not answer on port {port} within 180 s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants, MB (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            total += next(int(ln.split()[1]) for ln in open(f"/proc/{p}/status") if ln.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{p}/task"):
                todo += [int(c) for c in open(f"/proc/{p}/task/{task}/children").read().split()]
        except (OSError, StopIteration):  # exited meanwhile
            continue
    return total / 1024


class PeakRss:
    """Samples tree_rss_mb(pid) every `every` seconds in a thread while in the `with` block; `.peak` is the maximum."""

    def __init__(self, pid: int, every: float = 0.05):
        self.pid, self.every, self.peak = pid, every, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss_mb(self.pid))
            self._done.wait(self.every)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()


# ---- the clients ----------------------------------------------------------------------------------


def make_contents(folder: Path) -> dict[int, Path]:
    """Square centre crops of an example photo, one per size in SIZES."""
    folder.mkdir(parents=True, exist_ok=True)
    photo = Image.open(ROOT / "examples" / "photo_dogs.jpg").convert("RGB")
    side = min(photo.size)
    square = photo.crop(((photo.width - side) // 2, (photo.height - side) // 2, (photo.width + side) // 2, (photo.height + side) // 2))
    paths = {}
    for size in SIZES:
        paths[size] = folder / f"content_{size}.jpg"
        square.resize((size, size), Image.Resampling.LANCZOS).save(paths[size], quality=92)
    return paths


def one_request(url: str, content: Path, size: int, preset: str, start: threading.Barrier, timeout: float,
                downloads: str) -> Outcome:
    from gradio_client import Client, handle_file
    from gradio_client.utils import QueueError  # the queue is full: Gradio answered 503

    try:
        client = Client(url, verbose=False, download_files=downloads)
    except BaseException:
        start.abort()  # release the others: this run is void
        raise
    start.wait()  # every client connected: release the requests together
    t0 = time.monotonic()
    try:
        job = client.submit(handle_file(str(content)), preset, 1.0, MAX_SIDE, False, api_name="/stylize")
        job.result(timeout=timeout)
        return Outcome("ok", time.monotonic() - t0, size, preset)
    except TimeoutError:
        return Outcome("hung", time.monotonic() - t0, size, preset, f"no answer within {timeout:.0f} s")
    except Exception as err:  # noqa: BLE001 - every outcome is recorded
        status = "refused" if isinstance(err, QueueError) else "error"
        return Outcome(status, time.monotonic() - t0, size, preset, f"{type(err).__name__}: {err}")
    finally:
        client.close()


def run_load(url: str, n: int, timeout: float, pid: int | None = None) -> LoadResult:
    """n concurrent /stylize requests (sizes alternate, presets cycle) against the app at `url`."""
    from gradio_client import Client

    with tempfile.TemporaryDirectory() as tmp:
        contents = make_contents(Path(tmp) / "contents")
        client = Client(url, verbose=False)
        presets = [p["name"] for p in client.predict(api_name="/list_styles")["presets"]]
        client.close()
        jobs = [(SIZES[i % len(SIZES)], presets[i % len(presets)]) for i in range(n)]
        start = threading.Barrier(n, timeout=timeout)
        idle = tree_rss_mb(pid) if pid is not None else None
        rss = PeakRss(pid) if pid is not None else contextlib.nullcontext()
        with ThreadPoolExecutor(n) as pool, rss:
            futures = [pool.submit(one_request, url, contents[size], size, preset, start, timeout, tmp)
                       for size, preset in jobs]
            outcomes = [f.result() for f in futures]
    return summarize(outcomes, timeout, presets, idle, getattr(rss, "peak", None))


def summarize(outcomes: list[Outcome], timeout: float, presets: list[str], idle_rss_mb: float | None,
              peak_rss_mb: float | None) -> LoadResult:
    count = {s: sum(o.status == s for o in outcomes) for s in ("ok", "refused", "error", "hung")}
    ok = sorted(o.seconds for o in outcomes if o.status == "ok")
    wall = max(o.seconds for o in outcomes)  # all were released together
    p50, p95 = (statistics.quantiles(ok, n=100, method="inclusive")[i] for i in (49, 94)) if len(ok) > 1 else (None, None)
    return LoadResult(
        requests=len(outcomes), ok=count["ok"], refused=count["refused"], errors=count["error"], hung=count["hung"],
        p50_s=p50, p95_s=p95, throughput_rps=len(ok) / wall, wall_s=wall, idle_rss_mb=idle_rss_mb,
        peak_rss_mb=peak_rss_mb, timeout_s=timeout, cpus=os.cpu_count() or 0, load_average=os.getloadavg()[0],
        sizes=list(SIZES), presets=presets,
        refusals=sorted({o.message for o in outcomes if o.status == "refused"}),
        failures=sorted({o.message for o in outcomes if o.status in ("error", "hung")}),
    )


def serve_and_load(n: int, timeout: float, log: Path) -> LoadResult:
    """Start app.py, run the load against it, stop it."""
    proc, url = start_app(log)
    try:
        return run_load(url, n, timeout, pid=proc.pid)
    finally:
        stop(proc)


def report(result: LoadResult) -> str:
    ms = lambda s: "-" if s is None else f"{1000 * s:.0f} ms"  # noqa: E731
    rss = "-" if result.peak_rss_mb is None else f"{result.peak_rss_mb:.0f} MB (idle {result.idle_rss_mb:.0f} MB)"
    return (f"{result.requests} concurrent /stylize requests ({'/'.join(f'{s}²' for s in result.sizes)}, "
            f"{len(result.presets)} presets): {result.ok} ok, {result.refused} refused (queue full), "
            f"{result.errors} errors, {result.hung} hung (>{result.timeout_s:.0f} s); "
            f"p50 {ms(result.p50_s)}, p95 {ms(result.p95_s)}, {result.throughput_rps:.2f} req/s over {result.wall_s:.1f} s; "
            f"server peak RSS {rss}; {result.cpus} CPUs, load average {result.load_average:.1f}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=50, help="concurrent requests")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds a request may take before it counts as hung")
    p.add_argument("--url", default=None, help="an app already running (default: start python app.py; no RSS then)")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT / "load.json", help="JSON results")
    a = p.parse_args(argv)
    if a.url:
        result = run_load(a.url, a.requests, a.timeout)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result = serve_and_load(a.requests, a.timeout, Path(tmp) / "app.log")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(asdict(result), indent=2) + "\n")
    print(report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

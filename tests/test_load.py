"""Load: the real app (`python app.py`, the bundled presets) under 50 concurrent gradio_client requests.

bench/load.py does the work (`python -m bench.load` regenerates bench/results/load.json); here its
figures are checked: every request succeeds or is refused with a clear "try again" (queue full), none
hangs, and the server's memory stays bounded.
"""
import json

from bench.load import main

REQUESTS = 50
TIMEOUT_S = 120  # a request that takes longer counts as hung
QUEUE = 32  # app.py: demo.queue(max_size=32); the first 32 to arrive always fit
BUNDLED_PRESETS = 8  # models/*: every per-style model (the universal one is not a preset)
RSS_LIMIT_MB = 2000  # measured: ~360 MB idle, 680-920 MB peak (2 CPU cores, all 8 presets loaded)


def test_concurrent_requests_succeed_or_are_refused_clearly_with_bounded_memory(tmp_path, capsys, monkeypatch):
    for name in ("SEMSTYLE_MODELS_DIR", "SEMSTYLE_PRESETS_FILE"):  # the app fixture's tiny models: not here
        monkeypatch.delenv(name, raising=False)
    assert main(["--requests", str(REQUESTS), "--timeout", str(TIMEOUT_S), "--out", str(tmp_path / "load.json")]) == 0
    r = json.loads((tmp_path / "load.json").read_text())
    with capsys.disabled():
        print("\n" + capsys.readouterr().out.strip())

    assert len(r["presets"]) == BUNDLED_PRESETS
    assert r["errors"] == r["hung"] == 0, r["failures"]
    assert r["ok"] + r["refused"] == REQUESTS and r["ok"] >= QUEUE
    assert all("try again" in m.lower() for m in r["refusals"]), r["refusals"]
    assert r["p95_s"] < TIMEOUT_S
    assert r["peak_rss_mb"] < RSS_LIMIT_MB, r["peak_rss_mb"]

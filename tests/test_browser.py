"""The demo in a real browser: Debian's chromium driven by playwright, with a fake camera.

Skipped when /usr/bin/chromium or the playwright package is missing (`apt-get install -y chromium`).
Screenshots of every step are saved under the test's tmp_path.
"""
from __future__ import annotations

import io
import os
import re
import shutil

import numpy as np
import pytest
from PIL import Image

from semstyle.images import load_image
from tests.app_server import ROOT

CHROMIUM = os.environ.get("SEMSTYLE_CHROMIUM", "/usr/bin/chromium")
playwright = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
pytestmark = pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason=f"no chromium at {CHROMIUM}")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
PHOTO = ROOT / "examples" / "photo_mountains.jpg"
STYLE = ROOT / "examples" / "style_shipwreck.jpg"
TIMEOUT = 60_000  # ms; the machine may be busy


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["camera"], origin=app_server.url)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(app_server.url, wait_until="load")
    page.wait_for_selector("#run-preset")
    yield page
    context.close()


def fetch_image(page, selector: str) -> tuple[str, Image.Image]:
    src = page.locator(selector).first.get_attribute("src")
    return src, Image.open(io.BytesIO(page.request.get(src).body())).convert("RGB")


def wait_for_new_result(page, old_src: str | None) -> str:
    page.wait_for_function(
        "old => { const img = document.querySelector('#result img'); return img && img.src && img.src !== old; }",
        arg=old_src or "")
    return page.locator("#result img").first.get_attribute("src")


def test_upload_pick_preset_stylize_and_style_image(page, app_server, tmp_path):
    page.locator("#content input[type=file]").set_input_files(str(PHOTO))
    page.wait_for_selector("#content img")
    page.locator("#presets").get_by_text("Starry Night").click()
    playwright.expect(page.locator("#style input, #style textarea").first).to_have_value("Starry Night")
    page.locator("#run-preset").click()
    src = wait_for_new_result(page, None)
    page.screenshot(path=tmp_path / "1-preset-result.png", full_page=True)

    _, out = fetch_image(page, "#result img")
    content = np.asarray(load_image(PHOTO, max_side=1024), np.float32)
    expected = np.asarray(app_server.app.studio.stylize(str(PHOTO), "Starry Night", max_side=1024).image, np.float32)
    assert np.asarray(out).shape == content.shape  # full resolution: max side 1024 by default
    assert np.abs(np.asarray(out, np.float32) - expected).max() <= 2  # the preset's output, losslessly
    assert np.abs(np.asarray(out, np.float32) - content).mean() > 5  # and not the input
    playwright.expect(page.locator("#status")).to_contain_text("Starry Night")
    page.wait_for_selector("#history img")  # this session's results
    page.wait_for_selector("#slider img")  # before / after
    assert page.locator("#download").is_visible()

    page.get_by_role("tab", name="Your style image").click()
    page.locator("#style-image input[type=file]").set_input_files(str(STYLE))
    page.wait_for_selector("#style-image img")
    page.locator("#run-image").click()
    second = wait_for_new_result(page, src)
    playwright.expect(page.locator("#status")).to_contain_text("your style image")
    playwright.expect(page.locator("#history img")).to_have_count(2)
    page.screenshot(path=tmp_path / "2-style-image-result.png", full_page=True)

    page.locator("#history img").nth(1).click()  # newest first: the older result is second; reopen it
    reopened = wait_for_new_result(page, second)
    assert reopened.rsplit("/", 1)[-1] == src.rsplit("/", 1)[-1]


def test_bad_upload_shows_a_clear_error(page, tmp_path):
    bad = tmp_path / "holiday.jpg"
    bad.write_bytes(b"definitely not a JPEG")
    page.locator("#content input[type=file]").set_input_files(str(bad))
    page.locator("#run-preset").click()
    page.get_by_text(re.compile("not a readable image")).first.wait_for()
    page.screenshot(path=tmp_path / "bad-upload.png", full_page=True)


def test_webcam_snapshot_then_stylize(page, tmp_path):
    content = page.locator("#content")
    content.get_by_label("Capture from camera").click()
    content.get_by_text("Click to Access Webcam").click()
    page.wait_for_function("() => document.querySelector('#content video')?.readyState >= 2")  # frames flowing
    content.get_by_label("capture photo").click()
    page.wait_for_selector("#content img")
    page.locator("#run-preset").click()
    wait_for_new_result(page, None)
    _, out = fetch_image(page, "#result img")
    assert min(out.size) >= 16
    page.screenshot(path=tmp_path / "webcam-snapshot.png", full_page=True)


def test_live_webcam_stream(page, tmp_path):
    page.get_by_role("tab", name="Live webcam").click()
    live = page.locator("#live")
    live.get_by_text("Click to Access Webcam").click()
    page.wait_for_function("() => document.querySelector('#live video')?.readyState >= 2")
    live.locator("button", has_text="Record").click()
    page.wait_for_function("() => /\\d+(\\.\\d+)? fps/.test(document.querySelector('#fps').innerText)")
    seen = set()
    for _ in range(200):  # a few distinct frames come back
        src = page.locator("#live-out img").first.get_attribute("src") if page.locator("#live-out img").count() else None
        if src:
            seen.add(src)
        if len(seen) >= 3:
            break
        page.wait_for_timeout(100)
    assert len(seen) >= 3
    rate = page.locator("#fps").inner_text()
    assert re.search(r"fps at (256|320|384) px", rate), rate
    page.screenshot(path=tmp_path / "live.png", full_page=True)

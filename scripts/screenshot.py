"""Save docs/screenshot.png: the demo in headless Chromium, showing a stylised example photo.

    python scripts/screenshot.py [--models models] [--style NAME] [--out docs/screenshot.png]

Needs Debian's chromium (/usr/bin/chromium) and the playwright package. Rerun it when models/ changes.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--models", default=str(ROOT / "models"), help="models folder (SEMSTYLE_MODELS_DIR)")
    p.add_argument("--style", default=None, help="preset to pick (default: the first)")
    p.add_argument("--photo", default=str(ROOT / "examples" / "photo_dogs.jpg"))
    p.add_argument("--out", default=str(ROOT / "docs" / "screenshot.png"))
    p.add_argument("--chromium", default="/usr/bin/chromium")
    args = p.parse_args()

    os.environ["SEMSTYLE_MODELS_DIR"] = args.models
    sys.path.insert(0, str(ROOT))
    import app  # noqa: E402  (reads SEMSTYLE_MODELS_DIR at import)
    from playwright.sync_api import expect, sync_playwright

    presets = app.studio.library.presets()
    if not presets:
        print(f"error: no presets in {args.models}; train or copy models there first", file=sys.stderr)
        return 2
    style = args.style or presets[0].name
    _, url, _ = app.demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", quiet=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True,
                                         args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            page = browser.new_page(viewport={"width": 1400, "height": 900}, device_scale_factor=1)
            page.set_default_timeout(120_000)
            page.goto(url, wait_until="load")
            page.locator("#content input[type=file]").set_input_files(args.photo)
            page.wait_for_selector("#content img")
            page.locator("#presets").get_by_text(style, exact=True).click()
            expect(page.locator("#style input, #style textarea").first).to_have_value(style)
            page.locator("#run-preset").click()
            page.wait_for_selector("#slider img")
            page.wait_for_timeout(500)  # let images finish painting
            Path(args.out).parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=args.out)
            browser.close()
    finally:
        app.demo.close()
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

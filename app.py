"""semstyle demo: the Gradio UI, nothing else. Logic: semstyle.studio, .presets, .tiling, .color.

Run `python app.py` (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT as usual). Models come from ./models
(SEMSTYLE_MODELS_DIR overrides) and ./presets.json (SEMSTYLE_PRESETS_FILE); start-up makes no network call.
"""
from __future__ import annotations

import base64
import os
import time
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # the user may still turn it on
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

import spaces  # noqa: E402  (before gradio and any CUDA use: ZeroGPU Spaces require it; a no-op elsewhere)
import gradio as gr  # noqa: E402
from gradio.utils import get_upload_folder  # noqa: E402

from semstyle.hub import HubError, discover_models  # noqa: E402
from semstyle.images import ImageError  # noqa: E402
from semstyle.presets import StyleError, StyleLibrary, placeholder_thumbnail  # noqa: E402
from semstyle.studio import MAX_SIDE_RANGE, STREAM_SIDE, Studio, save_result  # noqa: E402

ROOT = Path(__file__).resolve().parent
EXAMPLES = ROOT / "examples"
HISTORY_CAP = 12
USER_ERRORS = (ImageError, StyleError, HubError, ValueError)


def undecoded(image: gr.Image) -> gr.Image:
    """Make `image` hand the function the upload's file path (or a webcam frame's bytes), undecoded.

    gr.Image opens every upload with PIL before our code runs, so a decompression bomb or a non-image
    would fail inside Gradio with an opaque error; semstyle.images.load_image decodes it safely. An
    instance override rather than a subclass: Gradio writes a .pyi stub beside any Component subclass.
    """

    def preprocess(payload):
        if payload is None:
            return None
        if payload.url and payload.url.startswith("data:"):  # webcam frames may come inline
            return base64.b64decode(payload.url.split(",", 1)[1])
        return payload.path

    image.preprocess = preprocess
    return image


def _fail(err: Exception):
    msg = " ".join(str(err).split())
    return gr.Error(msg[:1].upper() + msg[1:], print_exception=False)


def _progress(progress: gr.Progress):
    return lambda fraction, desc: progress(fraction, desc=desc)


def _status(result) -> str:
    """Toasts for the notices (e.g. "downscaled"), and the same in the status line for API callers."""
    for notice in result.notices:
        gr.Warning(notice)
    w, h = result.image.size
    lines = [f"**{result.style}** · {w}×{h} · {result.seconds:.2f} s"] + [f"- {n}" for n in result.notices]
    return "\n".join(lines)


def build(studio: Studio) -> gr.Blocks:
    library = studio.library
    results_dir = Path(get_upload_folder()) / "semstyle-results"  # inside Gradio's cache: served without a copy

    # ---- inference (GPU on Spaces) ------------------------------------------------------------------

    @spaces.GPU(duration=60)
    def stylize(content, style, strength, max_side, preserve_colors, progress=gr.Progress(track_tqdm=True)):
        """Stylise `content` with a preset (name) or a Hub model id (user/name[@revision])."""
        try:
            result = studio.stylize(content, style, strength, max_side, preserve_colors, _progress(progress))
        except USER_ERRORS as e:
            raise _fail(e) from None
        content_path, result_path = save_result(result, results_dir)
        return result_path, _status(result), {"content": content_path, "result": result_path, "caption": result.style}

    @spaces.GPU(duration=60)
    def stylize_with_style_image(content, style_image, strength, max_side, preserve_colors, progress=gr.Progress()):
        """Stylise `content` in the style of any picture (the universal, arbitrary-style model)."""
        try:
            result = studio.stylize_with_style_image(content, style_image, strength, max_side, preserve_colors,
                                                     _progress(progress))
        except USER_ERRORS as e:
            raise _fail(e) from None
        content_path, result_path = save_result(result, results_dir)
        return result_path, _status(result), {"content": content_path, "result": result_path, "caption": result.style}

    @spaces.GPU(duration=20)
    def stylize_frame(frame, style, strength, preserve_colors, clock):
        """One live-webcam frame, stylised at a reduced size; reports the achieved frame rate."""
        if frame is None:
            return None, "Waiting for the camera…", clock
        t0 = time.perf_counter()
        try:
            out = studio.stylize_frame(frame, style or _first_preset(), strength, preserve_colors, STREAM_SIDE)
        except USER_ERRORS as e:
            raise _fail(e) from None
        now = time.perf_counter()
        clock = dict(clock or {})
        if "last" in clock:
            fps = 1.0 / max(now - clock["last"], 1e-6)
            clock["fps"] = fps if "fps" not in clock else 0.8 * clock["fps"] + 0.2 * fps
        clock["last"] = now
        rate = f"{clock['fps']:.1f} fps" if "fps" in clock else "measuring…"
        return out, f"Live: **{rate}** at {max(out.size)} px · stylise {1000 * (now - t0):.0f} ms/frame", clock

    # ---- styles ---------------------------------------------------------------------------------------

    def _first_preset() -> str:
        presets = library.presets()
        return presets[0].name if presets else ""

    def gallery_items():
        return [(str(p.thumbnail) if p.thumbnail else placeholder_thumbnail(p.name), p.name) for p in library.presets()]

    def list_styles():
        """Presets (bundled and Hub) and whether style images are supported."""
        return {
            "presets": [{"name": p.name, "source": p.source, **({"repo": p.ref} if p.source == "hub" else {})}
                        for p in library.presets()],
            "style_images": library.universal is not None,
        }

    def pick_preset(evt: gr.SelectData):
        caption = (evt.value or {}).get("caption") if isinstance(evt.value, dict) else None
        name = caption or library.presets()[evt.index].name
        return name, f"Style: **{name}**"

    def load_style(style, progress=gr.Progress(track_tqdm=True)):
        """Check and load a preset name or Hub model id (downloads once); say what it is."""
        try:
            loaded = studio.model_for(style, _progress(progress))
        except USER_ERRORS as e:
            raise _fail(e) from None
        where = "bundled" if Path(loaded.ref).is_dir() else f"Hub: {loaded.ref}"
        return f"Style: **{loaded.name}** ready ({where})"

    def discover_styles():
        """Hub models tagged `semstyle` (most downloaded first)."""
        try:
            return discover_models("semstyle")
        except HubError as e:
            raise _fail(e) from None

    def show_discovered(ids):
        if not ids:
            gr.Info("No semstyle models found on the Hub.")
        return gr.Dropdown(choices=ids or [], value=None, visible=bool(ids))

    # ---- results ----------------------------------------------------------------------------------------

    def record(last, history):
        history = ([last] + list(history or []))[:HISTORY_CAP]
        return ((last["content"], last["result"]), gr.DownloadButton(value=last["result"], visible=True),
                [(h["result"], h["caption"]) for h in history], history)

    def reopen(history, evt: gr.SelectData):
        item = history[evt.index]
        return item["result"], (item["content"], item["result"]), gr.DownloadButton(value=item["result"], visible=True)

    # ---- layout -----------------------------------------------------------------------------------------

    with gr.Blocks(title="semstyle: style transfer that keeps the picture", delete_cache=(1800, 7200)) as demo:
        gr.Markdown("# semstyle\nStyle transfer that keeps what is in the picture: pick a photo, pick a style, stylise.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1):
                with gr.Tab("Photo"):
                    content = undecoded(gr.Image(
                        label="Content (upload, paste or webcam snapshot)", type="filepath", image_mode=None,
                        sources=["upload", "webcam", "clipboard"], height=340, elem_id="content"))
                with gr.Tab("Live webcam", elem_id="live-tab"):
                    live = undecoded(gr.Image(label="Camera", sources=["webcam"], streaming=True, type="filepath",
                                              image_mode=None, elem_id="live"))
                    live_out = gr.Image(label="Live result", interactive=False, format="jpeg", elem_id="live-out")
                    fps = gr.Markdown("Start the camera to stylise it live with the chosen preset.", label="rate",
                                      elem_id="fps")
                    clock = gr.State({})
                strength = gr.Slider(0.0, 1.0, value=1.0, step=0.05, label="Strength")
                max_side = gr.Slider(*MAX_SIDE_RANGE, value=1024, step=64,
                                     label="Output max side (px); large outputs are processed in tiles")
                preserve = gr.Checkbox(label="Preserve colours (take only the style's light and texture)")
            with gr.Column(scale=1):
                with gr.Tab("Presets & Hub models"):
                    presets = gr.Gallery(value=gallery_items(), label="Presets (click to pick)", columns=3, height=250,
                                         allow_preview=False, object_fit="cover", elem_id="presets")
                    style = gr.Textbox(label="Style: preset name or Hub model id (user/name[@revision])",
                                       value=_first_preset(), max_lines=1, elem_id="style")
                    with gr.Row():
                        load_btn = gr.Button("Check style", size="sm")
                        discover_btn = gr.Button("Discover styles on the Hub", size="sm")
                    discovered = gr.Dropdown(label="semstyle models on the Hub", visible=False, allow_custom_value=False)
                    found = gr.JSON(visible=False, label="models")
                    style_info = gr.Markdown(label="style_info", elem_id="style-info")
                    run_preset = gr.Button("Stylize", variant="primary", elem_id="run-preset")
                with gr.Tab("Your style image", elem_id="style-image-tab"):
                    style_image = undecoded(gr.Image(
                        label="Style image (any painting or picture)", type="filepath", image_mode=None,
                        sources=["upload", "clipboard"], height=250, elem_id="style-image"))
                    if library.universal is None:
                        gr.Markdown("_No universal model is installed, so style images are unavailable here._")
                    run_image = gr.Button("Stylize with this style", variant="primary", elem_id="run-image")
            with gr.Column(scale=1):
                result = gr.Image(label="Result", type="filepath", format="png", interactive=False, height=340,
                                  buttons=["download", "fullscreen"], elem_id="result")
                status = gr.Markdown(label="status", elem_id="status")
                download = gr.DownloadButton("Download full-resolution PNG", visible=False, elem_id="download")
                slider = gr.ImageSlider(label="Before / after", type="filepath", interactive=False, max_height=340,
                                        elem_id="slider")
        history_gallery = gr.Gallery(label="This session's results (newest first; click to reopen)", columns=8,
                                     height=170, allow_preview=False, object_fit="cover", fit_columns=False,
                                     elem_id="history")
        history = gr.State([])
        last = gr.State()

        photos = sorted(EXAMPLES.glob("photo_*.jpg"))
        paintings = sorted(EXAMPLES.glob("style_*.jpg"))
        def title(path: Path) -> str:  # examples/photo_dogs.jpg -> "Dogs"
            return path.stem.split("_", 1)[1].replace("_", " ").title()

        with gr.Row():
            if photos and library.presets():
                pairs = list(zip(photos * 4, library.presets()[:6]))
                gr.Examples([[str(c), p.name] for c, p in pairs], inputs=[content, style],
                            example_labels=[f"{title(c)} × {p.name}" for c, p in pairs],
                            label="Examples: photo × preset (then Stylize)")
            if photos and paintings and library.universal is not None:
                pairs = list(zip(photos * len(paintings), paintings))
                gr.Examples([[str(c), str(s)] for c, s in pairs], inputs=[content, style_image],
                            example_labels=[f"{title(c)} × {title(s)}" for c, s in pairs],
                            label="Examples: photo × painting (then “Stylize with this style”)")
        styles_json = gr.JSON(visible=False, label="styles")

        # ---- events -------------------------------------------------------------------------------------

        controls = [strength, max_side, preserve]
        shown = [slider, download, history_gallery, history]
        run_preset.click(stylize, [content, style, *controls], [result, status, last], api_name="stylize",
                         concurrency_limit=2, concurrency_id="stylize").success(
            record, [last, history], shown, api_visibility="private")
        run_image.click(stylize_with_style_image, [content, style_image, *controls], [result, status, last],
                        api_name="stylize_with_style_image", concurrency_limit=2, concurrency_id="stylize").success(
            record, [last, history], shown, api_visibility="private")
        # Streaming events cannot be called by gradio_client (no "process_streaming" support), so the live
        # stream is UI-only; API users stylise single frames with /stylize at max_side 256-384.
        live.stream(stylize_frame, [live, style, strength, preserve, clock], [live_out, fps, clock],
                    api_visibility="private", stream_every=0.1, time_limit=120, concurrency_limit=4,
                    concurrency_id="live", show_progress="hidden")
        presets.select(pick_preset, None, [style, style_info], api_visibility="private")
        gr.on([load_btn.click, style.submit], load_style, [style], [style_info], api_name="load_style")
        discover_btn.click(discover_styles, None, [found], api_name="discover_styles").success(
            show_discovered, [found], [discovered], api_visibility="private")
        discovered.input(lambda repo: (repo, f"Style: **{repo}** (click Check style or Stylize)"), [discovered],
                         [style, style_info], api_visibility="private")
        history_gallery.select(reopen, [history], [result, slider, download], api_visibility="private")
        demo.load(list_styles, None, [styles_json], api_name="list_styles")
        demo.load(gallery_items, None, [presets], api_visibility="private")
    demo.queue(max_size=32, default_concurrency_limit=1)
    return demo


studio = Studio(StyleLibrary.from_env(ROOT))
if os.environ.get("SPACES_ZERO_GPU"):
    studio.library.preload()  # ZeroGPU runs requests in forked workers: load on the main process, once
demo = build(studio)

if __name__ == "__main__":
    demo.launch(max_file_size="25mb")

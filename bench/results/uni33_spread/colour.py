"""Colour change and colour spread (bench.metrics) of arbitrary-style models on 8 eval photos (evenly spaced, as
`python -m bench --n-content 8`) at 256 px x each of two style sets: the README's 4 unseen wallpapers and the 4
dev styles every model held out (and, since stop 35, the cups wallpaper alone, with the share of dark cells
(bench.metrics.dark_cell_share) beside the colour figures). It replaces stop 32's colour_change.py and reproduces its figures.

PYTHONPATH=. python bench/results/uni33_spread/colour.py MODEL_DIR...   (SHARED defaults to ../shared)"""
import os, sys
from pathlib import Path
import torch
from bench import metrics
from bench.data import image_files, spread
from semstyle import StylePipeline
from semstyle.images import load_image, pil_to_tensor

torch.set_num_threads(int(os.environ.get("THREADS", "2")))
shared = Path(os.environ.get("SHARED", "../shared"))
photos = spread(image_files(shared / "data/content/eval", "content"), 8)
show = shared / "data/content/showcase"
sets = {
    "unseen wallpapers": [show / f for f in ("lomiri-wallpapers-16.04__Picture_1A_by_freespace.jpg",
                                             "lomiri-wallpapers-16.04__analogpattern_by_Peter_Nerlich.jpg",
                                             "plasma-workspace-wallpapers_photos__ColorfulCups.jpg",
                                             "plasma-workspace-wallpapers_photos__Grey.jpg")],
    "held-out paintings": [shared / "data/styles" / f"{n}.jpg" for n in ("la_muse", "sketch", "brushstrokes", "frida_kahlo")],
    "cups alone": [show / "plasma-workspace-wallpapers_photos__ColorfulCups.jpg"],  # stop 35: its dark patches
}
xs = [pil_to_tensor(load_image(p, max_side=256)).unsqueeze(0) for p in photos]
for m in sys.argv[1:]:
    pipe = StylePipeline.from_pretrained(m, device="cpu")
    row = []
    for name, styles in sets.items():
        change, spread_, dark = [], [], []
        for s in styles:
            code = pipe.encode_style(load_image(s))
            for x in xs:
                y = pipe.stylize(x, code=code).float()
                change.append(float(metrics.colour_change(x, y)[0]))
                spread_.append(float(metrics.colour_spread(x, y)[0]))
                dark.append(float(metrics.dark_cell_share(x, y)[0]))
        row.append(f"{name}: change {sum(change) / len(change):.1f} spread {sum(spread_) / len(spread_):.1f}"
                   f" dark {100 * sum(dark) / len(dark):.2f}%")
    print(f"{m:32s} " + " | ".join(row), flush=True)

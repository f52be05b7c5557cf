"""RMS low-frequency colour change on the bench's eval photos at 256 px: sqrt(semstyle.losses.chroma_layout_loss(photo, output))."""
import csv, glob, os, sys
from pathlib import Path
import torch
from semstyle import StylePipeline
from semstyle.images import load_image, pil_to_tensor
from semstyle.losses import chroma_layout_loss
torch.set_num_threads(2)
names = sorted({r["content"] for r in csv.DictReader(open(sys.argv[1]))})
xs = [pil_to_tensor(load_image(glob.glob(os.environ.get("SEMSTYLE_EVAL", "../shared/data/content/eval") + f"/{n}.*")[0], max_side=256)).unsqueeze(0) for n in names]
for m in sys.argv[2:]:
    pipe = StylePipeline.from_pretrained(m, device="cpu")
    vals = [float(chroma_layout_loss(x, pipe.stylize(x).float()).sqrt()) for x in xs]
    print(f"{Path(m).name:24s} mean {1000 * sum(vals) / len(vals):.1f}  max {1000 * max(vals):.1f}  (x1000, {len(vals)} photos)")

"""Pack ../shared into a small .gpu/shared for a GPU machine that takes at most 64 MiB with the repo.

    PYTHONPATH=. python scripts/pack_gpu_data.py --shared ../shared --out .gpu/shared

Photos become WebP with a longer side of 448 px, styles JPEG of at most 512 px (what train.py keeps at --size 256),
and VGG16 fp16 up to conv4_3, the deepest layer the losses use. The eval photos are left out. `.gpu/` is git-ignored.
The shipped GPU presets were trained on such a pack, made by hand with these sizes; its WebP quality was not
recorded (the photos average 6.5 KB; 60 gives about that).
The pack is 35 MiB, and the repo's tracked files 42 MiB (stop 20): together over the device's 64 MiB. For stop 20's
call, bench/results, docs, examples, tests and every model folder but models/universal were moved out of the tree
(`git checkout -- .` brings them back) and `.gpu` was carried.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image
from safetensors.torch import load_file, save_file

from semstyle.vgg import LAYER_INDEX

VGG = "weights/vgg16_imagenet_features.safetensors"
CONV4_3 = LAYER_INDEX["conv4_3"]  # 21 in torchvision's vgg16().features


def shrink(src: Path, dst: Path, side: int, fmt: str, quality: int) -> None:
    img = Image.open(src).convert("RGB")
    img.thumbnail((side, side), Image.LANCZOS)
    dst.parent.mkdir(parents=True, exist_ok=True)
    img.save(dst, fmt, quality=quality)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", type=Path, default=Path("../shared"))
    p.add_argument("--out", type=Path, default=Path(".gpu/shared"))
    p.add_argument("--webp-quality", type=int, default=60)
    a = p.parse_args()
    for f in sorted((a.shared / "data/content/train").glob("*.jpg")):  # never content/eval
        shrink(f, a.out / "data/content/train" / f"{f.stem}.webp", 448, "WEBP", a.webp_quality)
    for folder in ("styles", "styles_public_domain"):
        for f in sorted((a.shared / "data" / folder).glob("*.jpg")):
            shrink(f, a.out / "data" / folder / f.name, 512, "JPEG", 90)
    state = load_file(str(a.shared / VGG))
    (a.out / VGG).parent.mkdir(parents=True, exist_ok=True)
    save_file({k: v.half() for k, v in state.items() if int(k.split(".")[0]) <= CONV4_3}, str(a.out / VGG))
    print(f"packed into {a.out}: {sum(f.stat().st_size for f in a.out.rglob('*') if f.is_file()) / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()

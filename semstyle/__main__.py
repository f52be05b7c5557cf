"""python -m semstyle stylize CONTENT... --model PATH_OR_REPO [--style IMAGE] [--strength F] --out DIR"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from .cli_errors import UserError, exit_on_user_error
from .images import ImageError, load_image, pil_to_tensor, tensor_to_pil


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m semstyle", description="semstyle: semantics-preserving style transfer")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("stylize", help="stylise images with a trained model", formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    s.add_argument("content", nargs="+", help="content image files")
    s.add_argument("--model", required=True, help="model folder or Hub repo id (user/name[@revision])")
    s.add_argument("--style", default=None, help="style image (arbitrary-style models only)")
    s.add_argument("--strength", type=float, default=1.0, help="0 = the content, 1 = full stylisation")
    s.add_argument("--max-side", type=int, default=None, help="downscale inputs so the longer side is at most this")
    s.add_argument("--out", required=True, help="output folder (created); outputs are NAME.png")
    s.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = p.parse_args(argv)

    with exit_on_user_error():
        from .pipeline import StylePipeline, blend
        from .tiling import stylize_tiled

        if not 0 <= args.strength <= 1:
            raise UserError(f"--strength must be between 0 and 1, got {args.strength}")
        pipe = StylePipeline.from_pretrained(args.model, device=args.device)
        if pipe.is_arbitrary and args.style is None:
            raise UserError(f"{args.model} is an arbitrary-style model: pass --style IMAGE")
        if not pipe.is_arbitrary and args.style is not None:
            raise UserError(f"{args.model} has its style built in; drop --style")
        code = pipe.encode_style(load_image(args.style) if args.style else None)  # encode once, reuse for every image
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        failed = 0
        for path in tqdm(args.content, desc="stylize", unit="img", disable=None):  # no bar unless on a terminal
            try:
                img = load_image(path, max_side=args.max_side)
            except ImageError as e:
                tqdm.write(f"skipped: {e}")
                failed += 1
                continue
            x = pil_to_tensor(img).unsqueeze(0)
            y = stylize_tiled(pipe, x, code)  # one pass up to 1088 px; beyond, tiles of bounded memory, no seams
            y = blend(x, y, args.strength)
            tensor_to_pil(y).save(out / f"{Path(path).stem}.png")
        if failed == len(args.content):
            raise UserError("no content image could be read (the reasons are in the 'skipped' lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

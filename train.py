"""Train a semstyle model: python train.py --content-dir photos/ --style painting.jpg --out runs/mine

Runs single-process, or under `torchrun --nproc_per_node N train.py ...` (DDP: NCCL on GPUs, gloo on CPU).
Every user error is one line on stderr and exit code 2.
"""
from __future__ import annotations

import argparse
import math
import os
import shlex
import sys
from dataclasses import fields

import torch
import torch.distributed as dist

from semstyle.cli_errors import exit_on_user_error
from semstyle.config import GeneratorConfig
from semstyle.grow import can_grow
from semstyle.device import resolve_device
from semstyle.trainer import CKPT_NAME, DISCRIMINATORS, TrainConfig, Trainer

MIN_SIZE = 32  # below this the 1/8-resolution bottleneck and the patch discriminator have nothing to see
# No fp16: there is no grad scaler, so small gradients can underflow. A run under fp16 on an H200 saturated G's
# output to black within 300 steps. fp32 CPU runs collapsed too, under the old style loss (README), so fp16 may not
# have been the cause; it is not offered all the same. bf16 has fp32's range.
PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16}


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Shows defaults, but not an empty "(default: None)" or "(default: )": those flags' help says what unset means."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return action.help if action.default in (None, "") else super()._get_help_string(action)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    d = {f.name: f.default for f in fields(TrainConfig) if not callable(f.default)}
    p = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    p.add_argument("--content-dir", required=True, help="folder of content photos")
    p.add_argument("--style", required=True, help="a style image, or a folder of art (a style domain; with --arbitrary, a style collection)")
    p.add_argument("--out", required=True, help="run folder: checkpoint.pt, samples/, loss_curve.png and the model in model/")
    p.add_argument("--steps", type=int, default=d["steps"], help="training steps (one D step + one G step each)")
    p.add_argument("--size", type=int, default=d["size"], help="training crop side in pixels")
    p.add_argument("--batch", type=int, default=d["batch"], help="images per step (per process under torchrun)")
    p.add_argument("--lr", type=float, default=d["lr"], help="Adam learning rate for G and D")
    p.add_argument("--lr-scheduler", default=d["lr_scheduler"], choices=["constant", "cosine"], help="cosine: from --lr to 0 at --steps")
    p.add_argument("--max-minutes", type=float, default=d["max_minutes"], help="stop after this much wall time (checkpoint + export, as at the last step); 0 = no limit")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt exactly where it stopped")
    p.add_argument("--push-to-hub", metavar="REPO", default=None, help="upload the trained model folder to this Hub repo (user/name)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="auto = cuda if available, else cpu")
    p.add_argument("--vgg-weights", default=None, help="VGG16 features .safetensors (torchvision layout); default: $SEMSTYLE_VGG_WEIGHTS, else download torchvision's")
    p.add_argument("--seed", type=int, default=d["seed"], help="random seed (data order, crops, initialisation)")
    p.add_argument("--arbitrary", action="store_true", help="train the any-style model (style encoder) on a style collection")
    p.add_argument("--init-from", default=d["init_from"], help="model folder to start from, e.g. models/universal for a fast preset")
    p.add_argument("--name", default=d["style_name"], help="style name shown in the app and the model card")
    p.add_argument("--keep-mats", action="store_true", help="use style images whole; by default a flat margin round all four sides (a museum scan's mat) is cropped off")
    p.add_argument("--content-weight", type=float, default=d["content_weight"], help="weight of the relu4_3 content loss")
    p.add_argument("--style-weight", type=float, default=d["style_weight"], help="weight of the Gram style loss")
    p.add_argument("--style-tiles", type=int, default=d["style_tiles"], help="hold each tile of a k x k grid of the picture to the style's Gram, not only the whole picture, so the style is laid on everywhere rather than thick in patches (1 = the whole picture); an experiment: at 2 it did that, for fewer photos' classes and, on mondrian and starry_night, a whole picture further from the painting (docs/experiments.md, stop 31)")
    p.add_argument("--style-scale-free", action="store_true", help="match the style Grams' shape, not their energy (each over its Frobenius norm); an experiment: on the domain it removed the black blobs and painted loud strokes instead (docs/experiments.md, stop 29)")
    p.add_argument("--adv-weight", type=float, default=d["adv_weight"], help="weight of the adversarial (hinge) loss; 0 = no GAN (ablation)")
    p.add_argument("--discriminator", default=d["discriminator"], choices=DISCRIMINATORS,
                   help="pixels: a multi-scale PatchGAN on the image; features: small heads on the VGG16 features the losses compute (relu2_2, relu3_3, relu4_3)")
    p.add_argument("--tv-weight", type=float, default=d["tv_weight"], help="weight of the total-variation loss")
    p.add_argument("--layout-weight", type=float, default=d["layout_weight"], help="weight of the large-scale luminance loss (keeps the photo's light/dark layout)")
    p.add_argument("--chroma-layout-weight", type=float, default=d["chroma_layout_weight"], help="weight of the large-scale colour layout loss (against colour blotches; the palette may still change as a whole)")
    p.add_argument("--colour-spread-weight", type=float, default=d["colour_spread_weight"], help="weight of the loss that spreads the colour the style adds evenly over the picture (against blotches made of strokes of opposite colours, which the chroma layout loss does not see)")
    p.add_argument("--dark-patch-weight", type=float, default=d["dark_patch_weight"], help="weight of the loss against dark patches: the picture may darken as a whole, but no cell of a 16x16 grid more than its median cell, relative to the photo (the layout loss alone makes a black blob cheaper than darkening the whole photo)")
    p.add_argument("--saturation-weight", type=float, default=d["saturation_weight"], help="weight of the penalty on output logits beyond ±4.6 (saturated pixels get no gradient)")
    p.add_argument("--r1-weight", type=float, default=d["r1_weight"], help="R1 penalty weight for D")
    p.add_argument("--precision", default=d["precision"], choices=["auto", *PRECISIONS], help="autocast dtype; auto = bf16 where the hardware runs it natively (CUDA, AVX512-BF16/AMX CPUs), else fp32")
    p.add_argument("--sample-every", type=int, default=d["sample_every"], help="write a sample grid PNG every N steps")
    p.add_argument("--ckpt-every", type=int, default=d["ckpt_every"], help="write a checkpoint every N steps")
    p.add_argument("--fp32-weights", action="store_true", help="export fp32 weights instead of fp16")
    g, unset = GeneratorConfig(), "; unset: the --init-from model's, else"
    p.add_argument("--channels", help=f"generator widths at 1/2, 1/4, 1/8, ... resolution; wider than the --init-from model's "
                   f"grows it (semstyle/grow.py){unset} {','.join(map(str, g.channels))}")
    p.add_argument("--n-res", type=int, help=f"generator residual blocks at the lowest resolution{unset} {g.n_res}")
    p.add_argument("--style-dim", type=int, help=f"size of the style code{unset} {g.style_dim}")
    return p.parse_args(argv)


def validate(args: argparse.Namespace) -> None:
    from semstyle.cli_errors import UserError

    if args.size < MIN_SIZE:
        raise UserError(f"--size {args.size} is too small; use at least {MIN_SIZE}")
    start = None
    if args.init_from:  # refuse a bad starting model now, before the data and VGG16 are loaded
        from semstyle.modeling import StyleModel

        start = StyleModel.from_pretrained(args.init_from).config.generator
    base = start or GeneratorConfig()
    try:
        channels = tuple(int(c) for c in args.channels.split(",")) if args.channels else base.channels
    except ValueError:
        raise UserError(f"--channels must be comma-separated integers, got {args.channels!r}") from None
    args.generator = GeneratorConfig(channels=channels, n_res=base.n_res if args.n_res is None else args.n_res,
                                     style_dim=base.style_dim if args.style_dim is None else args.style_dim)
    args.generator.validate()
    if start and not can_grow(start, args.generator):  # an equal generator "grows" too
        raise UserError(f"--init-from {args.init_from}: its generator (channels {','.join(map(str, start.channels))}, "
                        f"--n-res {start.n_res}, --style-dim {start.style_dim}) can only grow: give as many --channels, "
                        f"each at least as wide, at least as many --n-res and the same --style-dim")
    if args.size % args.generator.multiple:
        raise UserError(f"--size must be a multiple of {args.generator.multiple}, got {args.size}")
    for name in ("steps", "batch", "sample_every", "ckpt_every", "style_tiles"):
        if getattr(args, name) < 1:
            raise UserError(f"--{name.replace('_', '-')} must be at least 1")
    if args.size // 8 < 2 * args.style_tiles:  # relu4_3 is 1/8 of the crop: each tile's Gram needs 2x2 positions
        raise UserError(f"--style-tiles {args.style_tiles} at --size {args.size}: a tile of the deepest style layer "
                        f"would be under 2x2 positions; use at most {max(1, args.size // 16)} tiles across, or a larger --size")
    if not math.isfinite(args.lr) or args.lr <= 0:
        raise UserError(f"--lr must be a positive number, got {args.lr}")
    if not math.isfinite(args.max_minutes) or args.max_minutes < 0:
        raise UserError(f"--max-minutes must be 0 (no limit) or more, got {args.max_minutes}")
    if not args.resume and os.path.exists(os.path.join(args.out, CKPT_NAME)):  # its checkpoint would be overwritten
        raise UserError(f"--out {args.out} already holds a run ({CKPT_NAME}): pass --resume to continue it, "
                        f"or another --out to start over")
    if not os.path.exists(args.content_dir):
        raise UserError(f"--content-dir {args.content_dir}: no such folder")
    if not os.path.exists(args.style):
        raise UserError(f"--style {args.style}: no such file or folder")
    if args.push_to_hub:
        from semstyle.hub import parse_model_ref

        if parse_model_ref(args.push_to_hub)[1] is not None:  # refused now, not after the training
            raise UserError(f"--push-to-hub {args.push_to_hub}: give the repo id without '@revision' (uploads go to main)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with exit_on_user_error(hint_oom=True, rerun="rerun with --resume (the last checkpoint and model folder are kept)"):
        validate(args)
        distributed = "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1
        device = resolve_device(args.device)
        torch.backends.cudnn.benchmark = device.type == "cuda"  # fixed training sizes: let cuDNN pick the fastest kernels
        if distributed:
            dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
            if device.type == "cuda":
                device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
                torch.cuda.set_device(device)
        from semstyle.device import training_dtype

        dtype = training_dtype(device) if args.precision == "auto" else PRECISIONS[args.precision]
        cfg = TrainConfig(
            content_dir=args.content_dir, style=args.style, out=args.out, arbitrary=args.arbitrary, steps=args.steps,
            size=args.size, batch=args.batch, lr=args.lr, lr_scheduler=args.lr_scheduler, content_weight=args.content_weight, style_weight=args.style_weight,
            style_scale_free=args.style_scale_free, style_tiles=args.style_tiles,
            adv_weight=args.adv_weight, discriminator=args.discriminator, tv_weight=args.tv_weight, layout_weight=args.layout_weight, chroma_layout_weight=args.chroma_layout_weight,
            colour_spread_weight=args.colour_spread_weight, dark_patch_weight=args.dark_patch_weight, saturation_weight=args.saturation_weight,
            r1_weight=args.r1_weight, init_from=args.init_from, trim_mats=not args.keep_mats,
            style_name=args.name, seed=args.seed, precision=args.precision, sample_every=args.sample_every,
            ckpt_every=args.ckpt_every, fp16=not args.fp32_weights, max_minutes=args.max_minutes, generator=args.generator,
        )
        trainer = Trainer(cfg, vgg_weights=args.vgg_weights, device=device, dtype=dtype)
        if args.resume:
            resumed = trainer.load_checkpoint()
            if trainer.rank == 0:
                print(f"resumed from step {trainer.step}" if resumed else f"no checkpoint in {args.out} yet: starting at step 0")
        folder = trainer.fit(command=shlex.join(["python", "train.py", *(sys.argv[1:] if argv is None else argv)]))
        if distributed:
            dist.barrier()
            dist.destroy_process_group()
        if folder is not None:
            print(f"model saved to {folder}")
            if args.push_to_hub:
                from semstyle.card import set_card_usage
                from semstyle.hub import push_to_hub

                set_card_usage(folder, args.push_to_hub)  # the uploaded card loads the repo, not this run's folder
                print(f"pushed to {push_to_hub(folder, args.push_to_hub)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

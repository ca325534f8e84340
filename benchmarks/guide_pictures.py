"""The user guide's pictures: train the runs its examples sample from, then run each example
command exactly as docs/user-guide.md shows it, writing the pictures into docs/images/.

    python benchmarks/guide_pictures.py                        # the guide's budget (minutes)
    python benchmarks/guide_pictures.py --steps 2 --out /tmp/p # every command still works

A command reads ``runs/NAME`` (trained here first, as :data:`RUNS` says) and writes
``--out FILE`` (kept under ``--out``'s ``images/``); inputs it names (``edge.png``) are test
images of the run's dataset, written by :func:`write_inputs`; other files it names
(``z.pt``: latents one command saves and the next reads) live in a work folder.  tests/test_docs.py runs this
at a tiny budget and checks that the guide shows every command and every picture.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"


@dataclass(frozen=True)
class Run:
    """A run the examples sample from: ``ganzoo train`` arguments and its generator updates
    at the guide's budget (the bench's image budget, or what the model needs to read);
    ``quick`` arguments are added at a tiny ``--steps`` (a shorter warm-up, say)."""

    train: str
    steps: int
    quick: str = ""


#: runs/NAME → how it is trained
RUNS = {
    "dcgan-mnist-5k": Run("dcgan --dataset mnist-5k", 1500),
    "cgan-mnist-5k": Run("cgan --dataset mnist-5k", 1500),
    "pix2pix-edges2digits": Run("pix2pix --dataset edges2digits", 1500),
    # the paper-sized nets take ~35 min on a CPU; these reach FID 0.35 in 3,000 (cyclegan.md)
    "cyclegan-edges2digits-unpaired": Run(
        "cyclegan --dataset edges2digits-unpaired --g-opt base_channels=16 --g-opt n_blocks=3 "
        "--d-opt base_channels=16 --method-opt constant_steps=1500 "
        "--method-opt decay_steps=1500", 3000),
    "gan-cls-captioned-digits": Run("gan-cls --dataset captioned-digits", 1500,
                                    quick="--method-opt pretrain_steps=2"),
}

#: (picture, the command as the guide shows it); each picture is linked beside its command
PICTURES = [
    ("grid.png", "ganzoo sample runs/dcgan-mnist-5k -n 64 --out grid.png --save-latents z.pt"),
    ("sevens.png", "ganzoo sample runs/cgan-mnist-5k -n 64 --class 7 --out sevens.png"),
    ("digit.png", "ganzoo sample runs/pix2pix-edges2digits --input edge.png --out digit.png"),
    ("cycle-digit.png", "ganzoo sample runs/cyclegan-edges2digits-unpaired --input edge.png "
                        "--out cycle-digit.png"),
    ("outline.png", "ganzoo sample runs/cyclegan-edges2digits-unpaired --input seven.png "
                    "--direction BtoA --out outline.png"),
    ("captions.png", "ganzoo sample runs/gan-cls-captioned-digits --text \"a thin two leaning "
                     "left\" --text \"a thick seven leaning right\" -n 8 --out captions.png"),
    ("walk.png", "ganzoo sample runs/dcgan-mnist-5k --interpolate -n 8 --steps 10 "
                 "--out walk.png"),
    ("walk.gif", "ganzoo sample runs/dcgan-mnist-5k --interpolate -n 16 --out walk.gif"),
    ("sum.png", "ganzoo sample runs/dcgan-mnist-5k --arithmetic \"3,7,12 - 5,9 + 20\" "
                "--latents z.pt --out sum.png"),
]

#: input files the commands name → (dataset, split, index): the image they hold
INPUTS = {"edge.png": ("edges2digits", "test", 0), "seven.png": ("mnist-5k", "test", 27)}
#: files the commands name, kept in the work folder
WORK_FILES = {*INPUTS, "z.pt"}


def write_inputs(folder: Path) -> None:
    """The input images the commands name: a test item's input image, as a PNG."""
    from ganzoo.plots import save_image_grid
    from ganzoo.plugins import get_registry

    registry = get_registry()
    for name, (dataset, split, index) in INPUTS.items():
        data = registry.get("dataset", dataset).load().build(split=split)
        save_image_grid(data[index][0][None], folder / name)  # one image: no border


def ganzoo(command: str) -> None:
    """Run one ``ganzoo ...`` command line in this process; a failure stops the script."""
    from ganzoo.cli.main import main

    args = shlex.split(command)
    assert args[0] == "ganzoo", command
    try:
        main(args[1:])
    except SystemExit as exc:
        if exc.code:
            raise SystemExit(f"failed ({exc.code}): {command}") from None


def make(out: Path, steps: int | None) -> list[Path]:
    """Train :data:`RUNS` under ``out/runs`` (``steps`` each, or their own budget; runs
    already there are kept) and draw :data:`PICTURES` into ``out/images``."""
    runs, images, work = out / "runs", out / "images", out / "work"
    for folder in (runs, images, work):
        folder.mkdir(parents=True, exist_ok=True)
    for name, run in RUNS.items():
        if not (runs / name / "checkpoints" / "last.pt").exists():
            quick = f" {run.quick}" if steps and run.quick else ""
            ganzoo(f"ganzoo train {run.train}{quick} --steps {steps or run.steps} "
                   f"--out {runs / name} --no-progress")
    write_inputs(work)
    made = []
    for picture, command in PICTURES:
        args = shlex.split(command)
        args = [str(runs / a[5:]) if a.startswith("runs/") else a for a in args]
        args = [str(work / a) if a in WORK_FILES else a for a in args]
        args[args.index("--out") + 1] = str(images / picture)
        ganzoo(shlex.join(args))
        made.append(images / picture)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, help="generator updates per run (default: each "
                        "run's own budget in RUNS)")
    parser.add_argument("--out", type=Path, default=ROOT / "guide-pictures",
                        help="folder for the runs and pictures (default: ./guide-pictures)")
    parser.add_argument("--no-copy", action="store_true",
                        help="leave docs/images alone (default: copy the pictures there)")
    args = parser.parse_args()
    made = make(args.out, args.steps)
    if not args.no_copy:
        IMAGES.mkdir(exist_ok=True)
        for path in made:
            shutil.copyfile(path, IMAGES / path.name)
    print(f"{len(made)} pictures in {args.out / 'images'}"
          + ("" if args.no_copy else f", copied to {IMAGES}"))


if __name__ == "__main__":
    main()

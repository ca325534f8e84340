"""``ganzoo sample RUN_DIR -n N --out FILE``: draw from a trained run's (EMA) generator, or
from a generator ``ganzoo export`` wrote (``ganzoo sample model.safetensors``: rebuilt from
its model card, with every option below).

``.png`` writes a picture (an image grid, one column per class for class-conditional
models, input | output pairs for image-to-image models, a scatter over the real data for
points); ``.pt`` and ``.npy`` write the raw samples.  ``--interpolate`` writes latent walks
instead: a strip of ``--steps`` columns per walk (or, for points, lines over the data);
``--code NAME`` writes a sweep of one latent code the same way (a column per value), and
``--code NAME=VALUE`` fixes a code.  ``--truncation T`` draws the noise within ±T (BigGAN's
truncation trick), for every model with a latent vector.
The output is checked before anything is drawn: never one of the run's own files, never a
folder, always somewhere writable; it is written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ganzoo.errors import GanzooError

FORMATS = (".png", ".pt", ".npy")


def load_image(path: Path, shape: tuple[int, ...]) -> Any:
    """An image file as a ``(1, C, H, W)`` tensor in [-1, 1], converted to ``shape``."""
    from PIL import Image, UnidentifiedImageError
    from torchvision.transforms.functional import pil_to_tensor

    channels, height, width = shape
    if channels not in (1, 3):
        raise GanzooError(f"Inputs with {channels} channels cannot be read from image files.")
    try:
        with Image.open(path) as img:
            img = img.convert("L" if channels == 1 else "RGB")
            img = img.resize((width, height), Image.Resampling.BICUBIC)
            tensor = pil_to_tensor(img)
    except FileNotFoundError:
        raise GanzooError(f"No input image at {path}.") from None
    except (UnidentifiedImageError, OSError) as exc:
        raise GanzooError(f"Could not read {path} as an image ({exc}).") from None
    return (tensor.float() / 127.5 - 1.0).unsqueeze(0)


def _reference_points(run: Any) -> Any:
    """Real points to draw under a scatter (points data only)."""
    from ganzoo.data.batches import fixed_sample
    from ganzoo.training.previews import POINTS

    return fixed_sample(run.dataset("train"), POINTS)[0]


def _save_raw(samples: Any, out: Path) -> None:
    import numpy as np
    import torch

    from ganzoo.files import atomic_writer

    with atomic_writer(out, fsync=False) as handle:
        if out.suffix.lower() == ".pt":
            torch.save(samples.contiguous(), handle)
        else:
            np.save(handle, samples.numpy())


def parse_codes(texts: tuple[str, ...]) -> tuple[str | None, dict[str, float]]:
    """``--code`` values: at most one ``NAME`` to sweep, and ``NAME=VALUE`` codes to fix."""
    swept = [t.strip() for t in texts if "=" not in t]
    fixed: dict[str, float] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep:
            continue
        try:
            fixed[name.strip()] = float(value)
        except ValueError:
            raise GanzooError(
                f"--code expects NAME (to sweep it) or NAME=NUMBER (to fix it), not {text!r}."
            ) from None
    if len(swept) > 1:
        raise GanzooError(
            f"--code can sweep one code at a time, not {', '.join(swept)}; fix the others "
            "with NAME=VALUE."
        )
    return (swept[0] if swept else None), fixed


def check_output(out: Path, run_dir: Path) -> None:
    """Refuse an output that would overwrite the run's own files, or cannot be written."""
    from ganzoo.files import check_writable
    from ganzoo.training.run import RunPaths

    if out.suffix.lower() not in FORMATS:
        raise GanzooError(
            f"Cannot tell what to write to {out}: use a .png (picture), .pt or .npy "
            "(raw samples) file name."
        )
    if RunPaths(run_dir).owns(out):
        raise GanzooError(
            f"--out {out} is one of the run's own files: ganzoo sample never writes into a "
            "run's checkpoints/ or samples/, nor over its config.json, metrics.jsonl, "
            "eval.json or losses.png. Choose another file, e.g. --out grid.png."
        )
    check_writable(out)


@click.command("sample")
@click.argument("run_dir", metavar="RUN_DIR|MODEL.safetensors", type=click.Path(path_type=Path))
@click.option("-n", "count", type=click.IntRange(min=1),
              help="How many samples (default 64), or walks with --interpolate (default 8); "
                   "with --input, one output per input image.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Output file: .png (picture), .pt or .npy (raw samples).")
@click.option("--class", "class_", type=int, help="Class to draw (class-conditional models).")
@click.option("--input", "inputs", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Input image (image-to-image models; repeatable).")
@click.option("--interpolate", is_flag=True, help="Latent walks between random pairs of points.")
@click.option("--steps", type=click.IntRange(min=2), default=10, show_default=True,
              help="Samples per walk with --interpolate, or values of a continuous --code.")
@click.option("--truncation", type=click.FloatRange(min=0, min_open=True),
              help="Truncation trick: draw every noise entry within ±T (e.g. 0.5); smaller "
                   "is less varied, often cleaner.")
@click.option("--code", "codes", multiple=True, metavar="NAME[=VALUE]",
              help="A latent code (InfoGAN's): NAME sweeps it, a column per value; NAME=VALUE "
                   "fixes it (repeatable); an unknown NAME lists the model's codes.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="cpu", show_default=True)
def sample_command(run_dir: Path, count: int | None, out: Path, class_: int | None,
                   inputs: tuple[Path, ...], interpolate: bool, steps: int,
                   truncation: float | None, codes: tuple[str, ...], seed: int,
                   device: str) -> None:
    """Draw samples from the trained run in RUN_DIR, or from an exported generator.

    \b
      ganzoo sample runs/dcgan-mnist-5k -n 64 --out grid.png
      ganzoo sample dcgan-mnist.safetensors -n 64 --out grid.png
      ganzoo sample runs/cgan-mnist-5k --class 7 --out sevens.png
      ganzoo sample runs/pix2pix-edges2digits --input edges.png --out translated.png
      ganzoo sample runs/dcgan-mnist-5k --interpolate --steps 12 --out walks.png
      ganzoo sample runs/biggan-mnist-5k --truncation 0.5 --out truncated.png
      ganzoo sample runs/infogan-mnist-5k --code c1 --code c2=1 --out c1-sweep.png
    """
    if run_dir.is_file() and run_dir.suffix.lower() != ".safetensors":
        raise GanzooError(f"{run_dir} is a file: give a run folder, or a .safetensors file "
                          "that 'ganzoo export' wrote.")
    check_output(out, run_dir)
    swept, fixed = parse_codes(codes)
    if swept and interpolate:
        raise GanzooError("--interpolate and a swept --code NAME each make a strip: pick one.")
    import torch

    from ganzoo import plots
    from ganzoo.export import is_exported, load_exported
    from ganzoo.training.previews import match_channels
    from ganzoo.training.run import load_run

    run = (load_exported if is_exported(run_dir) else load_run)(run_dir, device=device)
    image_cond = run.plan.conditioning == "image"
    if inputs and not image_cond:
        raise GanzooError(
            f"--input is for image-to-image models; {run.plan.model!r} "
            "generates from noise."
        )
    if class_ is not None and not run.num_classes:
        raise GanzooError(
            f"--class needs a class-conditional model; {run.plan.model!r} is not "
            "(train one such as cgan)."
        )
    png = out.suffix.lower() == ".png"
    points = not run.spec.is_image

    if interpolate or swept:
        if interpolate:
            strips = run.walks(count or 8, steps, labels=class_, seed=seed,
                               truncation=truncation, codes=fixed)
            what = f"walks of {steps} steps"
        else:
            strips = run.sweep(swept, count or 8, steps, labels=class_, seed=seed,  # type: ignore[arg-type]
                               truncation=truncation, codes=fixed)
            what = f"rows sweeping code {swept!r} over {strips.shape[1]} values"
        if png:
            plots.save_strip(strips, out, reference=_reference_points(run) if points else None)
        else:
            _save_raw(strips, out)
        click.echo(f"Wrote {len(strips)} {what} to {out}")
        return

    n = count or 64
    labels: Any = class_
    nrow = None
    if image_cond:
        if not inputs:
            raise GanzooError(
                f"{run.plan.model!r} translates images: give --input img.png "
                "(repeatable) to translate."
            )
        given = torch.cat([load_image(p, tuple(run.spec.input_shape or ())) for p in inputs])
        samples = run.sample(len(given), inputs=given, seed=seed)
        if png:
            pairs = torch.stack([match_channels(given, samples.shape[1]), samples], 1)
            plots.save_image_grid(pairs.flatten(0, 1), out, nrow=2)
    else:
        if labels is None and run.num_classes and png and not points:
            labels, nrow = torch.arange(n) % run.num_classes, run.num_classes
        samples = run.sample(n, labels=labels, seed=seed, truncation=truncation, codes=fixed)
        if png and points:
            plots.save_scatter(samples, out, reference=_reference_points(run))
        elif png:
            plots.save_image_grid(samples, out, nrow=nrow)
    if not png:
        _save_raw(samples, out)
    click.echo(f"Wrote {len(samples)} samples to {out}")

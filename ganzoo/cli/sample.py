"""``ganzoo sample RUN_DIR -n N --out FILE``: draw from a trained run's (EMA) generator, or
from a generator ``ganzoo export`` wrote (``ganzoo sample model.safetensors``: rebuilt from
its model card, with every option below).

``.png`` writes a picture (an image grid, one column per class for class-conditional
models, input | output pairs for image-to-image models (``--direction BtoA`` translates
the other way for models of unpaired data), a scatter over the real data for
points); ``.pt`` and ``.npy`` write the raw samples.  ``--interpolate`` writes latent walks
instead: a strip of ``--steps`` columns per walk (or, for points, lines over the data);
``--code NAME`` writes a sweep of one latent code the same way (a column per value), and
``--code NAME=VALUE`` fixes a code; walks and sweeps to a ``.gif`` animate (a frame per
step, forth and back).  ``--truncation T`` draws the noise within ±T (BigGAN's
truncation trick), for every model with a latent vector.  ``--save-latents z.pt`` keeps the
latents of the samples drawn, by index; ``--arithmetic "3,7,12 - 5,9 + 20" --latents z.pt``
(or ``"thick seven - thin seven + thin one"`` where a plugin describes the data) does the
DCGAN paper's latent vector arithmetic (:mod:`ganzoo.arithmetic`).
The output is checked before anything is drawn: never one of the run's own files, never a
folder, always somewhere writable; it is written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ganzoo.errors import GanzooError

FORMATS = (".png", ".gif", ".pt", ".npy")


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
            f"Cannot tell what to write to {out}: use a .png (picture), .gif (animated "
            "walks), .pt or .npy (raw samples) file name."
        )
    if RunPaths(run_dir).owns(out):
        raise GanzooError(
            f"--out {out} is one of the run's own files: ganzoo sample never writes into a "
            "run's checkpoints/ or samples/, nor over its config.json, metrics.jsonl, "
            "eval.json or losses.png. Choose another file, e.g. --out grid.png."
        )
    check_writable(out)


def check_latent_options(out: Path, run_dir: Path, *, walk: bool, arithmetic: str | None,
                         save_latents: Path | None, latents_file: Path | None,
                         class_: int | None) -> None:
    """Refuse combinations of walks, arithmetic and saved latents that do not make sense."""
    if out.suffix.lower() == ".gif" and not walk:
        raise GanzooError(
            f"--out {out}: a .gif animates walks; add --interpolate (or sweep a --code NAME), "
            "or write a .png."
        )
    if arithmetic and (walk or class_ is not None):
        raise GanzooError(
            "--arithmetic makes its own picture, with the classes of its terms: drop "
            f"{'--interpolate/--code NAME' if walk else '--class'}."
        )
    if latents_file and not arithmetic:
        raise GanzooError("--latents gives the exemplars of --arithmetic; add --arithmetic "
                          "\"3,7,12 - 5,9 + 20\" (indices of the saved samples).")
    if save_latents:
        if walk or arithmetic:
            raise GanzooError("--save-latents keeps the latents of a plain draw (a grid): "
                              "drop --interpolate, --code NAME and --arithmetic.")
        if save_latents.suffix.lower() != ".pt":
            raise GanzooError(f"--save-latents {save_latents}: latents are saved as a .pt file.")
        check_output(save_latents, run_dir)


def _arithmetic(run: Any, expression: str, out: Path, latents_file: Path | None, pool: int,
                seed: int, truncation: float | None) -> None:
    from ganzoo import arithmetic, plots

    result = arithmetic.arithmetic(run, expression, latents_file=latents_file, pool=pool,
                                   seed=seed, truncation=truncation)
    exemplars, means, results = arithmetic.decode(run, result, truncation)
    if out.suffix.lower() == ".png":
        reference = _reference_points(run) if not run.spec.is_image else None
        plots.save_arithmetic(exemplars, means, result.labels, results, out, reference)
    else:
        _save_raw(results, out)
    click.echo(f"Wrote {len(results)} results of {expression!r} to {out} (the exact one "
               "first, then variants with noise added)")


def _check_rejection(run_dir: Path, shaped: bool) -> None:
    """--drs filters plain draws of a run folder: it needs the run's discriminator, and it
    chooses which latents survive, so it cannot follow walks, codes or saved latents."""
    if run_dir.is_file():
        raise GanzooError(f"--drs needs the run's discriminator, which {run_dir} (an exported "
                          "generator) does not hold: give the run folder.")
    if shaped:
        raise GanzooError("--drs keeps or drops plain random draws; it does not combine with "
                          "--interpolate, --code, --arithmetic, --save-latents or --truncation.")


@click.command("sample")
@click.argument("run_dir", metavar="RUN_DIR|MODEL.safetensors", type=click.Path(path_type=Path))
@click.option("-n", "count", type=click.IntRange(min=1),
              help="How many samples (default 64), or walks with --interpolate (default 8); "
                   "with --input, one output per input image; with a described "
                   "--arithmetic, samples drawn to find each term's exemplars (default 2048).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="Output file: .png (picture), .gif (animated walks), .pt or .npy (raw "
                   "samples).")
@click.option("--class", "class_", type=int, help="Class to draw (class-conditional models).")
@click.option("--input", "inputs", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="Input image (image-to-image models; repeatable).")
@click.option("--direction", type=click.Choice(["AtoB", "BtoA"]),
              help="Which way a model of unpaired data (cyclegan) translates --input: A→B "
                   "(default) or B→A.")
@click.option("--text", "texts", multiple=True, metavar="CAPTION",
              help="A caption to draw from (text-to-image models such as gan-cls; repeatable: "
                   "-n samples per caption, a row each).")
@click.option("--interpolate", is_flag=True, help="Latent walks between random pairs of points.")
@click.option("--steps", type=click.IntRange(min=2), default=10, show_default=True,
              help="Samples per walk with --interpolate, or values of a continuous --code.")
@click.option("--truncation", type=click.FloatRange(min=0, min_open=True),
              help="Truncation trick: draw every noise entry within ±T (e.g. 0.5); smaller "
                   "is less varied, often cleaner.")
@click.option("--code", "codes", multiple=True, metavar="NAME[=VALUE]",
              help="A latent code (InfoGAN's): NAME sweeps it, a column per value; NAME=VALUE "
                   "fixes it (repeatable); an unknown NAME lists the model's codes.")
@click.option("--save-latents", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE.pt", help="Also save the samples' latent vectors (and classes) by "
                                      "sample index, to reuse them with --arithmetic.")
@click.option("--arithmetic", metavar="EXPR",
              help="Latent vector arithmetic: \"3,7,12 - 5,9 + 20\" (indices of --latents) or "
                   "\"thick seven - thin seven + thin one\" (data a plugin describes); each "
                   "term is the mean of its exemplars' latents.")
@click.option("--latents", "latents_file", type=click.Path(path_type=Path, dir_okay=False),
              metavar="FILE.pt", help="Latents --save-latents wrote, for --arithmetic indices.")
@click.option("--drs", "rejection", is_flag=True,
              help="Keep the samples discriminator rejection sampling accepts (unconditional "
                   "runs; the run's discriminator is calibrated first), as 'ganzoo eval "
                   "--drs' measures them.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="cpu", show_default=True)
def sample_command(run_dir: Path, count: int | None, out: Path, class_: int | None,
                   inputs: tuple[Path, ...], direction: str | None, texts: tuple[str, ...],
                   interpolate: bool, steps: int,
                   truncation: float | None, codes: tuple[str, ...], save_latents: Path | None,
                   arithmetic: str | None, latents_file: Path | None, rejection: bool,
                   seed: int, device: str) -> None:
    """Draw samples from the trained run in RUN_DIR, or from an exported generator.

    \b
      ganzoo sample runs/dcgan-mnist-5k -n 64 --out grid.png
      ganzoo sample dcgan-mnist.safetensors -n 64 --out grid.png
      ganzoo sample runs/cgan-mnist-5k --class 7 --out sevens.png
      ganzoo sample runs/pix2pix-edges2digits --input edges.png --out translated.png
      ganzoo sample runs/cyclegan-edges2digits-unpaired --input 7.png --direction BtoA --out e.png
      ganzoo sample runs/gan-cls-captioned-digits --text "a thin two leaning left" -n 16 --out twos.png
      ganzoo sample runs/dcgan-mnist-5k --interpolate --steps 12 --out walks.png
      ganzoo sample runs/biggan-mnist-5k --truncation 0.5 --out truncated.png
      ganzoo sample runs/infogan-mnist-5k --code c1 --code c2=1 --out c1-sweep.png
      ganzoo sample runs/dcgan-mnist-5k --interpolate --out walks.gif
      ganzoo sample runs/dcgan-mnist-5k -n 64 --out grid.png --save-latents z.pt
      ganzoo sample runs/dcgan-mnist-5k --arithmetic "3,7,12 - 5,9 + 20" --latents z.pt --out sum.png
      ganzoo sample runs/dcgan-mnist-5k --arithmetic "thick seven - thin seven + thin one" --out sum.png
      ganzoo sample runs/gan-grid25 -n 2500 --drs --out kept.png
    """
    if run_dir.is_file() and run_dir.suffix.lower() != ".safetensors":
        raise GanzooError(f"{run_dir} is a file: give a run folder, or a .safetensors file "
                          "that 'ganzoo export' wrote.")
    check_output(out, run_dir)
    swept, fixed = parse_codes(codes)
    if rejection:
        _check_rejection(run_dir, interpolate or bool(swept) or bool(arithmetic) or bool(fixed)
                         or bool(save_latents) or truncation is not None)
    if swept and interpolate:
        raise GanzooError("--interpolate and a swept --code NAME each make a strip: pick one.")
    check_latent_options(out, run_dir, walk=interpolate or bool(swept), arithmetic=arithmetic,
                         save_latents=save_latents, latents_file=latents_file, class_=class_)
    import torch

    from ganzoo import plots
    from ganzoo.arithmetic import save_latents as save_latent_file
    from ganzoo.export import is_exported, load_exported
    from ganzoo.training.previews import match_channels
    from ganzoo.training.run import load_run

    run = (load_exported if is_exported(run_dir) else load_run)(run_dir, device=device)
    if direction is not None:
        run = run.translating(direction)
    if rejection:  # refuses models it cannot filter before anything is drawn
        from ganzoo.rejection import rejection_sampler

        drs = rejection_sampler(run, seed=seed)
    image_cond = run.plan.conditioning in ("image", "unpaired")
    if save_latents and run.latent_space is None:
        raise GanzooError(f"--save-latents: the model {run.plan.model!r} has no latent vectors "
                          "to save (it maps input images to outputs).")
    if inputs and not image_cond:
        raise GanzooError(
            f"--input is for image-to-image models; {run.plan.model!r} "
            "generates from noise."
        )
    if texts and run.plan.conditioning != "text":
        raise GanzooError(
            f"--text is for text-to-image models; {run.plan.model!r} does not generate from "
            "text (train one such as gan-cls on captioned-digits)."
        )
    if texts and (interpolate or swept or arithmetic):
        raise GanzooError("--text applies to a plain draw (a grid of samples per caption): "
                          "drop --interpolate, --code NAME and --arithmetic.")
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
        if png or out.suffix.lower() == ".gif":
            save = plots.save_strip if png else plots.save_walk_gif
            save(strips, out, reference=_reference_points(run) if points else None)
        else:
            _save_raw(strips, out)
        click.echo(f"Wrote {len(strips)} {what} to {out}")
        return

    if arithmetic:
        _arithmetic(run, arithmetic, out, latents_file, count or 2048, seed, truncation)
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
        captions = [text for text in texts for _ in range(n)] or None  # a row of n per text
        if captions and len(texts) > 1:
            nrow = n
        if rejection:
            latents, samples = None, drs.sample(n, seed=seed)
        else:
            latents, cond = run.draw(n, labels=labels, seed=seed, truncation=truncation,
                                     codes=fixed, texts=captions)
            samples = run.generate(latents, cond, truncation=truncation)
        if save_latents and latents is not None:
            save_latent_file(save_latents, latents, cond if run.num_classes else None, run,
                             seed=seed, truncation=truncation, codes=fixed)
        if png and points:
            plots.save_scatter(samples, out, reference=_reference_points(run))
        elif png:
            plots.save_image_grid(samples, out, nrow=nrow)
    if not png:
        _save_raw(samples, out)
    click.echo(f"Wrote {len(samples)} samples to {out}"
               + (f", their latents to {save_latents}" if save_latents else ""))

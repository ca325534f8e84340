"""``ganzoo bench``: train several models under one budget, evaluate, compare, report."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console

from ganzoo.bench.cells import (
    DEFAULT_STEPS, TRAINED, Settings, default_batch_size, describe_defaults)
from ganzoo.bench.results import OK
from ganzoo.errors import GanzooError
from ganzoo.training.config import DEFAULT_EVAL_SAMPLES

DEFAULT_DATASETS = "mnist-5k"


def _names(text: str) -> list[str]:
    """A comma-separated list, blanks and repeats dropped, order kept."""
    return list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))


@click.command("bench")
@click.option("--models", required=True, metavar="A,B,...",
              help="Models to compare (comma-separated), e.g. dcgan,wgan.")
@click.option("--datasets", default=DEFAULT_DATASETS, show_default=True, metavar="A,B,...",
              help="Datasets to train each model on (comma-separated).")
@click.option("--steps", type=int, default=None,
              help="Budget: generator updates per cell, equal for every model [default: "
                   f"{describe_defaults(DEFAULT_STEPS)}].")
@click.option("--seeds", type=int, default=1, show_default=True,
              help="Seeds per model and dataset (0..K-1); figures are mean ± std over them.")
@click.option("--batch-size", type=int, default=None,
              help="Batch size for every model, part of the equal budget [default: "
                   f"{describe_defaults({k: default_batch_size(k) for k in DEFAULT_STEPS})}].")
@click.option("--g-opt", multiple=True, metavar="KEY=VALUE",
              help="Generator builder option given to every model (repeatable), e.g. "
                   "base_channels=32.")
@click.option("--d-opt", multiple=True, metavar="KEY=VALUE",
              help="Discriminator builder option given to every model (repeatable).")
@click.option("--metrics", default=None, metavar="A,B,...",
              help="Metrics to compute [default: every metric that applies to the data].")
@click.option("--num-samples", type=int, default=None,
              help="Generated samples per evaluation [default: each metric's default].")
@click.option("--eval-every", type=int, default=None, metavar="N",
              help="Also measure every trained cell during training, every N generator "
                   f"updates (with --metrics, on {DEFAULT_EVAL_SAMPLES:,} samples): the report "
                   "draws the curves.")
@click.option("--protocol", default=None, metavar="NAME",
              help="Measuring protocol of image metrics: offline-domain, inception-legacy or "
                   "clean [default: inception-legacy when its weights are present, else "
                   "offline-domain].")
@click.option("--include-images", "images", multiple=True, metavar="NAME[@DATASET]=PATH",
              help="Also measure another generator's samples (a folder of PNG/JPEG files or "
                   "an .npz) as a row NAME, on every bench dataset or on DATASET "
                   "(repeatable).")
@click.option("--image-size", type=int, default=None, metavar="N",
              help="Resize every image dataset to N×N for all models and references (point "
                   "data stays as it is), e.g. 32 for sngan, biggan and progan on 28-px "
                   "digits: their nets need a side of 4·2^k.")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda.")
@click.option("--out", type=click.Path(path_type=Path), default=Path("bench"),
              show_default=True, help="Output folder; re-running with it resumes.")
@click.option("--no-references", is_flag=True,
              help="Skip the real-data and untrained-generator reference rows.")
@click.option("--tracker", "trackers", multiple=True, metavar="NAME[:KEY=VALUE]",
              help="Also log every trained cell to this tracker (repeatable), e.g. "
                   "tensorboard; each cell's metrics.jsonl is always written.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Cells run at once, each in its own process (one GPU each with --device "
                   "cuda on a multi-GPU machine; the CPU cores are shared out).")
@click.option("--executor", type=click.Choice(["local", "ray"]), default="local",
              show_default=True,
              help="Where cells run: this machine (--jobs at a time), or as Ray tasks (pip "
                   "install 'torch-ganzoo[ray]').")
@click.option("--address", metavar="HOST:PORT",
              help="The Ray cluster to submit to (default: start a local Ray).")
@click.option("--quiet", is_flag=True, help="No progress bars, just the tables.")
def bench_command(
    models: str, datasets: str, steps: int | None, seeds: int, batch_size: int | None,
    g_opt: tuple[str, ...], d_opt: tuple[str, ...], metrics: str | None,
    num_samples: int | None, eval_every: int | None, protocol: str | None,
    images: tuple[str, ...], image_size: int | None, device: str, out: Path,
    no_references: bool, trackers: tuple[str, ...], jobs: int, executor: str,
    address: str | None, quiet: bool,
) -> None:
    """Train every model on every dataset under one budget, evaluate and compare them.

    Each model × dataset × seed cell trains in its own run folder under OUT/runs/ and is
    evaluated with the metrics that apply to the data. Beside them, reference rows measure
    the real held-out data (the floor) and each generator before training (the ceiling).
    The comparison is printed and written to OUT/results.jsonl, results.csv, report.md and
    report.html.

    Re-running with the same --out resumes: finished cells are skipped and an interrupted
    cell continues from its checkpoint. Models, datasets and seeds may be added; a folder
    started with other --steps, --batch-size, --g-opt, --d-opt, --metrics, --num-samples,
    --eval-every, --protocol or --image-size is refused, since its figures would not compare. Part
    options a model cannot take are refused before anything runs; when no trained cell
    finishes, the command fails. With --eval-every the report also draws each model's main
    figure over training. --include-images adds rows measuring other generators' samples.

    \b
      ganzoo bench --models dcgan,wgan
      ganzoo bench --models gan,wgan-gp --datasets ring8,grid25 --seeds 3
      ganzoo bench --models dcgan,wgan,sngan --seeds 3 --jobs 2 --image-size 32
      ganzoo bench --models sngan,biggan --datasets cifar10 --device cuda --executor ray
      ganzoo bench --models dcgan --include-images other-gan=samples.npz
    """
    from ganzoo.bench.runner import BenchRequest, run_bench
    from ganzoo.recipe import parse_options

    request = BenchRequest(
        models=_names(models),
        datasets=_names(datasets),
        seeds=seeds,
        settings=Settings(
            steps=steps,
            batch_size=batch_size,
            metrics=tuple(_names(metrics)) if metrics is not None else None,
            num_samples=num_samples,
            generator_options=parse_options(g_opt, "--g-opt"),
            discriminator_options=parse_options(d_opt, "--d-opt"),
            eval_every=eval_every,
            protocol=protocol,
            image_size=image_size,
        ),
        out=out,
        device=device,
        references=not no_references,
        trackers=trackers,
        jobs=jobs,
        executor=executor,
        address=address,
        images=images,
    )
    # Piped output (logs, CI) is not squeezed into rich's 80-column fallback: the comparison
    # table has a dozen columns.
    console = Console()
    if not console.is_terminal:
        console = Console(width=200)
    rows = run_bench(request, console=console, progress=not quiet)
    trained = [r for r in rows if r["kind"] == TRAINED]
    if not any(r["status"] == OK for r in trained):
        raise GanzooError(
            f"None of the {len(trained)} trained cells finished (the errors are above and in "
            f"{out / 'report.md'}). Fix the cause and re-run the same command: it retries the "
            "failed cells."
        )

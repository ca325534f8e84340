"""``ganzoo eval RUN``: measure a trained run, print the figures, store them in ``eval.json``
(or the file ``--out`` names); ``ganzoo eval --images DIR|FILE.npz --dataset NAME``: measure
any generator's samples the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _split_names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names:
        raise click.BadParameter("name at least one metric, e.g. --metrics fid,kid")
    return names


def _samples(record: dict[str, Any]) -> str:
    """How many samples a figure was measured on."""
    if "num_pairs" in record:
        return f"{record['num_pairs']} pairs"
    text = f"{record.get('num_generated', '?')} generated"
    return text + (f" / {record['num_real']} real" if "num_real" in record else "")


def _table(what: Path, results: dict[str, dict[str, Any]]) -> Table:
    splits = sorted({r["measured_with"].get("reference_split", "?") for r in results.values()})
    protocols = sorted({r["measured_with"]["protocol"] for r in results.values()
                        if "protocol" in r["measured_with"]})
    caption = f"reference: {', '.join(splits)} split"
    if protocols:
        caption += f" · protocol: {', '.join(protocols)}"
    table = Table(title=f"ganzoo eval · {what}", caption=caption, caption_justify="left")
    table.add_column("metric")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_column("samples")
    with_extractor = any("extractor" in r["measured_with"] for r in results.values())
    if with_extractor:
        table.add_column("extractor")
    for metric, result in results.items():
        record = result["measured_with"]
        extractor = (f"{record['extractor']} {record['extractor_sha256']}"
                     if "extractor" in record else "")
        for i, (figure, value) in enumerate(result["values"].items()):
            first = i == 0
            row = [metric if first else "", figure, f"{value:.4g}",
                   _samples(record) if first else ""]
            if with_extractor:
                row.append(escape(extractor) if first else "")
            table.add_row(*row)
    return table


@click.command("eval")
@click.argument("run_dir", type=click.Path(path_type=Path), required=False)
@click.option("--images", type=click.Path(path_type=Path), metavar="DIR|FILE.npz",
              help="Measure these images instead of a run: a folder of PNG/JPEG files or an "
                   ".npz holding one N×H×W×C or N×C×H×W array (uint8, or floats in [0, 1] "
                   "or [-1, 1]); needs --dataset.")
@click.option("--dataset", metavar="NAME",
              help="The dataset whose reference split --images are measured against.")
@click.option("--protocol", metavar="NAME",
              help="Measuring protocol of image metrics: offline-domain, inception-legacy or "
                   "clean [default: inception-legacy when its weights are present, else "
                   "offline-domain].")
@click.option("--metrics", "metrics", metavar="NAMES",
              help="Comma-separated metrics (default: every metric that applies to the run).")
@click.option("--num-samples", type=click.IntRange(min=2),
              help="Samples to generate (default: the size of the test split for images, "
                   "2,500 for mode coverage).")
@click.option("--device", default="cpu", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the sampled latents and of the metrics' own randomness.")
@click.option("--inception-weights", type=click.Path(path_type=Path, dir_okay=False),
              help="torch-fidelity's Inception-v3 weights file "
                   "(weights-inception-2015-12-05-6726825d.pth); also $GANZOO_INCEPTION_WEIGHTS.")
@click.option("--drs", "rejection", is_flag=True,
              help="Measure samples kept by discriminator rejection sampling (Azadi et al. "
                   "2019; unconditional models): the run's discriminator, calibrated first, "
                   "filters the generator's samples. Figures are stored as METRIC+drs.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="Store the figures in this JSON file instead of RUN_DIR/eval.json "
                   "(e.g. when the run folder is read-only); with --images, the figures "
                   "are stored only when it is given.")
def eval_command(run_dir: Path | None, images: Path | None, dataset: str | None,
                 protocol: str | None, metrics: str | None, num_samples: int | None,
                 device: str, seed: int, inception_weights: Path | None,
                 rejection: bool, out: Path | None) -> None:
    """Measure the trained run in RUN_DIR (or the images --images names) against the
    dataset's test split.

    Figures and how each was measured are merged into RUN_DIR/eval.json (or --out FILE),
    which is checked to be writable before anything is measured.

    \b
      ganzoo eval runs/dcgan-mnist-5k
      ganzoo eval runs/gan-ring8 --metrics mode-coverage
      ganzoo eval runs/pix2pix-edges2digits --metrics l1,psnr,ssim,fid
      ganzoo eval --images samples/ --dataset mnist-5k --out other-gan.json
      ganzoo eval runs/dcgan-mnist-5k --protocol offline-domain
      ganzoo eval runs/gan-grid25 --metrics mode-coverage --drs
    """
    from ganzoo.metrics.evaluate import evaluate_images, evaluate_run
    from ganzoo.training.run import RunPaths

    if images is not None and run_dir is not None:
        raise click.UsageError("Give RUN_DIR or --images, not both.")
    if images is not None and dataset is None:
        raise click.UsageError("--images needs --dataset NAME: the dataset to measure against.")
    if dataset is not None and images is None:
        raise click.UsageError(
            "--dataset goes with --images; a run is measured against its own dataset.")
    if images is not None and rejection:
        raise click.UsageError("--drs filters a run's samples with its discriminator; images "
                               "from --images have none.")
    if images is None and run_dir is None:
        raise click.UsageError("Give a RUN_DIR to measure, or --images DIR|FILE.npz "
                               "--dataset NAME.")
    options: dict[str, Any] = dict(num_samples=num_samples, device=device, seed=seed,
                                   inception_weights=inception_weights, out=out,
                                   protocol=protocol)
    console = Console()
    if images is not None:
        results = evaluate_images(images, dataset, _split_names(metrics), **options)
        console.print(_table(images, results))
        if out is not None:
            console.print(f"Saved to {escape(str(out))}")
        return
    results = evaluate_run(run_dir, _split_names(metrics), rejection=rejection, **options)
    console.print(_table(run_dir, results))
    console.print(f"Saved to {escape(str(out or RunPaths(run_dir).eval))}")

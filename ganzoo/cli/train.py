"""``ganzoo train MODEL --dataset NAME``: one training run, with a plan up front and a summary.

Everything that can be refused (unknown names, impossible combinations, an existing run
folder) is refused before the first step, as a one-paragraph error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ganzoo.errors import GanzooError, UnknownNameError
from ganzoo.recipe import parse_options


SAMPLE_HINT = {
    "none": "-n 64 --out samples.png",
    "class": "--class 0 -n 16 --out class0.png",
    "image": "--input img.png --out translated.png",
}


def parse_regularizers(values: tuple[str, ...]) -> tuple[str, ...] | None:
    """``--reg`` values (repeated or comma lists, each ``NAME[:key=value...]``); ``none``
    clears what came before it.

    No ``--reg`` at all keeps the recipe's regularizers (``None``).
    """
    if not values:
        return None
    names: list[str] = []
    for value in values:
        for name in (n.strip() for n in value.split(",")):
            if name.lower() == "none":
                names.clear()
            elif name:
                names.append(name)
    return tuple(names)


def _plan_table(plan: Any, options: Any) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold cyan")
    table.add_column()
    rows = dict(plan.describe())
    rows["schedule"] = f"{options.steps} steps; " + rows["schedule"]
    trackers = ", ".join(["jsonl", *(t.describe() for t in options.trackers)])
    rows["run"] = (f"seed {plan.seed}, device {options.device}, folder {options.run_dir}"
                   + (" (resuming)" if options.resume else "") + f", trackers {trackers}")
    for key, value in rows.items():
        table.add_row(key, escape(str(value)))
    return table


def _with_failed_plugins(exc: UnknownNameError) -> GanzooError:
    """Name failed plugins next to an unknown name: one of them may have provided it."""
    from ganzoo.plugins import default_plugins, failed_note

    note = failed_note(default_plugins())
    return UnknownNameError(f"{exc} {note}") if note else exc


@click.command("train")
@click.argument("model")
@click.option("--dataset", "-d", help="Dataset name (see 'ganzoo list dataset').")
@click.option("--steps", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Generator updates to train for (in total, when resuming).")
@click.option("--batch-size", type=click.IntRange(min=1), help="Default: the recipe's.")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda (cuda:N).")
@click.option("--out", type=click.Path(path_type=Path),
              help="Run folder. Default: runs/MODEL-DATASET.")
@click.option("--resume", is_flag=True, help="Continue the run in the run folder.")
@click.option("--generator", help="Generator architecture override (registry name).")
@click.option("--discriminator", help="Discriminator architecture override (registry name).")
@click.option("--loss", help="Adversarial loss override (registry name).")
@click.option("--reg", "regs", multiple=True, metavar="NAME[:KEY=VALUE][,NAME]",
              help="Regularizers instead of the recipe's (repeatable; 'none' for none), "
                   "with options, e.g. gradient-penalty:weight=0.1.")
@click.option("--g-opt", multiple=True, metavar="KEY=VALUE", help="Generator builder option.")
@click.option("--d-opt", multiple=True, metavar="KEY=VALUE",
              help="Discriminator builder option.")
@click.option("--n-critic", type=click.IntRange(min=1),
              help="Discriminator updates per generator update.")
@click.option("--lr-g", type=click.FloatRange(min=0, min_open=True), help="Generator learning rate.")
@click.option("--lr-d", type=click.FloatRange(min=0, min_open=True),
              help="Discriminator learning rate.")
@click.option("--latent-dim", type=click.IntRange(min=1))
@click.option("--image-size", type=click.IntRange(min=1), help="Resize images to N×N.")
@click.option("--data-root", type=click.Path(path_type=Path), help="Where dataset files live.")
@click.option("--download", is_flag=True, help="Download the dataset if it is missing.")
@click.option("--sample-every", type=click.IntRange(min=0), default=0,
              help="Steps between sample pictures (default: 4 per run).")
@click.option("--checkpoint-every", type=click.IntRange(min=0), default=0,
              help="Steps between checkpoints (default: 4 per run).")
@click.option("--tracker", "trackers", multiple=True, metavar="NAME[:KEY=VALUE]",
              help="Also log to this tracker (repeatable): tensorboard, mlflow, wandb; see "
                   "'ganzoo list tracker'. metrics.jsonl is always written.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def train_command(model: str, dataset: str | None, regs: tuple[str, ...],
                  g_opt: tuple[str, ...], d_opt: tuple[str, ...], no_progress: bool,
                  **options: Any) -> None:
    """Train MODEL on a dataset; writes a run folder (config, metrics, samples, checkpoints).

    \b
      ganzoo train gan --dataset ring8
      ganzoo train dcgan --dataset mnist-5k --loss hinge --reg spectral-norm
      ganzoo train gan --dataset ring8 --steps 4000 --resume
    """
    from ganzoo.distributed import resolve_device
    from ganzoo.plugins import get_registry
    from ganzoo.training.config import TrainConfig
    from ganzoo.training.run import prepare_run

    registry = get_registry()
    try:
        registry.get("model", model)
        if dataset is None:
            raise GanzooError(
                f"Which data should {model!r} train on? Add --dataset NAME, e.g. "
                f"'ganzoo train {model} --dataset ring8'; 'ganzoo list dataset' shows them all."
            )
        registry.get("dataset", dataset)
    except UnknownNameError as exc:
        raise _with_failed_plugins(exc) from None

    config = TrainConfig(
        model=model, dataset=dataset,
        regularizers=parse_regularizers(regs),
        generator_options=parse_options(g_opt, "--g-opt"),
        discriminator_options=parse_options(d_opt, "--d-opt"),
        **options,
    )
    resolve_device(config.device)
    plan, run_options = prepare_run(config, registry)
    for tracker in run_options.trackers:
        registry.get("tracker", tracker.name)
    console = Console()
    console.print(_plan_table(plan, run_options))

    from ganzoo.training.loop import train

    result = train(plan, run_options, registry=registry, progress=not no_progress,
                   console=console, config=config)
    run_dir = escape(str(result.run_dir))
    if result.interrupted:
        console.print(
            f"[yellow]Interrupted[/] at step {result.steps}; the checkpoint in {run_dir} is "
            "saved. Re-run the same command with --resume to continue."
        )
        raise SystemExit(130)
    if result.steps == result.start_step:
        console.print(
            f"The run in {run_dir} is already at step {result.steps}; pass a larger --steps "
            "with --resume to train further."
        )
        return
    done = result.steps - result.start_step
    since = f" (resumed from step {result.start_step})" if result.start_step else ""
    losses = ", ".join(f"{k} {v:.4g}" for k, v in result.last_losses.items())
    console.print(
        f"[green]Done:[/] {done} steps{since} in {result.wall_time_s:.1f} s, "
        f"{result.images_per_s:,.0f} images/s; {losses}.\n"
        f"Run folder: [bold]{run_dir}[/] — samples/final.png, losses.png, metrics.jsonl, "
        "checkpoints/last.pt, config.json.\n"
        f"Sample from it: ganzoo sample {run_dir} {SAMPLE_HINT[plan.conditioning]}"
    )

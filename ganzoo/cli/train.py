"""``ganzoo train MODEL --dataset NAME``: one training run, with a plan up front and a summary.

Settings may also come from ``--config FILE`` (a request, or a run's recorded plan to train
again as it is; see :mod:`ganzoo.training.config_file`), with the flags given on the command
line over it.  Everything that can be refused (unknown names, impossible combinations, an
existing run folder) is refused before the first step, as a one-paragraph error.
"""

from __future__ import annotations

import json
import math
import signal
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping

import click
from click.core import ParameterSource
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ganzoo.errors import GanzooError, UnknownNameError
from ganzoo.interrupts import exit_code, signal_name
from ganzoo.plan import PRECISIONS, Plan
from ganzoo.recipe import parse_options
from ganzoo.registry import Registry
from ganzoo.training.config import DEFAULT_EVAL_SAMPLES, RunOptions, TrainConfig
from ganzoo.training.config_file import (ConfigFile, flag_name, merge_settings,
                                         parse_regularizers, prepare_recorded_run,
                                         read_config_file)
from ganzoo.training.resolve import MAX_SEED


SAMPLE_HINT = {
    "none": "-n 64 --out samples.png",
    "class": "--class 0 -n 16 --out class0.png",
    "image": "--input img.png --out translated.png",
    "unpaired": "--input img.png --direction AtoB --out translated.png",
    "text": '--text "a thin two leaning left" -n 16 --out text.png',
}


def _plan_table(plan: Any, options: Any) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold cyan")
    table.add_column()
    rows = dict(plan.describe())
    rows["schedule"] = f"{options.steps} steps; " + rows["schedule"]
    trackers = ", ".join(["jsonl", *(t.describe() for t in options.trackers)])
    rows["run"] = (f"seed {plan.seed}, device {options.device}, folder {options.run_dir}"
                   + (" (resuming)" if options.resume else "") + f", trackers {trackers}")
    if options.evaluates:
        every = [f"{n} {unit}" for n, unit in ((options.eval_every, "steps"),
                                               (options.eval_every_seconds, "s")) if n]
        rows["evaluation"] = (
            f"every {' or '.join(every)} and at the end: "
            f"{', '.join(options.eval_metrics or ['every metric that applies'])} on "
            f"{options.eval_samples:,} samples, into evaluations.jsonl")
    for key, value in rows.items():
        table.add_row(key, escape(str(value)))
    return table


def _with_failed_plugins(exc: UnknownNameError) -> GanzooError:
    """Name failed plugins next to an unknown name: one of them may have provided it."""
    from ganzoo.plugins import default_plugins, failed_note

    note = failed_note(default_plugins())
    return UnknownNameError(f"{exc} {note}") if note else exc


class PositiveFinite(click.FloatRange):
    """A number above 0 that is neither inf nor nan (``click.FloatRange`` lets both through,
    and torch refuses a NaN learning rate only after the run has started)."""

    def __init__(self) -> None:
        super().__init__(min=0, min_open=True)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{number} is not a finite number.", param, ctx)
        return number


#: How the values of a flag given on the command line become its TrainConfig field.
PARSE_FLAG: dict[str, Callable[[Any], Any]] = {
    "regularizers": parse_regularizers,
    "generator_options": partial(parse_options, flag="--g-opt"),
    "discriminator_options": partial(parse_options, flag="--d-opt"),
    "method_options": partial(parse_options, flag="--method-opt"),
    "eval_metrics": lambda text: tuple(n.strip() for n in text.split(",") if n.strip()),
}
#: Parameters of the command that are not part of a run's request.
NOT_SETTINGS = frozenset({"config_path", "print_config", "no_progress"})


def _given_flags(ctx: click.Context) -> dict[str, Any]:
    """The flags given on the command line, as TrainConfig values: a flag's default must
    never override a config file's value."""
    given = {}
    for name, value in ctx.params.items():
        source = ctx.get_parameter_source(name)
        if name not in NOT_SETTINGS and source in (ParameterSource.COMMANDLINE,
                                                   ParameterSource.ENVIRONMENT):
            given[name] = PARSE_FLAG.get(name, lambda v: v)(value)
    return given


def _check_ranges(ctx: click.Context, file: ConfigFile) -> None:
    """The file's numbers within the ranges the flags take (``--steps`` ≥ 1, ...)."""
    for param in ctx.command.params:
        value = file.settings.get(param.name or "")
        if value is None or not isinstance(param.type, (click.IntRange, click.FloatRange)):
            continue
        try:
            param.type.convert(value, param, ctx)
        except click.BadParameter as exc:
            raise GanzooError(
                f"In the config file {file.path}, {flag_name(param.name or '')} = {value!r} "
                f"is out of range: {exc.message}"
            ) from None


def _check_names(settings: Mapping[str, Any], registry: Registry) -> None:
    """A model and a dataset are named, and installed."""
    model, dataset = settings.get("model"), settings.get("dataset")
    try:
        if model is None:
            raise GanzooError(
                "Which model should be trained? Name it, e.g. 'ganzoo train gan --dataset "
                "ring8', or set model in a --config file; 'ganzoo list model' shows them all."
            )
        registry.get("model", model)
        if dataset is None:
            raise GanzooError(
                f"Which data should {model!r} train on? Add --dataset NAME, e.g. "
                f"'ganzoo train {model} --dataset ring8' (or set dataset in a --config "
                "file); 'ganzoo list dataset' shows them all."
            )
        registry.get("dataset", dataset)
    except UnknownNameError as exc:
        raise _with_failed_plugins(exc) from None


def _out_of_memory(exc: BaseException) -> bool:
    """A failed allocation on the CPU or a GPU: the plan is too large, not a bug."""
    text = str(exc)
    return (isinstance(exc, MemoryError) or "can't allocate memory" in text
            or "out of memory" in text.lower())


def _plan_and_options(file: ConfigFile | None, config: TrainConfig,
                      registry: Registry) -> tuple[Plan, RunOptions]:
    """A recorded plan as it is; else the request's plan (read back when resuming)."""
    from ganzoo.training.run import prepare_run

    if file is not None and file.plan is not None:
        return file.plan, prepare_recorded_run(file.plan, config, registry, file.path)
    return prepare_run(config, registry)


@click.command("train")
@click.argument("model", required=False)
@click.option("--config", "config_path", type=click.Path(path_type=Path), metavar="FILE",
              help="Settings from a TOML, YAML or JSON file (flags given here override it), "
                   "or a run's config.json to train its recorded plan again.")
@click.option("--dataset", "-d", help="Dataset name (see 'ganzoo list dataset').")
@click.option("--steps", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Generator updates to train for (in total, when resuming).")
@click.option("--batch-size", type=click.IntRange(min=1), help="Default: the recipe's.")
@click.option("--seed", type=click.IntRange(0, MAX_SEED), default=0, show_default=True,
              help=f"Random seed, 0 to {MAX_SEED}.")
@click.option("--device", default="cpu", show_default=True, help="cpu or cuda (cuda:N).")
@click.option("--precision", type=click.Choice(PRECISIONS), default="fp32", show_default=True,
              help="Compute the steps in bfloat16 or float16 (autocast; fp16 with loss "
                   "scaling); weights stay float32.")
@click.option("--sync-batchnorm", is_flag=True,
              help="Under torchrun: batchnorm statistics over the whole batch (SyncBatchNorm) "
                   "rather than each process's rows.")
@click.option("--compile", is_flag=True,
              help="torch.compile the networks for the training steps (CUDA graphs on a "
                   "GPU); the first steps are slower while it compiles.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Run folder. Default: runs/MODEL-DATASET.")
@click.option("--resume", is_flag=True, help="Continue the run in the run folder.")
@click.option("--generator", help="Generator architecture override (registry name).")
@click.option("--discriminator", help="Discriminator architecture override (registry name).")
@click.option("--loss", help="Adversarial loss override (registry name).")
@click.option("--reg", "regularizers", multiple=True, metavar="NAME[:KEY=VALUE][,NAME]",
              help="Regularizers instead of the recipe's (repeatable; 'none' for none), "
                   "with options, e.g. gradient-penalty:weight=0.1.")
@click.option("--g-opt", "generator_options", multiple=True, metavar="KEY=VALUE",
              help="Generator builder option.")
@click.option("--d-opt", "discriminator_options", multiple=True, metavar="KEY=VALUE",
              help="Discriminator builder option.")
@click.option("--method-opt", "method_options", multiple=True, metavar="KEY=VALUE",
              help="Training method option, e.g. aux_weight=0.5 (acgan).")
@click.option("--n-critic", type=click.IntRange(min=1),
              help="Discriminator updates per generator update.")
@click.option("--lr-g", type=PositiveFinite(), help="Generator learning rate.")
@click.option("--lr-d", type=PositiveFinite(), help="Discriminator learning rate.")
@click.option("--ema-decay", type=click.FloatRange(0, 1, max_open=True),
              help="Decay of the generator's moving average, which samples and evaluations "
                   "use (default: the recipe's, 0.999 for most); lower follows the latest "
                   "weights closer.")
@click.option("--latent-dim", type=click.IntRange(min=1))
@click.option("--image-size", type=click.IntRange(min=1), help="Resize images to N×N.")
@click.option("--data-root", type=click.Path(path_type=Path), help="Where dataset files live.")
@click.option("--download", is_flag=True, help="Download the dataset if it is missing.")
@click.option("--sample-every", type=click.IntRange(min=0), default=0,
              help="Steps between sample pictures (default: 4 per run).")
@click.option("--checkpoint-every", type=click.IntRange(min=0), default=0,
              help="Steps between checkpoints (default: 4 per run).")
@click.option("--eval-every", type=click.IntRange(min=0), default=0, metavar="N",
              help="Measure the averaged generator every N generator updates (and at the "
                   "start and the end) into evaluations.jsonl [default: never].")
@click.option("--eval-every-seconds", type=click.FloatRange(min=0), default=0.0, metavar="S",
              help="Measure it every S seconds of training too (measuring not counted).")
@click.option("--eval-metrics", metavar="A,B,...",
              help="Metrics measured during training [default: every one that applies].")
@click.option("--eval-samples", type=click.IntRange(min=2), default=DEFAULT_EVAL_SAMPLES,
              show_default=True, help="Generated samples per evaluation during training.")
@click.option("--eval-protocol", metavar="NAME",
              help="How image metrics measure during training: offline-domain, "
                   "inception-legacy or clean [default: inception-legacy when its weights "
                   "are installed, else offline-domain].")
@click.option("--tracker", "trackers", multiple=True, metavar="NAME[:KEY=VALUE]",
              help="Also log to this tracker (repeatable): tensorboard, mlflow, wandb; see "
                   "'ganzoo list tracker'. metrics.jsonl is always written.")
@click.option("--print-config", is_flag=True,
              help="Print the request and its resolved plan as JSON (a config file that "
                   "re-runs this plan) and exit without training.")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.pass_context
def train_command(ctx: click.Context, config_path: Path | None, print_config: bool,
                  no_progress: bool, **_: Any) -> None:
    """Train MODEL on a dataset; writes a run folder (config, metrics, samples, checkpoints).

    \b
      ganzoo train gan --dataset ring8
      ganzoo train dcgan --dataset mnist-5k --loss hinge --reg spectral-norm
      ganzoo train gan --dataset ring8 --steps 4000 --resume
      ganzoo train --config wgan-gp.toml --steps 500     # a file's settings; flags win
      ganzoo train --config runs/gan-ring8/config.json --out runs/again   # same plan again
    """
    from ganzoo.distributed import resolve_device
    from ganzoo.plugins import get_registry

    registry = get_registry()
    file = read_config_file(config_path) if config_path is not None else None
    if file is not None:
        _check_ranges(ctx, file)
    settings = merge_settings(file, _given_flags(ctx))
    _check_names(settings, registry)
    config = TrainConfig(**settings)

    if print_config:
        from ganzoo.training.resolve import resolve_plan

        plan = file.plan if file is not None and file.plan else resolve_plan(config, registry)
        click.echo(json.dumps({"config": config.to_json(), "plan": plan.to_dict()}, indent=2))
        return
    resolve_device(config.device)
    from ganzoo import distributed
    from ganzoo.training.loop import hold_run_folder, train

    distributed.start(config.device)  # under torchrun: join the other processes
    ctx.call_on_close(distributed.finish)
    main = distributed.is_main_process()
    if main:  # the main process checks and owns the folder; the others take its plan
        # a folder another process trains into is refused before it is read (train()
        # locks a folder that has no lock file yet, once the request has been checked)
        ctx.with_resource(hold_run_folder(config.run_options().run_dir, create=False))
        plan, run_options = _plan_and_options(file, config, registry)
        for tracker in run_options.trackers:
            registry.get("tracker", tracker.name)
    plan, run_options = distributed.from_main((plan, run_options) if main else None)
    console = Console(quiet=not main)
    console.print(_plan_table(plan, run_options))

    try:
        result = train(plan, run_options, registry=registry, progress=not no_progress,
                       console=console, config=config)
    except (MemoryError, RuntimeError) as exc:
        if not _out_of_memory(exc):
            raise
        raise GanzooError(
            f"Out of memory on {run_options.device} ({str(exc).splitlines()[0]}). This "
            "plan's networks or batches are too large for the device: lower --batch-size or "
            "the parts' widths (--g-opt/--d-opt hidden=..., base_channels=...)."
        ) from exc
    distributed.wait_for_all()
    run_dir = escape(str(result.run_dir))
    if result.interrupted:
        signum = result.interrupted_by or signal.SIGINT
        console.print(
            f"[yellow]Stopped by {signal_name(signum)}[/] at step {result.steps}; the "
            f"checkpoint in {run_dir} is saved. Re-run the same command with --resume to "
            "continue."
        )
        raise SystemExit(exit_code(signum))
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
        f"{'evaluations.jsonl, ' if run_options.evaluates else ''}checkpoints/last.pt, "
        "config.json.\n"
        f"Sample from it: ganzoo sample {run_dir} {SAMPLE_HINT[plan.conditioning]}"
    )

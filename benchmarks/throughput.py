"""Training throughput on one device: a plain eager loop against ganzoo's settings.

For dcgan (32 px, 64 base channels, batch 128), wgan-gp (32 px, batch 64) and pix2pix
(edges2digits, batch 64), in this one process and on the same device: ganzoo fp32, bf16,
bf16 + compile (each with channels_last, ganzoo's default for images), and for dcgan a plain
hand-written eager fp32 loop on identical nets in the default contiguous layout.  Each setting is timed for a short and a long run; the difference divided by the
extra steps is the time per step, free of set-up and compile time.  Prints a table of
images/s and ms/step with the ratio to the first row of each model.

    python benchmarks/throughput.py --device cuda            # the GPU check, a few minutes
    python benchmarks/throughput.py --device cpu --quick     # a smoke run on a CPU

Targets (the issue "Scale up and out"): on a GPU, ganzoo's best setting ≥ 3× the plain eager
loop's images/s for dcgan at 32 px; on a CPU, ganzoo's dcgan step ≥ 1.1× the plain loop's.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import torch
from rich.console import Console
from rich.table import Table

from ganzoo.api import TrainConfig, train
from loop_overhead import LOG_EVERY
from loop_overhead import run_plain as plain_loop


@dataclass(frozen=True)
class Case:
    model: str
    config: TrainConfig
    short: int
    long: int


def cases(device: str, quick: bool, steps: tuple[int, int] | None) -> list[Case]:
    width = {"base_channels": 16 if quick else 64}
    short, long = steps or ((2, 12) if quick else (30, 330))
    return [
        Case("dcgan", TrainConfig("dcgan", "mnist-5k", image_size=32, batch_size=128,
                                  generator_options=width, discriminator_options=width,
                                  device=device), short, long),
        Case("wgan-gp", TrainConfig("wgan-gp", "mnist-5k", image_size=32, batch_size=64,
                                    generator_options=width, discriminator_options=width,
                                    device=device), short, long // 2),
        Case("pix2pix", TrainConfig("pix2pix", "edges2digits", batch_size=64,
                                    generator_options=width, discriminator_options=width,
                                    device=device), short, long // 2),
    ]


SETTINGS: dict[str, dict[str, Any]] = {
    "ganzoo fp32": {},
    "ganzoo bf16": {"precision": "bf16"},
    "ganzoo bf16 + compile": {"precision": "bf16", "compile": True},
}


def run_ganzoo(config: TrainConfig, steps: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        train(replace(config, steps=steps, out=Path(tmp) / "run", log_every=LOG_EVERY,
                      sample_every=10**9, checkpoint_every=10**9),
              console=Console(file=io.StringIO()))


def run_plain(config: TrainConfig, steps: int) -> None:
    """The eager fp32 loop one would write by hand for dcgan's parts, on the device, with
    PyTorch's default (contiguous) memory layout."""
    plain_loop(replace(config, channels_last=False), steps)


def per_step(run: Callable[[int], None], case: Case, device: str) -> float:
    """Seconds per step: (long run − short run) / extra steps, the device synchronized."""
    timings = {}
    for steps in (case.short, case.long):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        start = time.perf_counter()
        run(steps)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        timings[steps] = time.perf_counter() - start
    return (timings[case.long] - timings[case.short]) / (case.long - case.short)


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true", help="small nets, few steps")
    parser.add_argument("--models", help="comma list: dcgan, wgan-gp, pix2pix")
    parser.add_argument("--steps", help="SHORT,LONG: the two timed run lengths (dcgan's; the "
                                        "others take half the long one)")
    args = parser.parse_args(argv)
    chosen = set(args.models.split(",")) if args.models else None
    name = torch.cuda.get_device_name() if args.device.startswith("cuda") else "CPU"
    table = Table(title=f"Training throughput on {name} (torch {torch.__version__})")
    for column in ("model", "setting", "images/s", "ms/step", "× first row"):
        table.add_column(column, justify="left" if column in ("model", "setting") else "right")
    steps = tuple(int(n) for n in args.steps.split(",")) if args.steps else None
    for case in cases(args.device, args.quick, steps):  # type: ignore[arg-type]
        if chosen and case.model not in chosen:
            continue
        runners: dict[str, Callable[[int], None]] = {}
        if case.model == "dcgan":
            runners["plain eager fp32"] = lambda n, c=case: run_plain(c.config, n)
        for setting, changes in SETTINGS.items():
            runners[setting] = lambda n, c=replace(case.config, **changes): run_ganzoo(c, n)
        images = case.config.batch_size * (5 if case.model == "wgan-gp" else 1)
        first = None
        for setting, run in runners.items():
            run(case.short)  # warm-up: caches, allocator, compilation
            seconds = per_step(run, case, args.device)
            first = first or seconds
            table.add_row(case.model, setting, f"{images / seconds:,.0f}",
                          f"{seconds * 1000:.2f}", f"{first / seconds:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()

"""How much ganzoo's generic training loop costs over a plain hand-written PyTorch loop.

Both train the same networks (built by the same registry parts), with the same loss,
optimizers, batch size, in-memory data and EMA of the generator, in this one process.  Each
is timed for a short and a long run; the difference divided by the extra steps is the time
per step, free of set-up and end-of-run costs (building parts, the final checkpoint and
pictures).  ganzoo logs its metrics every 10 steps (the default for 2000-step runs) and the
plain loop reads its losses just as often; sample pictures and checkpoints happen only at
the end.  Both freeze D's parameters during the generator update.  Runs alternate between
the loops and repeat; the median and the best (least disturbed by other processes) time are
reported.  On a busy machine prefer ``--threads 1 --clock cpu``: two intra-op threads on two
shared cores make every timing swing wildly.

    python benchmarks/loop_overhead.py                 # gan on ring8 (+ tiny), dcgan on mnist-5k
    python benchmarks/loop_overhead.py --repeats 7 --cases gan-ring8

Target: ganzoo ≥ 0.95× the plain loop's steps/s.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

import torch
from rich.console import Console

from ganzoo.api import train
from ganzoo.plugins import get_registry
from ganzoo.training.build import PartsKit
from ganzoo.training.config import TrainConfig
from ganzoo.training.resolve import resolve_plan

LOG_EVERY = 10
CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}


@dataclass
class Case:
    name: str
    config: TrainConfig
    short: int
    long: int
    times: dict[str, list[float]] = field(default_factory=dict)


def cases(selected: set[str] | None) -> list[Case]:
    registry = get_registry()
    tiny = {"hidden": 8}
    found = [
        Case("gan-ring8", TrainConfig("gan", "ring8"), short=100, long=2100),
        # a step of almost nothing but framework calls: any per-step loop overhead shows here
        Case("gan-ring8-tiny (hidden 8, batch 16)",
             TrainConfig("gan", "ring8", batch_size=16, generator_options=tiny,
                         discriminator_options=tiny),
             short=100, long=3100),
    ]
    if ("model", "dcgan") in registry and ("dataset", "mnist-5k") in registry:
        small = {"base_channels": 16}
        found.append(Case(
            "dcgan-mnist-5k (28×28, 16 base channels, batch 64)",
            TrainConfig("dcgan", "mnist-5k", batch_size=64, generator_options=small,
                        discriminator_options=small),
            short=10, long=210,
        ))
    return [c for c in found if selected is None or c.name.split(" ")[0] in selected]


def run_ganzoo(config: TrainConfig, steps: int, progress: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        console = Console(file=io.StringIO(), force_terminal=True, width=120)
        train(replace(config, steps=steps, out=Path(tmp) / "run", log_every=LOG_EVERY,
                      sample_every=10**9, checkpoint_every=10**9),
              progress=progress, console=console)


def run_plain(config: TrainConfig, steps: int) -> None:
    """The loop one would write by hand for these parts (what the ganzoo loop must match),
    on ``config.device``, in the memory format ``config.channels_last`` asks for."""
    registry = get_registry()
    plan = resolve_plan(config, registry)
    device = torch.device(config.device)
    torch.manual_seed(config.seed)
    kit = PartsKit(plan, registry, device)  # the same parts (and memory format) ganzoo builds
    G, D, loss = kit.generator(), kit.discriminator(), kit.loss
    g_opt, d_opt = kit.g_optimizer(G.parameters()), kit.d_optimizer(D.parameters())
    data = registry.get("dataset", plan.dataset).load().build(
        split="train", image_size=plan.image_size).tensors[0].to(device)
    if plan.channels_last:
        data = data.contiguous(memory_format=torch.channels_last)
    ema = [p.detach().clone() for p in G.parameters()]
    params = [p.detach() for p in G.parameters()]
    b, nz = plan.batch_size, plan.latent_dim
    shuffle = torch.Generator().manual_seed(config.seed)
    order, pos = torch.randperm(len(data), generator=shuffle), 0
    losses = []
    for step in range(1, steps + 1):
        for _ in range(plan.n_critic):
            if pos + b > len(order):
                order, pos = torch.randperm(len(data), generator=shuffle), 0
            real = data[order[pos : pos + b]]
            pos += b
            with torch.no_grad():
                fake = G(torch.randn(b, nz, device=device), None)
            d_loss = loss.d_loss(D(real, None), D(fake, None))
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
        D.requires_grad_(False)
        g_loss = loss.g_loss(D(G(torch.randn(b, nz, device=device), None), None))
        g_opt.zero_grad(set_to_none=True)
        g_loss.backward()
        g_opt.step()
        D.requires_grad_(True)
        torch._foreach_lerp_(ema, params, 1 - plan.ema_decay)
        if step % LOG_EVERY == 0:
            losses.append((d_loss.item(), g_loss.item()))


def per_step(run: Callable[[int], None], case: Case, clock: Callable[[], float]) -> float:
    """Seconds per step: (time of a long run − time of a short run) / extra steps."""
    timings = {}
    for steps in (case.short, case.long):
        start = clock()
        run(steps)
        timings[steps] = clock() - start
    return (timings[case.long] - timings[case.short]) / (case.long - case.short)


def measure(case: Case, repeats: int, clock: Callable[[], float]) -> None:
    runners: dict[str, Callable[[int], None]] = {
        "plain loop": lambda n: run_plain(case.config, n),
        "ganzoo train()": lambda n: run_ganzoo(case.config, n, progress=False),
        "ganzoo train() + progress bar": lambda n: run_ganzoo(case.config, n, progress=True),
    }
    for run in runners.values():  # warm-up: imports, caches, allocator
        run(case.short)
    names = list(runners)
    for r in range(repeats):
        for name in names if r % 2 == 0 else reversed(names):
            case.times.setdefault(name, []).append(per_step(runners[name], case, clock))


def report(case: Case, clock: str) -> None:
    """Median and best (least disturbed by other processes) steps/s, and ratios to plain."""
    plain = case.times["plain loop"]
    print(f"\n{case.name}: {case.long - case.short} timed steps × {len(plain)} repeats, "
          f"torch threads {torch.get_num_threads()}, {clock} clock")
    print(f"  {'':<31} {'median':>8} {'best':>8}   ratio to plain: median  best")
    for name, times in case.times.items():
        median, best = statistics.median(times), min(times)
        print(f"  {name:<31} {1 / median:8.1f} {1 / best:8.1f}   "
              f"{statistics.median(plain) / median:20.3f} {min(plain) / best:5.3f}")


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cases", help="comma list: gan-ring8, gan-ring8-tiny, dcgan-mnist-5k")
    parser.add_argument("--threads", type=int, help="torch intra-op threads")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time, or this process's CPU time (steadier on a busy machine)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    selected = set(args.cases.split(",")) if args.cases else None
    for case in cases(selected):
        measure(case, args.repeats, CLOCKS[args.clock])
        report(case, args.clock)


if __name__ == "__main__":
    main()

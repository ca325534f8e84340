"""The best GAN setting found for the 2-D mixtures, measured over seeds on ring8 and grid25.

Issue 12 asks for a recipe that covers at least 24 of grid25's 25 modes with at least 90 %
high-quality samples and ring8's 8 with at least 95 %.  No paper's toy setting gets there at
the bench's budget (3,000 updates of 256; docs/results.md), so this script trains the
setting a sweep found, which is ganzoo's and no paper's: the original GAN's objective
(non-saturating) with 3-layer MLPs 256 wide, Adam lr 1e-3 and betas (0.5, 0.999) for both
nets, a generator moving average of decay 0.99 (the recipes' 0.999 averages in weights from
before the modes formed), batch 512 and 6,000 updates: four times the bench's samples.  Each
run is measured twice: on the generator's samples, and on those discriminator rejection
sampling keeps (``ganzoo eval --drs``, :mod:`ganzoo.rejection`).

It is registered here as the model ``gan-toy-tuned`` through a plugin object, the way a
third party adds a recipe, and not shipped in the zoo: its figures answer "can a GAN reach
the target on this CPU", not "what did a paper's setting do".  Each cell is one run folder
under ``--out``; the table gives each seed and mean ± std (sample std over seeds).

    python benchmarks/toy_best.py --out toy-best            # 3 seeds × 2 datasets, ~15 min
    python benchmarks/toy_best.py --out /tmp/t --steps 20 --seeds 1   # a smoke run
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, evaluate, hookimpl, load_plugins, train
from ganzoo.bench.summary import Stat

MODEL = "gan-toy-tuned"
_MLP = PartChoice("mlp", {"hidden": 256, "depth": 3})
_ADAM = OptimizerSpec("adam", lr=1e-3, betas=(0.5, 0.999))
TUNED = Recipe(
    name=MODEL,
    summary="The original GAN's objective with ganzoo's tuned toy setting (benchmarks only)",
    paper="Goodfellow et al. 2014 (objective); the setting is ganzoo's (benchmarks/toy_best.py)",
    loss="non-saturating",
    generator={"points": _MLP},
    discriminator={"points": _MLP},
    g_optimizer=_ADAM,
    d_optimizer=_ADAM,
    batch_size={"points": 512},
    ema_decay=0.99,
)
TARGETS = {"ring8": (8, 95.0), "grid25": (24, 90.0)}


class ToyBest:
    """The plugin object that registers :data:`TUNED`."""

    @hookimpl
    def ganzoo_register_models(self, registry: Any) -> None:
        registry.add_model(TUNED)


def measure(dataset: str, seed: int, steps: int, out: Path) -> dict[str, Any]:
    """Train one cell in this (worker) process on one thread and measure mode coverage."""
    import torch

    torch.set_num_threads(1)
    registry = load_plugins(extra=[("toy_best", ToyBest())]).registry
    run_dir = out / f"{MODEL}-{dataset}-seed{seed}"
    started = time.perf_counter()
    train(MODEL, dataset, steps=steps, seed=seed, out=run_dir, registry=registry)
    seconds = time.perf_counter() - started
    plain = evaluate(run_dir, ["mode-coverage"], registry=registry)["mode-coverage"]["values"]
    filtered = evaluate(run_dir, ["mode-coverage"], registry=registry,
                        rejection=True)["mode-coverage+drs"]["values"]
    return {"dataset": dataset, "seed": seed, "train_seconds": round(seconds, 1), **plain,
            **{f"drs_{name}": value for name, value in filtered.items()}}


def _stat(values: list[float]) -> str:
    stat = Stat.of(values)
    assert stat is not None
    spread = f" ± {stat.std:.1f}" if stat.std is not None else ""
    return f"{stat.mean:.1f}{spread}"


def table(rows: list[dict[str, Any]], steps: int) -> str:
    """Two Markdown lines per dataset, the generator's samples and those DRS kept: every
    seed's figures, their mean ± std, the target."""
    lines = ["| dataset | samples | modes (mean ± std) | high quality % | per seed (modes / %) | "
             "target | budget |", "|---|---|---|---|---|---|---|"]
    for dataset in TARGETS:
        cells = sorted((r for r in rows if r["dataset"] == dataset), key=lambda r: r["seed"])
        need_modes, need_quality = TARGETS[dataset]
        for samples, prefix in (("all", ""), ("DRS-kept", "drs_")):
            if not cells:
                continue
            modes = [r[f"{prefix}modes"] for r in cells]
            quality = [r[f"{prefix}high_quality_pct"] for r in cells]
            seeds = ", ".join(f"{m:.0f} / {q:.1f}" for m, q in zip(modes, quality))
            target = f"≥ {need_modes} / ≥ {need_quality:g} %"
            lines.append(f"| {dataset} | {samples} | {_stat(modes)} | {_stat(quality)} | {seeds} "
                         f"| {target} | {steps:,} updates × batch 512 |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="Folder for the run folders.")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=6000)
    parser.add_argument("--datasets", default="ring8,grid25")
    parser.add_argument("--workers", type=int, default=2, help="Cells trained at once.")
    args = parser.parse_args()
    cells = [(d, s) for d in args.datasets.split(",") for s in range(args.seeds)]
    with ProcessPoolExecutor(args.workers, mp_context=get_context("spawn")) as pool:
        rows = list(pool.map(measure, *zip(*cells), [args.steps] * len(cells),
                             [args.out] * len(cells)))
    (args.out / "toy_best.json").write_text(json.dumps(rows, indent=2) + "\n")
    print(table(rows, args.steps))


if __name__ == "__main__":
    main()

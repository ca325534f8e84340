"""Contracts of models (recipes) and methods, checked by training briefly.

- A model trains on each kind of data it names default parts for, with finite losses.
- A method's step survives save and restore exactly: 2 steps, a checkpoint, 2 more steps
  end with the same tensors as 4 steps at once (networks, optimizers' effect, the
  generator's moving average).
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import torch

from ganzoo.errors import IncompatibleError
from ganzoo.recipe import Recipe
from ganzoo.registry import Entry, Registry
from ganzoo.testing.cases import ContractError, NotChecked, require
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo.training.loop import RunResult

#: the built-in dataset a model is trained on, per kind of data (and image conditioning);
#: images are tried small first, then at MNIST's size for nets that need more pixels
DATASETS = {"points": ("ring8",), "image": ("digits", "mnist-5k"), "paired": ("edges2digits",),
            "captioned": ("captioned-digits",), "unpaired": ("edges2digits-unpaired",)}
BATCH_SIZE = 8


def train_briefly(model: str, dataset: str, out: Path | str, *, steps: int = 2,
                  registry: Registry | None = None, **settings: Any) -> RunResult:
    """Train ``model`` on ``dataset`` for a few steps into ``out`` — small batch, no
    pictures — as a plugin's tests need: it proves the parts build and a step runs."""
    from ganzoo.api import train

    settings.setdefault("batch_size", BATCH_SIZE)
    settings.setdefault("sample_every", 0)
    return train(model, dataset, out=Path(out), steps=steps, registry=registry, **settings)


def checkpoint_tensors(run_dir: Path) -> dict[str, torch.Tensor]:
    """Every network's tensors and the generator's average in ``run_dir``'s checkpoint,
    by ``network.key`` (``ema.key`` for the average)."""
    state = load_checkpoint(Path(run_dir) / "checkpoints" / "last.pt")
    found = {f"ema.{k}": v for k, v in state["ema"]["module"].items()}
    for name, net in state["networks"].items():
        found.update({f"{name}.{k}": v for k, v in net.items()})
    return found


def resumes_exactly(model: str, tmp_path: Path, *, registry: Registry | None = None,
                    **settings: Any) -> tuple[RunResult, dict[str, torch.Tensor]]:
    """Train ``model`` 2 steps then resume to 4 (``tmp_path/split``), and 4 at once
    (``tmp_path/whole``); raise :class:`ContractError` unless both end with the same
    tensors.  Returns the resumed run's result and its tensors."""
    from ganzoo.api import train

    def run(name: str, steps: int, resume: bool = False) -> RunResult:
        return train(model, out=tmp_path / name, steps=steps, resume=resume, registry=registry,
                     checkpoint_every=2, sample_every=0, **settings)

    run("split", 2)
    resumed = run("split", 4, resume=True)
    run("whole", 4)
    require((resumed.start_step, resumed.steps) == (2, 4),
            f"the resumed run went from step {resumed.start_step} to {resumed.steps}, not 2 to 4")
    split, whole = checkpoint_tensors(tmp_path / "split"), checkpoint_tensors(tmp_path / "whole")
    require(split.keys() == whole.keys(), "a resumed run checkpoints other tensors than an "
            f"uninterrupted one: {sorted(split.keys() ^ whole.keys())}")
    differ = [key for key, value in split.items() if not torch.equal(value, whole[key])]
    require(not differ, f"2 steps + resume + 2 steps differ from 4 steps in {len(differ)} "
            f"tensor(s), e.g. {', '.join(differ[:3])}: the method's state is not all saved "
            "(return it from state_dict) or its step draws randomness outside torch's RNG")
    return resumed, split


def _data_kinds(recipe: Recipe) -> list[str]:
    if recipe.conditioning == "image":
        return ["paired"]
    if recipe.conditioning == "text":
        return ["captioned"]
    if recipe.conditioning == "unpaired":
        return ["unpaired"]
    return [kind for kind in ("points", "image") if recipe.generator_for(kind) is not None]


def _trains(registry: Registry, model: str, kind: str, out: Path, **settings: Any) -> str:
    """Train ``model`` on the first dataset of ``kind`` it accepts; the dataset's name."""
    refusals = []
    for dataset in DATASETS[kind]:
        if ("dataset", dataset) not in registry:
            continue
        try:
            result = train_briefly(model, dataset, out / dataset, registry=registry, **settings)
        except IncompatibleError as exc:
            refusals.append(f"{dataset}: {exc}")
            continue
        bad = {k: v for k, v in result.last_losses.items() if not math.isfinite(v)}
        require(not bad, f"training on {dataset} gave non-finite losses {bad}")
        return dataset
    raise ContractError(f"it names default parts for {kind} data but trains on none of "
                        f"{', '.join(DATASETS[kind])}: {' '.join(refusals)}")


def check_model(registry: Registry, entry: Entry) -> str:
    recipe = entry.load()
    require(isinstance(recipe, Recipe), f"it registered a {type(recipe).__name__}, not a Recipe")
    kinds = _data_kinds(recipe)
    require(bool(kinds), "it names default parts for no kind of data")
    with tempfile.TemporaryDirectory(prefix="ganzoo-contract-") as tmp:
        trained = [_trains(registry, entry.name, kind, Path(tmp) / kind) for kind in kinds]
    return "trains on " + ", ".join(trained)


def check_method(registry: Registry, entry: Entry) -> str:
    users = [e.name for e in registry.list("model")
             if isinstance(e.load(), Recipe) and e.load().method_choice.name == entry.name]
    if not users:
        raise NotChecked("no registered model uses it; register a recipe naming it to have "
                         "its step checked")
    model = users[0]
    recipe: Recipe = registry.get("model", model).load()
    kind = _data_kinds(recipe)[0]
    with tempfile.TemporaryDirectory(prefix="ganzoo-contract-") as tmp:
        dataset = _trains(registry, model, kind, Path(tmp) / "probe", steps=1)
        resumes_exactly(model, Path(tmp), registry=registry, dataset=dataset,
                        batch_size=BATCH_SIZE)
    return f"model {model} on {dataset}: 2 + 2 steps equal 4"

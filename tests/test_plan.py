"""One resolved plan per run: recorded in the run folder and rebuilt from, never re-planned.

A test plugin registers the model ``drifting`` and its generator ``drifting-mlp``; its
"version 2" changes the recipe's defaults (loss, learning rates, batch size) and the
generator's default width.  A run trained under version 1 must still sample, evaluate and
resume bit-exactly under version 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch

from ganzoo.api import OptimizerSpec, PartChoice, Plan, Recipe, hookimpl, train
from ganzoo.errors import GanzooError
from ganzoo.metrics.evaluate import evaluate_run
from ganzoo.plugins import get_registry, load_plugins
from ganzoo.training.checkpoint import CHECKPOINT_FORMAT, load_checkpoint, save_checkpoint
from ganzoo.training.config import TrainConfig
from ganzoo.training.resolve import resolve_plan
from ganzoo.training.run import load_run, read_plan
from ganzoo_gan.mlp import MLPGenerator


def drifting_plugin(version: int) -> type:
    """The test plugin as released in ``version`` 1 or 2."""
    width = 16 if version == 1 else 32

    def generator(spec: Any, *, latent_dim: int, conditioning: str = "none",
                  hidden: int = width) -> MLPGenerator:
        return MLPGenerator(spec, latent_dim=latent_dim, conditioning=conditioning,
                            hidden=hidden, depth=2)

    recipe = Recipe(
        name="drifting", summary="test: defaults that change between versions", paper="-",
        loss="non-saturating" if version == 1 else "least-squares",
        generator={"points": "drifting-mlp"},
        discriminator={"points": PartChoice("mlp", {"hidden": 16})},
        g_optimizer=OptimizerSpec("adam", lr=1e-3 if version == 1 else 5e-4),
        d_optimizer=OptimizerSpec("adam", lr=1e-3 if version == 1 else 5e-4),
        batch_size={"points": 32 if version == 1 else 64},
    )

    class Plugin:
        @staticmethod
        @hookimpl
        def ganzoo_register_models(registry: Any) -> None:
            registry.add_model(recipe)

        @staticmethod
        @hookimpl
        def ganzoo_register_generators(registry: Any) -> None:
            registry.add("generator", "drifting-mlp", generator, summary="test")

    return Plugin


@pytest.fixture(scope="module")
def versions() -> dict[int, Any]:
    return {v: load_plugins(extra=[("drifting", drifting_plugin(v))]) for v in (1, 2)}


def _train(plugins: Any, out: Path, steps: int, resume: bool = False) -> Any:
    return train("drifting", "ring8", steps=steps, out=out, resume=resume, log_every=2,
                 checkpoint_every=4, sample_every=100, registry=plugins.registry,
                 hooks=plugins.manager)


def test_the_plan_is_fully_resolved_and_round_trips(versions):
    plan = resolve_plan(TrainConfig("drifting", "ring8"), versions[1].registry)
    assert plan.generator == PartChoice("drifting-mlp", {"hidden": 16})
    assert plan.discriminator.options == {"hidden": 16, "depth": 3, "norm": "none", "maxout": 0}
    assert plan.loss == PartChoice("non-saturating", {})
    assert plan.method.name == "adversarial" and plan.batch_size == 32
    assert Plan.from_dict(json.loads(json.dumps(plan.to_dict()))) == plan


def test_an_old_run_samples_evaluates_and_resumes_bit_exactly_under_new_defaults(
        versions, tmp_path):
    old, new = versions[1], versions[2]
    _train(old, tmp_path / "split", steps=4)
    samples_then = load_run(tmp_path / "split", registry=old.registry).sample(16, seed=1)

    # ganzoo "upgraded": the recipe and the generator now default to something else
    plan = read_plan(tmp_path / "split", new.registry)
    assert plan.generator.options["hidden"] == 16 and plan.batch_size == 32
    assert plan.loss.name == "non-saturating"
    loaded = load_run(tmp_path / "split", registry=new.registry)
    assert torch.equal(loaded.sample(16, seed=1), samples_then)
    figures = evaluate_run(tmp_path / "split", ["mode-coverage"], registry=new.registry,
                           progress=False, num_samples=200)
    assert "modes" in json.dumps(figures)

    resumed = _train(new, tmp_path / "split", steps=8, resume=True)
    whole = _train(old, tmp_path / "whole", steps=8)
    assert resumed.start_step == 4 and resumed.steps == whole.steps == 8
    a = load_checkpoint(tmp_path / "split/checkpoints/last.pt")
    b = load_checkpoint(tmp_path / "whole/checkpoints/last.pt")
    for part in ("networks", "optimizers", "ema"):
        for key, value in _flat(a[part]).items():
            assert torch.equal(value, _flat(b[part])[key]), f"{part}.{key} differs"

    # a new run under version 2 does get the new defaults
    fresh = read_plan(_train(new, tmp_path / "fresh", steps=1).run_dir, new.registry)
    assert fresh.generator.options["hidden"] == 32 and fresh.loss.name == "least-squares"


def _flat(tree: Any, prefix: str = "") -> dict[str, torch.Tensor]:
    if isinstance(tree, torch.Tensor):
        return {prefix: tree}
    if isinstance(tree, dict):
        items = tree.items()
    elif isinstance(tree, (list, tuple)):
        items = enumerate(tree)
    else:
        return {}
    return {k: v for key, sub in items for k, v in _flat(sub, f"{prefix}.{key}").items()}


def test_a_format_1_checkpoint_is_migrated_and_a_newer_one_refused(versions, tmp_path):
    plugins = versions[1]
    _train(plugins, tmp_path / "run", steps=4)
    path = tmp_path / "run/checkpoints/last.pt"
    state = load_checkpoint(path)
    expected = load_run(tmp_path / "run", registry=plugins.registry).sample(8)

    # the layout before methods: fixed keys for one generator and one discriminator
    legacy = {k: v for k, v in state.items() if k not in ("networks", "optimizers", "method")}
    legacy.update(format=1, generator=state["networks"]["generator"],
                  discriminator=state["networks"]["discriminator"],
                  g_optimizer=state["optimizers"]["generator"],
                  d_optimizer=state["optimizers"]["discriminator"])
    save_checkpoint(legacy, path)
    assert torch.equal(load_run(tmp_path / "run", registry=plugins.registry).sample(8), expected)
    assert _train(plugins, tmp_path / "run", steps=6, resume=True).steps == 6

    save_checkpoint({**load_checkpoint(path), "format": CHECKPOINT_FORMAT + 1}, path)
    with pytest.raises(GanzooError, match="newer ganzoo"):
        load_run(tmp_path / "run", registry=plugins.registry)


def test_a_run_folder_from_before_recorded_plans_is_re_resolved(versions, tmp_path):
    """config.json format 1 held the request and a description; its plan is re-resolved
    from the request, as it was when it trained."""
    plugins = versions[1]
    _train(plugins, tmp_path / "run", steps=2)
    config = tmp_path / "run/config.json"
    record = json.loads(config.read_text())
    record.pop("format")
    record["plan"] = {"recipe": "drifting", "generator": "drifting-mlp"}  # the old description
    config.write_text(json.dumps(record))
    assert read_plan(tmp_path / "run", plugins.registry).generator.options == {"hidden": 16}
    assert load_run(tmp_path / "run", registry=plugins.registry).step == 2


def test_a_plan_from_a_newer_ganzoo_is_refused(versions, tmp_path):
    _train(versions[1], tmp_path / "run", steps=1)
    config = tmp_path / "run/config.json"
    record = json.loads(config.read_text())
    record["plan"]["format"] = 99
    config.write_text(json.dumps(record))
    with pytest.raises(GanzooError, match="newer ganzoo"):
        load_run(tmp_path / "run", registry=versions[1].registry)


def test_wgan_gp_presets_per_kind_of_data():
    points = resolve_plan(TrainConfig("wgan-gp", "ring8"), get_registry())
    images = resolve_plan(TrainConfig("wgan-gp", "mnist-5k"), get_registry())
    assert points.regularizers == (PartChoice("gradient-penalty", {"weight": 0.1}),)
    assert images.regularizers == (PartChoice("gradient-penalty", {"weight": 10.0}),)
    assert points.g_optimizer.betas == (0.5, 0.9) and images.g_optimizer.betas == (0.0, 0.9)


def test_a_preset_naming_an_unknown_field_is_refused():
    with pytest.raises(ValueError, match="unknown field"):
        Recipe(name="x", summary="", paper="", loss="hinge", generator={}, discriminator={},
               presets={"points": {"n_critics": 3}})


@pytest.mark.parametrize("field, value", [
    ("spec", []), ("n_critic", 0), ("batch_size", "16"), ("ema_decay", 2.0),
    ("generator", {"options": {}}), ("regularizers", None),
])
def test_a_damaged_recorded_plan_is_refused_by_name(versions, tmp_path, field, value):
    _train(versions[1], tmp_path / "run", steps=1)
    config = tmp_path / "run/config.json"
    record = json.loads(config.read_text())
    record["plan"][field] = value
    config.write_text(json.dumps(record))
    with pytest.raises(GanzooError, match="is damaged or incomplete"):
        load_run(tmp_path / "run", registry=versions[1].registry)


def test_a_run_from_before_recorded_plans_keeps_the_choices_it_described(tmp_path):
    """A format-1 config.json (as ganzoo wrote it before plans were recorded) described
    wgan-gp on ring8 with the paper's penalty 10; today's recipe uses 0.1 on points.  The
    run must be rebuilt as it was trained, not with today's defaults."""
    out = tmp_path / "run"
    train("wgan-gp", "ring8", steps=2, out=out, batch_size=8, progress=False)
    config = out / "config.json"
    record = json.loads(config.read_text())
    record.pop("format")
    record["plan"] = {
        "recipe": "wgan-gp", "dataset": "ring8", "conditioning": "none",
        "generator": "mlp", "discriminator": "mlp(norm=none)", "loss": "wasserstein",
        "regularizers": ["gradient-penalty"], "extra_terms": [], "latent_dim": 2,
        "batch_size": 8, "n_critic": 5, "g_optimizer": "adam lr=0.0001 betas=(0, 0.9)",
        "d_optimizer": "adam lr=0.0001 betas=(0, 0.9)",
    }
    config.write_text(json.dumps(record))
    plan = read_plan(out, get_registry())
    assert plan.regularizers == (PartChoice("gradient-penalty", {"weight": 10.0}),)
    assert plan.g_optimizer.betas == plan.d_optimizer.betas == (0.0, 0.9)
    assert plan.discriminator == PartChoice("mlp", {"hidden": 128, "depth": 3, "norm": "none",
                                                   "maxout": 0})
    assert (plan.n_critic, plan.batch_size, plan.latent_dim) == (5, 8, 2)
    assert train("wgan-gp", "ring8", steps=3, out=out, batch_size=8, resume=True).steps == 3
    rewritten = json.loads(config.read_text())["plan"]
    assert rewritten["regularizers"] == [{"name": "gradient-penalty", "options": {"weight": 10.0}}]

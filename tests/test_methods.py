"""The method part: a plugin adds a multi-network training step without touching the core.

The test plugin's ``two-critics`` method trains one generator against two discriminators
(each with its own optimizer and its own real batch), as GMAN-style or CycleGAN-style
methods need several networks; its recipe ``dual`` names it.  The generic loop must train,
log, checkpoint, resume exactly and sample it like any built-in model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
import torch

from ganzoo.api import Batch, Method, PartChoice, Recipe, hookimpl, train
from ganzoo.errors import GanzooError
from ganzoo.plugins import load_plugins
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo.training.run import load_run


class TwoCritics(Method):
    """One generator, two critics; the generator minimizes the mean of their losses."""

    def __init__(self, kit: Any, share: float = 0.5):
        self.generator = kit.generator()
        self.critics = {"critic_a": kit.discriminator(), "critic_b": kit.discriminator()}
        self.loss, self.share = kit.loss, share
        self.opts = {"generator": kit.g_optimizer(self.generator.parameters()),
                     **{k: kit.d_optimizer(c.parameters()) for k, c in self.critics.items()}}
        self.space, self.split = kit.conditioning.latent_space(self.generator), kit.conditioning.split
        self.batch_size, self.device = kit.plan.batch_size, kit.device
        self.batches_per_step = 2
        self.updates = torch.zeros(())  # method state beyond networks and optimizers

    def networks(self) -> dict[str, torch.nn.Module]:
        return {"generator": self.generator, **self.critics}

    def optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return self.opts

    def step(self, next_batch: Callable[[], Batch]) -> dict[str, torch.Tensor]:
        values = {}
        for name, critic in self.critics.items():
            real, cond = self.split(next_batch())
            with torch.no_grad():
                fake = self.generator(self.space.sample(self.batch_size, self.device), cond)
            loss = self.loss.d_loss(critic(real, cond), critic(fake, cond))
            self.opts[name].zero_grad(set_to_none=True)
            loss.backward()
            self.opts[name].step()
            values[f"{name}_loss"] = loss
        fake = self.generator(self.space.sample(self.batch_size, self.device), cond)
        a, b = (self.loss.g_loss(c(fake, cond)) for c in self.critics.values())
        g_loss = self.share * a + (1 - self.share) * b
        self.opts["generator"].zero_grad(set_to_none=True)
        g_loss.backward()
        self.opts["generator"].step()
        self.updates += 1
        return {**values, "g_loss": g_loss}

    def state_dict(self) -> dict[str, Any]:
        return {"updates": self.updates.clone()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.updates = state["updates"].clone()


class DualPlugin:
    @staticmethod
    @hookimpl
    def ganzoo_register_methods(registry: Any) -> None:
        registry.add("method", "two-critics", TwoCritics, summary="test: two critics")

    @staticmethod
    @hookimpl
    def ganzoo_register_models(registry: Any) -> None:
        registry.add_model(Recipe(
            name="dual", summary="test: one generator, two critics", paper="-",
            loss="non-saturating", method=PartChoice("two-critics", {"share": 0.25}),
            generator={"points": PartChoice("mlp", {"hidden": 16})},
            discriminator={"points": PartChoice("mlp", {"hidden": 16})},
            batch_size={"points": 32}))


@pytest.fixture(scope="module")
def plugins() -> Any:
    loaded = load_plugins(extra=[("dual", DualPlugin)])
    assert not [p.error for p in loaded.failed if p.name in ("dual",)]
    return loaded


def _train(plugins: Any, out: Path, steps: int, resume: bool = False) -> Any:
    return train("dual", "ring8", steps=steps, out=out, resume=resume, log_every=2,
                 checkpoint_every=3, registry=plugins.registry, hooks=plugins.manager)


def test_a_plugin_method_trains_logs_checkpoints_and_samples(plugins, tmp_path):
    result = _train(plugins, tmp_path / "run", steps=6)
    assert (result.steps, result.d_steps) == (6, 12)  # two critic updates per step
    assert set(result.params) == {"generator", "critic_a", "critic_b"}
    assert set(result.last_losses) == {"critic_a_loss", "critic_b_loss", "g_loss"}
    state = load_checkpoint(tmp_path / "run/checkpoints/last.pt")
    assert set(state["networks"]) == set(state["optimizers"]) == {
        "generator", "critic_a", "critic_b"}
    assert state["method"]["updates"] == 6
    assert load_run(tmp_path / "run", registry=plugins.registry).sample(5).shape == (5, 2)


def test_the_plan_records_the_method_and_its_options(plugins, tmp_path):
    from ganzoo.training.run import read_plan

    _train(plugins, tmp_path / "run", steps=1)
    plan = read_plan(tmp_path / "run", plugins.registry)
    assert plan.method == PartChoice("two-critics", {"share": 0.25})


def test_a_plugin_method_resumes_exactly(plugins, tmp_path):
    _train(plugins, tmp_path / "split", steps=3)
    _train(plugins, tmp_path / "split", steps=7, resume=True)
    _train(plugins, tmp_path / "whole", steps=7)
    a = load_checkpoint(tmp_path / "split/checkpoints/last.pt")
    b = load_checkpoint(tmp_path / "whole/checkpoints/last.pt")
    for name in ("generator", "critic_a", "critic_b"):
        for key, value in a["networks"][name].items():
            assert torch.equal(value, b["networks"][name][key]), f"{name}.{key}"
    assert torch.equal(a["ema"]["module"]["net.0.weight"], b["ema"]["module"]["net.0.weight"])
    assert a["method"]["updates"] == b["method"]["updates"] == 7


def test_a_method_option_it_does_not_take_is_refused(plugins):
    from ganzoo.data.spec import DataSpec
    from ganzoo.training.resolve import resolve_part

    with pytest.raises(GanzooError, match="has no option 'shares'"):
        resolve_part(plugins.registry, "method", PartChoice("two-critics", {"shares": 1}),
                     DataSpec((2,)))

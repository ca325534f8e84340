"""The contract suite of ganzoo.testing: every built-in entry passes it, and each kind of
broken part in a plugin is caught with a message saying what is wrong."""

from __future__ import annotations

import pytest

from ganzoo.plugins import load_plugins
from ganzoo.testing import contract_checks, contract_tests, plugin_set
from ganzoo.testing.cases import FAILED, PASSED, run_check

BUILTINS = tuple(p.name for p in plugin_set().plugins)

# ganzoo's own plugins run the same suite a third party's do
test_builtin_contracts = contract_tests(*BUILTINS)


BROKEN = '''
import torch
from torch import nn
from ganzoo.api import DataSpec, DatasetInfo, IncompatibleError, Loss, Regularizer, hookimpl


class FlatGenerator(nn.Module):
    """Forgets to reshape: returns (B, C*H*W) for images."""

    def __init__(self, spec, *, latent_dim, conditioning="none"):
        super().__init__()
        if not spec.is_image or conditioning != "none":
            raise IncompatibleError("images only")
        self.out_shape = spec.shape
        self.net = nn.Linear(latent_dim, spec.shape[0] * spec.shape[1] * spec.shape[2])

    def forward(self, z, cond=None):
        return torch.tanh(self.net(z))


class UnboundedGenerator(FlatGenerator):
    """The right shape, but no tanh: images outside [-1, 1]."""

    def forward(self, z, cond=None):
        return 10 * self.net(z).view(len(z), *self.out_shape)


class DetachedCritic(nn.Module):
    """Scores that do not depend on the input differentiably."""

    def __init__(self, spec, *, conditioning="none"):
        super().__init__()
        if conditioning != "none":
            raise IncompatibleError("unconditional only")
        self.in_shape = spec.shape
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x, cond=None):
        return x.detach().flatten(1).mean(1) + self.bias


class VectorLoss(Loss):
    def d_loss(self, real_scores, fake_scores):
        return fake_scores - real_scores  # not reduced to a scalar

    def g_loss(self, fake_scores, real_scores=None):
        return -fake_scores.mean()


class Idle(Regularizer):
    """Overrides nothing and adds no term."""


def _outside(root=None, download=False, split="train", image_size=None):
    return torch.utils.data.TensorDataset(torch.full((10, 1, 4, 4), 2.0),
                                          torch.zeros(10, dtype=torch.long))


class MisnamedHookTracker:
    def ganzoo_step_loged(self, step, values):
        pass


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "flat", FlatGenerator)
    registry.add("generator", "unbounded", UnboundedGenerator)


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "detached", DetachedCritic)


@hookimpl
def ganzoo_register_losses(registry):
    registry.add("loss", "vector", VectorLoss)


@hookimpl
def ganzoo_register_regularizers(registry):
    registry.add("regularizer", "idle", Idle)


@hookimpl
def ganzoo_register_datasets(registry):
    registry.add_dataset(DatasetInfo("too-bright", DataSpec((1, 4, 4), num_classes=2), _outside))


@hookimpl
def ganzoo_register_trackers(registry):
    registry.add("tracker", "misnamed", MisnamedHookTracker)
'''

EXPECTED = {
    "plugin:broken/imports-without-torch": "imports torch",
    "generator:flat": "has shape (4, 784), not (4, 1, 28, 28)",
    "generator:unbounded": "images are in [-1, 1]",
    "discriminator:detached": "not differentiable with respect to x",
    "loss:vector": "d_loss on a score column returned a tensor of shape (4, 1)",
    "regularizer:idle": "it does nothing",
    "dataset:too-bright": "spans [2, 2]; images lie in [-1, 1]",
    "tracker:misnamed": "ganzoo_step_loged is not a lifecycle hook (did you mean "
                        "ganzoo_step_logged?)",
}


@pytest.fixture
def broken(write_module):
    write_module("ganzoo_broken_parts", BROKEN)
    import ganzoo_broken_parts

    return load_plugins(extra=[("broken", ganzoo_broken_parts)])


def test_each_broken_part_is_caught_with_a_clear_message(broken) -> None:
    outcomes = {c.id: run_check(c) for c in contract_checks("broken", broken)}
    assert outcomes["plugin:broken/loads"].status == PASSED
    for check_id, message in EXPECTED.items():
        outcome = outcomes[check_id]
        assert outcome.status == FAILED, (check_id, outcome.message)
        assert message in outcome.message, (check_id, outcome.message)


def test_an_unknown_plugin_is_one_failing_check() -> None:
    (check,) = contract_checks("no-such-plugin")
    outcome = run_check(check)
    assert outcome.status == FAILED and "no installed plugin is called" in outcome.message


def test_plugins_check_prints_a_table_and_fails_on_a_broken_plugin(run_ganzoo, site_dir,
                                                                    dist_info) -> None:
    (site_dir / "ganzoo_broken_parts.py").write_text(BROKEN)
    dist_info(site_dir, "ganzoo-broken", "0.1", {"broken": "ganzoo_broken_parts"})
    result = run_ganzoo("plugins", "--check", "broken", path=site_dir)
    assert result.code == 1, result.err
    assert "Contract checks of plugin broken" in result.out
    assert "it does nothing" in result.out and "failed" in result.out
    ok = run_ganzoo("plugins", "--check", "losses", "--json")
    assert ok.code == 0, ok.err
    assert '"status": "passed"' in ok.out and '"failed"' not in ok.out


def test_plugins_check_refuses_an_unknown_name(run_cli) -> None:
    result = run_cli("plugins", "--check", "dcgn")
    assert result.code == 2
    assert "No installed plugin is called 'dcgn'. Did you mean 'dcgan'" in result.err

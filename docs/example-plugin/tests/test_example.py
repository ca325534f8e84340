"""The example plugin's own tests: the loss's math, and the plugin working through ganzoo.

Run with the plugin installed (``pip install -e .``), from this folder: ``python -m pytest``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ganzoo.api import PluginSet, TrainConfig, load_plugins, train
from ganzoo_example.losses import Relativistic


@pytest.fixture(scope="module")
def plugins() -> PluginSet:
    return load_plugins()


def test_losses_match_the_paper() -> None:
    real, fake = torch.tensor([2.0, -1.0, 0.3]), torch.tensor([0.5, 0.0, 0.3])
    loss = Relativistic()
    # RSGAN, eq. 8 and 9: -log sigmoid(C(x_r) - C(x_f)) for D, and the reverse for G
    assert torch.allclose(loss.d_loss(real, fake), -torch.sigmoid(real - fake).log().mean())
    assert torch.allclose(loss.g_loss(fake, real), -torch.sigmoid(fake - real).log().mean())


def test_generator_loss_needs_the_real_scores() -> None:
    assert Relativistic.needs_real_scores_for_g
    with pytest.raises(ValueError, match="real scores"):
        Relativistic().g_loss(torch.zeros(4))


def test_plugin_is_cheap_to_import() -> None:
    code = "import sys, ganzoo_example; assert 'torch' not in sys.modules"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_plugin_registers_through_its_entry_point(plugins: PluginSet) -> None:
    info = next(p for p in plugins.plugins if p.name == "example")
    assert info.status == "loaded", info.traceback
    assert info.distribution == "ganzoo-example"
    for kind, name in (("model", "rsgan"), ("loss", "relativistic")):
        assert plugins.registry.get(kind, name).plugin == "example"


@pytest.mark.parametrize("dataset", ["ring8", "digits"])
def test_rsgan_trains_with_ganzoos_parts(plugins: PluginSet, tmp_path: Path, dataset: str) -> None:
    config = TrainConfig("rsgan", dataset, steps=4, batch_size=16, sample_every=4,
                         out=tmp_path / "run")
    result = train(config, registry=plugins.registry, progress=False)
    assert result.steps == 4
    assert (tmp_path / "run" / "config.json").exists()

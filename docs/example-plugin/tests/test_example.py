"""Tests of the ganzoo plugin example: ganzoo's contract suite over every entry it
registers, then what the contracts cannot know (a paper's formula, a dataset's layout).

Run with the plugin installed (``pip install -e .``), from its folder: ``python -m pytest``.
The fixtures (``train_briefly``, ``ganzoo_registry``) come from ganzoo's pytest plugin.
"""

from __future__ import annotations

import torch
from torch.utils.data import TensorDataset

from ganzoo.api import DataSpec, MetricTask
from ganzoo.testing import contract_tests
from ganzoo_example.losses import Relativistic
from ganzoo_example.metrics import EnergyDistance
from ganzoo_example.regularizers import InstanceNoise

# One test per entry the plugin registers, each used the way ganzoo uses it: generators
# and discriminators built for the data they claim, losses and terms finite with
# gradients, datasets within their spec, metrics with their record, a model trained.
test_contracts = contract_tests("example")


def test_recipe_trains_on_point_data(train_briefly) -> None:
    result = train_briefly("example-rsgan", "example-spiral", steps=4)
    assert result.steps == 4
    assert (result.run_dir / "config.json").exists()


def test_losses_match_the_paper() -> None:
    real, fake = torch.tensor([2.0, -1.0, 0.3]), torch.tensor([0.5, 0.0, 0.3])
    loss = Relativistic()
    # RSGAN, eq. 8 and 9: -log sigmoid(C(x_r) - C(x_f)) for D, and the reverse for G
    assert torch.allclose(loss.d_loss(real, fake), -torch.sigmoid(real - fake).log().mean())
    assert torch.allclose(loss.g_loss(fake, real), -torch.sigmoid(fake - real).log().mean())


class Inputs(torch.nn.Module):
    """A discriminator that returns what it sees."""

    def forward(self, x: torch.Tensor, cond: object = None) -> torch.Tensor:
        return x


def test_instance_noise_only_while_training() -> None:
    critic = InstanceNoise(std=0.5).wrap_discriminator(Inputs())
    x = torch.zeros(1000, 2)
    assert torch.equal(critic.eval()(x), x)
    noisy = critic.train()(x)
    assert 0.45 < noisy.std().item() < 0.55


def test_spiral_is_two_arms_in_the_unit_disc(ganzoo_registry) -> None:
    info = ganzoo_registry.get("dataset", "example-spiral").load()
    points, arms = info.build(split="test").tensors
    assert points.shape == (5000, 2) and set(arms.tolist()) == {0, 1}
    assert points.norm(dim=1).max() < 1.2
    assert torch.equal(points, info.build(split="test").tensors[0])  # the same every time


def test_energy_distance_is_zero_only_for_the_same_distribution() -> None:
    real = torch.randn(2000, 2, generator=torch.Generator().manual_seed(0))

    def measure(fake: torch.Tensor) -> float:
        task = MetricTask(sampler=lambda n: fake[:n], reference=TensorDataset(real),
                          spec=DataSpec((2,)), num_samples=len(fake))
        return EnergyDistance().compute(task).values["energy_distance"]

    same = torch.randn(2000, 2, generator=torch.Generator().manual_seed(1))
    assert abs(measure(same)) < 0.01 < measure(same + 1.0)

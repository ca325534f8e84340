"""The method part: what one training step does, as a registered, swappable piece.

The generic loop (:mod:`ganzoo.training.loop`) owns everything that is not method-specific:
batches, the generator's moving average, logging, lifecycle hooks, checkpoints, exact resume
and interruption.  A method owns the rest: which networks exist, their optimizers, and what
one step does with them.  ``adversarial`` (``n_critic`` discriminator updates, then one
generator update) is the built-in method most recipes name; CycleGAN, InfoGAN or BEGAN bring
their own through a plugin, without touching the core::

    from ganzoo.api import Method, hookimpl

    class TwoCritics(Method):
        def __init__(self, kit, **options):
            self.generator = kit.generator()
            self.critics = [kit.discriminator(), kit.discriminator()]
            ...

    @hookimpl
    def ganzoo_register_methods(registry):
        registry.add("method", "two-critics", "my_plugin.method:TwoCritics")

A method is built with a :class:`ganzoo.training.build.PartsKit` (which builds the plan's
parts on the run's device) and the method's options from the plan.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from torch import Tensor, nn
from torch.optim import Optimizer

Batch = Sequence[Tensor]


class Method:
    """Base class of training methods; subclasses set ``generator`` and implement
    :meth:`networks`, :meth:`optimizers` and :meth:`step`.

    ``generator`` is the network that is sampled from: the loop keeps its moving average
    (EMA) and saves it for ``ganzoo sample``, ``eval`` and the bench.
    """

    #: Real batches the method draws per step (the adversarial method: ``n_critic``); the
    #: loop uses it for images/s and the count of discriminator updates.  Set per instance
    #: when it depends on options.
    batches_per_step: int = 1

    generator: nn.Module

    def networks(self) -> dict[str, nn.Module]:
        """Every network the method trains, by name (checkpointed under these names)."""
        raise NotImplementedError

    def optimizers(self) -> dict[str, Optimizer]:
        """Every optimizer, by name (checkpointed under these names)."""
        raise NotImplementedError

    def step(self, next_batch: Callable[[], Batch]) -> dict[str, Tensor]:
        """One training step; ``next_batch()`` gives a fresh real batch on the device.

        Returns the step's losses and terms as tensors, by name (``d_loss``, ``g_loss`` and
        regularizer names, say): the loop reads them back (``.item()``) only at log steps,
        so a step never waits for the device.
        """
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """Method state beyond networks and optimizers (an image pool, BEGAN's k_t).

        Checkpoints load as data only (``weights_only=True``): use tensors, numbers,
        strings, and dicts, lists and tuples of them — not numpy arrays or other objects.
        """
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""

    def train(self) -> None:
        """Put every network in training mode (called once before the first step)."""
        for network in self.networks().values():
            network.train()

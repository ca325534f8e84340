"""The hooks a ganzoo plugin may implement: one per kind of thing it can register.

A plugin is any module found through the entry point group ``ganzoo`` that implements some
of these with the ``hookimpl`` marker::

    from ganzoo.hookspecs import hookimpl

    @hookimpl
    def ganzoo_register_losses(registry):
        registry.add("loss", "my-loss", "my_plugin.losses:MyLoss", summary="...")

Each hook receives a :class:`ganzoo.registry.PluginRegistrar` that stamps what it adds with
the plugin's name.  Keep the plugin module cheap to import: register ``"module:attr"``
strings and import torch inside the code they point to.
"""

from __future__ import annotations

import pluggy

from ganzoo.registry import PluginRegistrar

PROJECT = "ganzoo"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ganzoo_register_models(registry: PluginRegistrar) -> None:
    """Register recipes (``registry.add_model(Recipe(...))``)."""


@hookspec
def ganzoo_register_generators(registry: PluginRegistrar) -> None:
    """Register generator builders: ``build(spec, *, latent_dim, conditioning, **options)``."""


@hookspec
def ganzoo_register_discriminators(registry: PluginRegistrar) -> None:
    """Register discriminator builders: ``build(spec, *, conditioning, **options)``."""


@hookspec
def ganzoo_register_losses(registry: PluginRegistrar) -> None:
    """Register adversarial losses: classes implementing :class:`ganzoo.parts.Loss`."""


@hookspec
def ganzoo_register_regularizers(registry: PluginRegistrar) -> None:
    """Register regularizers: classes implementing :class:`ganzoo.parts.Regularizer`."""


@hookspec
def ganzoo_register_datasets(registry: PluginRegistrar) -> None:
    """Register datasets (``registry.add_dataset(DatasetInfo(...))``)."""


@hookspec
def ganzoo_register_metrics(registry: PluginRegistrar) -> None:
    """Register metrics: classes implementing :class:`ganzoo.metrics.base.Metric`."""


HOOK_NAMES: tuple[str, ...] = tuple(
    name for name in list(globals()) if name.startswith("ganzoo_register_")
)

"""The ganzoo plugin example.

It registers one example of each: model, generator, discriminator, loss, regularizer,
dataset, metric.

This module is imported by every ``ganzoo`` command, so it stays cheap: it imports no torch
and registers each part lazily, as a ``"module:attribute"`` string imported only when a run
uses it.
"""

from ganzoo.api import DataSpec, DatasetInfo, OptimizerSpec, Recipe, hookimpl


RECIPE = Recipe(
    name="example-rsgan",
    summary="Relativistic standard GAN: D judges whether real data is more real than fake",
    paper=(
        "Jolicoeur-Martineau 2018, The relativistic discriminator: a key element missing "
        "from standard GAN, arXiv:1807.00734"
    ),
    loss="example-relativistic",
    generator={"points": "example-mlp", "image": "dcgan"},
    discriminator={"points": "example-mlp", "image": "dcgan"},
    regularizers=("example-instance-noise",),
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    notes="The paper's DCGAN setup: Adam lr 2e-4, betas (0.5, 0.999), one D step per G step.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(RECIPE)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "example-mlp", "ganzoo_example.generators:MLPGenerator",
                 summary="An MLP for 2-D points: latent → hidden ReLU layers → point")


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "example-mlp", "ganzoo_example.discriminators:MLPDiscriminator",
                 summary="An MLP for 2-D points: point → hidden LeakyReLU layers → score")


@hookimpl
def ganzoo_register_losses(registry):
    registry.add(
        "loss", "example-relativistic", "ganzoo_example.losses:Relativistic",
        summary="Jolicoeur-Martineau 2018 (RSGAN): softplus of the real-minus-fake score gap",
    )


@hookimpl
def ganzoo_register_regularizers(registry):
    registry.add("regularizer", "example-instance-noise", "ganzoo_example.regularizers:InstanceNoise",
                 summary="Gaussian noise on D's inputs while training (Sønderby et al. 2016)")


@hookimpl
def ganzoo_register_datasets(registry):
    registry.add_dataset(DatasetInfo(
        name="example-spiral",
        spec=DataSpec((2,), num_classes=2),
        builder="ganzoo_example.data:build_spiral",
        summary="Two-armed spiral of 2-D points, labeled by arm; generated, works offline",
        splits=("train", "test"),
    ))


@hookimpl
def ganzoo_register_metrics(registry):
    registry.add("metric", "example-energy", "ganzoo_example.metrics:EnergyDistance",
                 summary="Energy distance between generated and real 2-D points (lower is closer)")

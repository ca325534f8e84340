"""An example ganzoo plugin: the relativistic loss and the RSGAN recipe.

This module is imported by every ``ganzoo`` command, so it stays cheap: it imports no torch
and registers the loss lazily as a ``"module:attr"`` string.  The recipe reuses ganzoo's own
``mlp`` and ``dcgan`` parts by name; it does not copy them.
"""

from ganzoo.api import OptimizerSpec, Recipe, hookimpl

RSGAN = Recipe(
    name="rsgan",
    summary="Relativistic standard GAN: D judges whether real data is more real than fake",
    paper=(
        "Jolicoeur-Martineau 2018, The relativistic discriminator: a key element missing "
        "from standard GAN, arXiv:1807.00734"
    ),
    loss="relativistic",
    generator={"points": "mlp", "image": "dcgan"},
    discriminator={"points": "mlp", "image": "dcgan"},
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    notes="The paper's DCGAN setup: Adam lr 2e-4, betas (0.5, 0.999), one D step per G step.",
)


@hookimpl
def ganzoo_register_losses(registry):
    registry.add(
        "loss", "relativistic", "ganzoo_example.losses:Relativistic",
        summary="Jolicoeur-Martineau 2018 (RSGAN): softplus of the real-minus-fake score gap",
    )


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(RSGAN)

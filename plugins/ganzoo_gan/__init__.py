"""The original GAN (Goodfellow et al. 2014) and the MLP parts every recipe uses on points."""

from ganzoo.api import OptimizerSpec, Recipe, hookimpl

GAN = Recipe(
    name="gan",
    summary="The original GAN: MLPs, non-saturating generator loss",
    paper="Goodfellow et al. 2014, Generative Adversarial Nets, arXiv:1406.2661",
    loss="non-saturating",
    generator={"points": "mlp", "image": "mlp"},
    discriminator={"points": "mlp", "image": "mlp"},
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    notes="Use --loss minimax for the paper's saturating objective.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(GAN)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "mlp", "ganzoo_gan.mlp:MLPGenerator",
                 summary="Fully connected generator for points or flattened images")


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "mlp", "ganzoo_gan.mlp:MLPDiscriminator",
                 summary="Fully connected discriminator for points or flattened images")

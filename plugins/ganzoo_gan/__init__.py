"""The original GAN (Goodfellow et al. 2014) and the MLP parts every recipe uses on points."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

GAN = Recipe(
    name="gan",
    summary="The original GAN: MLPs, non-saturating generator loss",
    paper="Goodfellow et al. 2014, Generative Adversarial Nets, arXiv:1406.2661",
    loss="non-saturating",
    generator={"points": "mlp", "image": "mlp"},
    discriminator={"points": "mlp", "image": "mlp"},
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    presets={"cifar10": {
        "generator": {"image": PartChoice("mlp", {"hidden": 8000, "depth": 2})},
        "discriminator": {"image": PartChoice("mlp", {"hidden": 1600, "depth": 2})},
        "batch_size": {"image": 100},
    }},
    notes="Use --loss minimax for the paper's saturating objective. Preset on cifar10: the "
          "paper's fully connected CIFAR-10 model (the authors' "
          "cifar10_fully_connected.yaml): G 2 hidden layers of 8000 units, D 2 of 1600, "
          "batch 100, z of 100. Differs there: G's second layer is ReLU (theirs sigmoid), D's "
          "units LeakyReLU(0.2) (theirs maxout with 5 pieces, dropout on D's inputs); Adam "
          "lr 2e-4, beta1 0.5 (theirs SGD, lr 0.025 decayed, momentum 0.5 to 0.7); z "
          "Gaussian. The paper's convolutional CIFAR-10 model and its 48-px face set (TFD) "
          "are not what the mlp parts build; celeba keeps the image defaults (hidden 256, "
          "depth 3, batch 64).",
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

"""Conditional GAN (Mirza & Osindero 2014): both networks see the class label."""

from ganzoo.api import OptimizerSpec, Recipe, hookimpl
from ganzoo_dcgan import PAPER_NETS

CGAN = Recipe(
    name="cgan",
    summary="Class-conditional GAN: label fed to G and D; sample any class you ask for",
    paper="Mirza & Osindero 2014, Conditional Generative Adversarial Nets, arXiv:1411.1784",
    loss="non-saturating",
    generator={"points": "mlp", "image": "dcgan"},
    discriminator={"points": "mlp", "image": "dcgan"},
    conditioning="class",
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    presets={"cifar10": {**PAPER_NETS, "batch_size": {"image": 128}}},
    notes="The convolutional version: a one-hot label joins G's latent vector and enters D "
          "as extra input channels (dcgan parts; MLPs on points, where the label is the "
          "mode index of ring8/grid25). The paper's MLPs used SGD with momentum, decaying "
          "learning rates and dropout; with convolutions we follow DCGAN's Adam lr 2e-4, "
          "beta1 0.5. Needs a labeled dataset. The paper has no CIFAR-10 or CelebA model; the "
          "cifar10 preset follows DCGAN's there: 128 base channels in G and D, batch 128. "
          "celeba has no labels, so the recipe refuses it. The paper has no 2-D experiment; "
          "on points the recipe keeps the mlp defaults. Its figures there are not comparable "
          "with unconditional models': G is told which mode to draw (seed 0, grid25, 3,000 "
          "steps, batch 256: 25 modes, 97.2% high quality).",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(CGAN)

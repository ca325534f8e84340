"""PacGAN (Lin et al. 2018): the recipe, and the "packed" discriminator any recipe can use."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl
from ganzoo_gan import TOY_ADAM, TOY_DISCRIMINATOR, TOY_GENERATOR

PACGAN = Recipe(
    name="pacgan",
    summary="PacGAN: the discriminator judges packs of 2 samples, which penalizes mode collapse",
    paper="Lin, Khetan, Fanti & Oh 2018, PacGAN: The power of two samples in generative "
          "adversarial networks, arXiv:1712.04086",
    loss="non-saturating",
    generator={"points": TOY_GENERATOR, "image": "dcgan"},
    discriminator={
        "points": PartChoice("packed", {"inner": "mlp", "pack": 2, **TOY_DISCRIMINATOR}),
        "image": PartChoice("packed", {"inner": "dcgan", "pack": 2}),
    },
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    latent_dim={"points": 2, "image": 100},
    batch_size={"points": 200, "image": 128},
    presets={
        "points": {"g_optimizer": TOY_ADAM, "d_optimizer": TOY_ADAM},
        # the authors' CelebA nets (carpedm20's DCGAN, 64 base channels) at 32 px
        "cifar10": {"generator": {"image": PartChoice("dcgan", {"base_channels": 64})},
                    "discriminator": {"image": PartChoice("packed", {
                        "inner": "dcgan", "pack": 2, "base_channels": 64})}},
    },
    notes="PacGAN2: D sees packs of m=2 samples (--d-opt pack=3 or 4 for PacGAN3/4; the batch "
          "size must be a multiple of m). Points (the paper's 2D-ring/2D-grid, Table 1, and the"
          " authors' code): G 4 hidden layers of 400, batchnorm, ReLU, on a 2-D Gaussian z, D 3"
          " hidden layers of 200 maxout units (5 pieces), non-saturating loss, Adam lr 1e-4 "
          "betas (0.8, 0.999), 100 packs per batch (200 samples). Images (stacked MNIST, Tables"
          " 2-3): DCGAN nets with D packed along channels, Adam 2e-4 betas (0.5, 0.999), 64 "
          "packs per batch (128 images), z of 100. Differs here: PyTorch's default init (the "
          "paper: N(0, 0.02)); on images the DCGAN parts are ganzoo's (32 base channels up to "
          "32 px, the paper's code 64) and G is updated once per D update (the code twice); z "
          "is Gaussian (the code: uniform); samples come from G's moving average. CelebA (the "
          "authors' celeba_experiments code, a birthday-paradox test of duplicates): 64-px "
          "DCGAN nets of 64 base channels, D packed, 64 packs per batch, z of 100, Adam 2e-4 "
          "beta1 0.5, which are the defaults on celeba. The paper has no CIFAR-10 model; the "
          "cifar10 preset builds the same nets at 32 px (64 base channels; the default up to 32"
          " px is 32). Measured here with the paper's toy nets (seed 0, 3,000 steps, batch 256,"
          " mode-coverage on 2,500 samples): pacgan grid25 18 modes / 2.6% high quality, gan "
          "(the same nets unpacked, its points preset) 6 / 1.3%: packing already covers three "
          "times the modes, but neither has converged (the paper: 400k updates). Before these "
          "nets (LeakyReLU D, no batchnorm): pacgan ring8 8 / 50.3%. Bench, 3 seeds, 3,000 "
          "updates of 256: ring8 8.0 / 58.7 ± 25.8%, grid25 15.3 ± 3.1 / 2.4 ± 0.6% (gan 8.0 / "
          "82.1%, 5.3 / 2.7%); docs/results.md; details in docs/models/pacgan.md.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(PACGAN)


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "packed", "ganzoo_pacgan.packing:PackedDiscriminator",
                 summary="PacGAN packing: any discriminator (inner=NAME) judging packs of "
                         "pack=2..8 samples concatenated along channels or coordinates")

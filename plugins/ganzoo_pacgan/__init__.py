"""PacGAN (Lin et al. 2018): the recipe, and the "packed" discriminator any recipe can use."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

#: The authors' toy setting (their code, synthetic_data_experiments/*/config.py).
TOY_ADAM = OptimizerSpec("adam", lr=1e-4, betas=(0.8, 0.999))

PACGAN = Recipe(
    name="pacgan",
    summary="PacGAN: the discriminator judges packs of 2 samples, which penalizes mode collapse",
    paper="Lin, Khetan, Fanti & Oh 2018, PacGAN: The power of two samples in generative "
          "adversarial networks, arXiv:1712.04086",
    loss="non-saturating",
    generator={"points": PartChoice("mlp", {"hidden": 400, "depth": 4}), "image": "dcgan"},
    discriminator={
        "points": PartChoice("packed", {"inner": "mlp", "pack": 2, "hidden": 200, "depth": 3}),
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
    notes="PacGAN2: D sees packs of m=2 samples (--d-opt pack=3 or 4 for PacGAN3/4; the "
          "batch size must be a multiple of m). Points (the paper's 2D-ring/2D-grid, Table 1, "
          "and the authors' code): G 4 hidden layers of 400 ReLU on a 2-D Gaussian z, D 3 "
          "hidden layers of 200, non-saturating loss, Adam lr 1e-4 betas (0.8, 0.999), 100 "
          "packs per batch (200 samples). Images (stacked MNIST, Tables 2-3): DCGAN nets with "
          "D packed along channels, Adam 2e-4 betas (0.5, 0.999), 64 packs per batch (128 "
          "images), z of 100. Differs here: D's hidden units are LeakyReLU(0.2) instead of "
          "maxout with 5 pieces, G has no batchnorm and PyTorch's default init (the paper: "
          "batchnorm, N(0, 0.02)); on images the DCGAN parts are ganzoo's (32 base channels "
          "up to 32 px, the paper's code 64) and G is updated once per D update (the code "
          "twice); z is Gaussian (the code: uniform); samples come from G's moving average. "
          "CelebA (the authors' celeba_experiments code, a birthday-paradox test of "
          "duplicates): 64-px DCGAN nets of 64 base channels, D packed, 64 packs per batch, "
          "z of 100, Adam 2e-4 beta1 0.5, which are the defaults on celeba. The paper has "
          "no CIFAR-10 model; the cifar10 preset builds the same nets at 32 px (64 base "
          "channels; the default up to 32 px is 32). Measured here (3,000 steps, seed 0, "
          "mode-coverage on 2,500 samples): pacgan "
          "ring8 1 mode / 0.2% high quality, grid25 1 / 7%; unpacked (--discriminator mlp "
          "--d-opt hidden=200) ring8 0 / 0%, grid25 1 / 100% (collapsed); gan ring8 8 / 76%, "
          "grid25 20 / 3%; gan with --discriminator packed ring8 8 / 30%, grid25 17 / 2%. "
          "None has converged at this budget (the paper: 400k updates), so packing shows no "
          "gain yet; details in docs/models/pacgan.md.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(PACGAN)


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "packed", "ganzoo_pacgan.packing:PackedDiscriminator",
                 summary="PacGAN packing: any discriminator (inner=NAME) judging packs of "
                         "pack=2..8 samples concatenated along channels or coordinates")

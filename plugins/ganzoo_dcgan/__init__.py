"""DCGAN (Radford et al. 2016): the recipe and the convolutional parts other recipes reuse."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

#: The paper's widths (its Figure 1: 1024 maps at 4×4 for 64 px; the authors' code: 128
#: filters in G's last and D's first layer), here on cifar10 (32 px: its last four layers)
#: and celeba; cgan reuses them on cifar10.
PAPER_NETS = {
    "generator": {"image": PartChoice("dcgan", {"base_channels": 128})},
    "discriminator": {"image": PartChoice("dcgan", {"base_channels": 128})},
}

DCGAN = Recipe(
    name="dcgan",
    summary="Deep convolutional GAN: all-convolutional nets with batchnorm, non-saturating loss",
    paper="Radford, Metz & Chintala 2016, Unsupervised Representation Learning with Deep "
          "Convolutional Generative Adversarial Networks, arXiv:1511.06434",
    loss="non-saturating",
    generator={"points": "mlp", "image": "dcgan"},
    discriminator={"points": "mlp", "image": "dcgan"},
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    batch_size={"points": 256, "image": 128},
    presets={"cifar10": PAPER_NETS, "celeba": PAPER_NETS},
    notes="Paper settings: Adam lr 2e-4, beta1 0.5, minibatch 128, z of 100 uniform "
          "dims (Gaussian here), N(0, 0.02) init. The paper's nets are 64×64; the dcgan "
          "parts build for 8, 14, 16, 28, 32, 56, 64, 128... pixels, with 32 base channels up "
          "to 32 px and 64 above (--g-opt/--d-opt base_channels=N to choose). Presets: on "
          "cifar10 and celeba both nets take the paper's width, 128 base channels (G from "
          "1024 maps at 4×4 on celeba's 64 px, as its Figure 1 and the authors' faces code; "
          "on cifar10's 32 px the same net without its first 4×4 layer, 512 maps at 4×4). "
          "The paper trained no generator on CIFAR-10 (it used CIFAR-10 to test features); "
          "its faces were scraped, not CelebA. Differs: 4×4 kernels (the code's 5×5); the "
          "code's L2 weight decay 1e-5 is not used. On points the method trains with MLP "
          "parts. For quick CPU runs, --batch-size 64 is about twice as fast as the "
          "paper's 128.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(DCGAN)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "dcgan", "ganzoo_dcgan.nets:DCGANGenerator",
                 summary="DCGAN fractional-strided conv generator (4×4 or 7×7 start, doubled "
                         "to the image size), class-conditional on request")


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "dcgan", "ganzoo_dcgan.nets:DCGANDiscriminator",
                 summary="DCGAN strided conv discriminator, norm batch (paper), layer or "
                         "none; class-conditional on request")

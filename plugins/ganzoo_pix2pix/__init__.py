"""pix2pix (Isola et al. 2017): the recipe, its U-Net generator and PatchGAN discriminator."""

from ganzoo.api import OptimizerSpec, Recipe, hookimpl

PIX2PIX = Recipe(
    name="pix2pix",
    summary="Image-to-image translation: U-Net generator, PatchGAN on (input, output), L1 term",
    paper="Isola, Zhu, Zhou & Efros 2017, Image-to-Image Translation with Conditional "
          "Adversarial Networks, arXiv:1611.07004",
    loss="non-saturating",
    generator={"image": "unet"},
    discriminator={"image": "patchgan"},
    extra_terms=("l1",),
    conditioning="image",
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    latent_dim={"image": 0},
    batch_size={"image": 4},
    notes="Paper settings: the 'vanilla' (non-saturating) GAN loss plus L1 with weight 100, "
          "Adam lr 2e-4, betas (0.5, 0.999), batch 4 (their edges→shoes/handbags runs; 1 on "
          "the smaller sets), dropout as the generator's only noise. Images only: needs a "
          "paired dataset such as edges2digits or paired-folder. The paper also halves D's "
          "loss; here D and G use the same learning rate without that factor.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(PIX2PIX)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "unet", "ganzoo_pix2pix.unet:UNetGenerator",
                 summary="pix2pix U-Net (input image → output image, skip connections, dropout "
                         "as noise), depth adapted to the image size")


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "patchgan", "ganzoo_pix2pix.patchgan:PatchGANDiscriminator",
                 summary="pix2pix PatchGAN: scores patches of (input, output), or of images "
                         "alone for unconditional recipes")

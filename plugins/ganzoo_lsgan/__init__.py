"""LSGAN (Mao et al. 2017): the least-squares loss on DCGAN-style parts."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

#: The DCGAN nets of the authors' later experiments (improved_LSGAN, cats/arch.py): 64
#: filters in G's last and D's first layer, today's default at 64 px (celeba).
_DCGAN_64 = PartChoice("dcgan", {"base_channels": 64})

LSGAN = Recipe(
    name="lsgan",
    summary="Least-squares GAN: squared error of D's scores to 1 (real) and 0 (fake)",
    paper="Mao, Li, Xie, Lau, Wang & Smolley 2017, Least Squares Generative Adversarial "
          "Networks, arXiv:1611.04076",
    loss="least-squares",
    generator={"points": "mlp", "image": "dcgan"},
    discriminator={"points": "mlp", "image": "dcgan"},
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    presets={"cifar10": {"generator": {"image": _DCGAN_64},
                         "discriminator": {"image": _DCGAN_64}}},
    notes="Paper settings: Adam beta1 0.5, the 0-1 coding (a=0, b=c=1), minibatch 64; lr "
          "2e-4 (1e-3 on LSUN scenes in the authors' train_lsun.py). Their scene nets (112 "
          "px, z of 1024, 3×3 stride-1 layers between the upsampling ones) are not what the "
          "dcgan parts build; on images the recipe uses the DCGAN nets of the authors' later "
          "experiments (improved_LSGAN code: 64 base channels, batch 64, Adam 2e-4, beta1 "
          "0.5, z of 100), which are today's defaults on celeba (64 px) and the cifar10 "
          "preset's (64 base channels; the default up to 32 px is 32). MLPs serve points: "
          "the paper's mixture-of-Gaussians figure (a ring of 8, after Unrolled GAN) states "
          "no nets or optimizer for it, so the recipe keeps the mlp parts' defaults (3 "
          "hidden layers of 128) and its own Adam 2e-4, beta1 0.5.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(LSGAN)

"""LSGAN (Mao et al. 2017): the least-squares loss on DCGAN-style parts."""

from ganzoo.api import OptimizerSpec, Recipe, hookimpl

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
    notes="Paper settings: Adam lr 2e-4, beta1 0.5, the 0-1 coding (a=0, b=c=1), "
          "minibatch 64. Their LSUN nets are wider than DCGAN's; here the dcgan parts "
          "serve images and MLPs serve points.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(LSGAN)

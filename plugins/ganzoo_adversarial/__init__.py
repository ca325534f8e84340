"""The adversarial method: ``n_critic`` discriminator updates, then one generator update.

The training step of GAN, DCGAN, LSGAN, WGAN, WGAN-GP, the conditional GAN and pix2pix: they
differ in their parts (loss, regularizers, networks, conditioning), not in their step.
"""

from ganzoo.api import hookimpl


@hookimpl
def ganzoo_register_methods(registry):
    registry.add("method", "adversarial", "ganzoo_adversarial.step:Adversarial",
                 summary="n_critic discriminator updates (each on a fresh batch), then one "
                         "generator update with the discriminator frozen")

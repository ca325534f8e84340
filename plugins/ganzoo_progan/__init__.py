"""Progressive GAN (Karras et al. 2018): G and D grow from 4×4 to the data's side while
training, new layers faded in; equalized learning rate, pixel norm, minibatch stddev, and
WGAN-GP with a drift term."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

_ADAM = OptimizerSpec("adam", lr=1e-3, betas=(0.0, 0.99))
_PAPER_NETS = PartChoice("progan", {"channels": 512})

PROGAN = Recipe(
    name="progan",
    summary="Progressive GAN: G and D grown from 4×4 to the data's side with new layers "
            "faded in; equalized lr, pixel norm, minibatch stddev; WGAN-GP plus drift",
    paper="Karras, Aila, Laine & Lehtinen 2018, Progressive Growing of GANs for Improved "
          "Quality, Stability, and Variation, arXiv:1710.10196",
    loss="wasserstein",
    generator={"image": "progan"},
    discriminator={"image": "progan"},
    regularizers=(PartChoice("gradient-penalty", {"weight": 10.0}), "drift"),
    g_optimizer=_ADAM,
    d_optimizer=_ADAM,
    n_critic=1,
    latent_dim={"image": 512},
    batch_size={"image": 64},
    method="progan",
    presets={
        # the authors' config.py (preset-v2-1gpu): batch 64 at 32 px, 32 at 64 px
        "cifar10": {"generator": {"image": _PAPER_NETS},
                    "discriminator": {"image": _PAPER_NETS},
                    "batch_size": {"image": 64}},
        "celeba": {"generator": {"image": _PAPER_NETS},
                   "discriminator": {"image": _PAPER_NETS},
                   "batch_size": {"image": 32}},
    },
    notes="Paper settings (appendix A.1 and the authors' code, tkarras/"
          "progressive_growing_of_gans): WGAN-GP loss with λ 10 plus the drift term "
          "0.001·E[D(x)²] (regularizers gradient-penalty and drift); Adam lr 1e-3, betas (0, "
          "0.99), one D step per G step; z of 512, pixel-normed; G and D grown from 4×4, "
          "800k real images fading each new resolution in and 800k stable (method option "
          "phase_images; start_side to begin higher); equalized learning rate (N(0, 1) "
          "weights scaled by sqrt(2/fan_in) at run time), pixel norm after every G conv, leaky "
          "ReLU 0.2, nearest upsampling, average pooling, a 1×1 toRGB/fromRGB per resolution, "
          "the minibatch stddev (group 4) before D's last 3×3 conv at 4×4; widths "
          "min(8192/2^stage, 512): 512 maps up to 32 px, 256 at 64 px (option channels); "
          "real images shrunk to the current resolution and faded like G's output; Adam's "
          "state reset when a resolution starts or ends fading in (reset_optimizers); "
          "samples from G's moving average, decay 0.999 (the authors' G_smoothing). Presets: "
          "cifar10 (the paper's 32-px nets: its networks without the blocks above 32 px) and "
          "celeba (64 px here; the paper's CelebA-HQ nets up to 64 px) with 512 channels and "
          "the batch the authors' config.py (preset-v2-1gpu) uses at that resolution: 64 at "
          "32 px, 32 at 64 px. What differs: one batch for the whole run (preset-v2 changes it "
          "with the resolution, 128 up to 16 px; the paper and preset-v1: 16 up to 128 px); G "
          "and D always take and give data-sized images (the current one enlarged by "
          "repeating pixels, as the authors' code upscales its output and reals), each toRGB "
          "ends in tanh so images lie in [-1, 1] (the authors' output is linear); the growth "
          "follows images shown at every step (theirs every 4 minibatches); the paper's "
          "CIFAR-10 nets and schedule are not given separately, so cifar10 takes the 32-px "
          "nets and 800k phases. On one-channel images up to 32 px (MNIST-like digits): 32 "
          "channels and phases of 9,600 images (CPU-sized: 4→32 px by step 900 at batch 64). "
          "Image data only; sides 4·2^k (mnist-5k needs --image-size 32). Measured here "
          "(CPU, 2 cores, seed 0, 'ganzoo train progan --dataset mnist-5k --image-size 32 "
          "--steps 1500', batch 64, then 'ganzoo eval RUN --metrics fid,kid', domain-CNN "
          "features, 1,000 samples): FID 2.36, KID 0.0081 in 282 s (the live G: 2.26, "
          "0.0090); dcgan at the same steps, batch and size: FID 1.35, KID 0.0064 in 85 s. "
          "progan spends 900 of the 1,500 steps below 32 px, where a step costs 0.01-0.09 s "
          "against 0.33 s at 32 px.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(PROGAN)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "progan", "ganzoo_progan.networks:ProGANGenerator",
                 summary="Progressive GAN generator (Karras et al. 2018): pixel-normed z → "
                         "4×4 → nearest-up conv blocks, toRGB per resolution faded in; "
                         "equalized lr; sides 4·2^k, output always at the data's side")


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "progan", "ganzoo_progan.networks:ProGANDiscriminator",
                 summary="Progressive GAN discriminator (Karras et al. 2018): fromRGB per "
                         "resolution faded in, conv blocks with average pooling, minibatch "
                         "stddev at 4×4; equalized lr, no normalization")


@hookimpl
def ganzoo_register_regularizers(registry):
    registry.add("regularizer", "drift", "ganzoo_progan.drift:Drift",
                 summary="Karras et al. 2018 (ProGAN): epsilon·E[D(x_real)²] keeps a "
                         "Wasserstein critic's scores near 0; epsilon=0.001")


@hookimpl
def ganzoo_register_methods(registry):
    registry.add("method", "progan", "ganzoo_progan.method:ProGAN",
                 summary="Progressive growing (Karras et al. 2018): the adversarial step on "
                         "G and D grown by images shown, phase_images per fade-in and per "
                         "stable phase (800k), real images shrunk and faded to match")

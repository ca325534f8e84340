"""SNGAN (Miyato et al. 2018): spectrally normalized discriminator, hinge loss, ResNet parts."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

_ADAM = OptimizerSpec("adam", lr=2e-4, betas=(0.0, 0.9))

SNGAN = Recipe(
    name="sngan",
    summary="Spectral normalization GAN: every D layer divided by its largest singular "
            "value, hinge loss, ResNet G and D",
    paper="Miyato, Kataoka, Koyama & Yoshida 2018, Spectral Normalization for Generative "
          "Adversarial Networks, arXiv:1802.05957",
    loss="hinge",
    generator={"points": "mlp", "image": "sngan-resnet"},
    discriminator={"points": "mlp", "image": "sngan-resnet"},
    regularizers=("spectral-norm",),
    g_optimizer=_ADAM,
    d_optimizer=_ADAM,
    n_critic=5,
    latent_dim={"points": 2, "image": 128},
    batch_size={"points": 256, "image": 64},
    presets={
        # each kind's D named with no normalization layer: spectral norm is SNGAN's only
        # constraint on D (batchnorm would rescale what it normalizes)
        "points": {"discriminator": {"points": PartChoice("mlp", {"norm": "none"})}},
        "image": {"discriminator": {"image": "sngan-resnet"}},
    },
    notes="Paper settings: hinge loss; spectral norm on every conv and linear layer of D "
          "(one power iteration per forward pass); Adam lr 2e-4, betas (0, 0.9); 5 D steps "
          "per G step; batch 64; z of 128 normal dims; the 32-px ResNets of its Table 4 (G: "
          "4×4 map, 3 up blocks, BN, ReLU, conv, tanh; D: optimized block, down block, two "
          "blocks, ReLU, global sum pooling, linear). The sngan-resnet parts build for square "
          "sides 4·2^k (8, 16, 32, 64...), so mnist-5k (28 px) needs --image-size 32; other "
          "sizes keep the 32-px nets' constant width. Widths are the paper's 256 (G) and 128 "
          "(D) channels, except on one-channel images up to 32 px (MNIST-like digits), where "
          "both default to 32: a CPU step at batch 32 took about 0.25 s here, against about "
          "20 s with the paper's widths (--g-opt/--d-opt channels=N to choose). The paper's "
          "standard CNN is approximated by ganzoo's DCGAN parts: --generator dcgan "
          "--discriminator dcgan --d-opt norm=none (no batchnorm under spectral norm; on "
          "cifar10 its widths are --g-opt base_channels=128 --d-opt base_channels=64). No "
          "dataset presets: on cifar10 the defaults are the paper's CIFAR-10 setup above; "
          "the paper has no CelebA model (its STL-10 and ImageNet ResNets widen with depth, "
          "which sngan-resnet does not), so celeba's 64 px get the 32-px nets' widths with "
          "one more up block. Samples come from G's moving average (ganzoo's EMA), the "
          "paper's from G itself. On points: MLP parts without normalization. Measured "
          "here (CPU, seed 0, mnist-5k, 500 steps, batch 32, FID/KID from 'ganzoo eval RUN "
          "--metrics fid,kid', "
          "domain-CNN features, 1,000 samples): sngan at --image-size 32 FID 3.86, KID "
          "0.037; its standard-CNN option FID 5.37, KID 0.091; dcgan at the same steps and "
          "batch FID 7.10, KID 0.132 (6.57, 0.099 at --image-size 32). An sngan step makes "
          "5 D updates and cost 5-6× a dcgan step here. The paper has no 2-D experiment; on "
          "points the recipe keeps the mlp defaults (3 hidden layers of 128, D without "
          "normalization) with the paper's hinge loss, Adam and 5 D steps. On ring8 (1,000 "
          "steps, batch 256): "
          "all 8 modes, 17% high-quality samples, reverse KL 0.075; the 1-Lipschitz D "
          "leaves samples spread along the ring between modes.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(SNGAN)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "sngan-resnet", "ganzoo_sngan.resnet:ResNetGenerator",
                 summary="SNGAN ResNet generator (Miyato et al. 2018): z → 4×4 → up "
                         "ResBlocks → BN, ReLU, conv, tanh; sides 4·2^k (8, 16, 32, 64...)")


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "sngan-resnet", "ganzoo_sngan.resnet:ResNetDiscriminator",
                 summary="SNGAN ResNet discriminator (Miyato et al. 2018): down ResBlocks, "
                         "ReLU, global sum pooling, linear; no normalization layers")

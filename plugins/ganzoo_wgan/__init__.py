"""WGAN (Arjovsky et al. 2017) and WGAN-GP (Gulrajani et al. 2017): Wasserstein critics."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

#: The authors' DCGAN nets (ngf = ndf = 64) at 32 px: 256 maps at 4×4 (the default up to
#: 32 px has 32 base channels; at celeba's 64 px the default is already 64).
_DCGAN_64 = PartChoice("dcgan", {"base_channels": 64})
#: WGAN-GP's CIFAR-10 ResNet (gan_cifar_resnet.py): SNGAN's ResNet parts, which follow it,
#: at its width, 128 channels in G and D.
_RESNET_128 = PartChoice("sngan-resnet", {"channels": 128})

WGAN = Recipe(
    name="wgan",
    summary="Wasserstein GAN: critic kept Lipschitz by weight clipping, 5 critic steps",
    paper="Arjovsky, Chintala & Bottou 2017, Wasserstein GAN, arXiv:1701.07875",
    loss="wasserstein",
    generator={"points": "mlp", "image": "dcgan"},
    discriminator={"points": "mlp", "image": "dcgan"},
    regularizers=("weight-clipping",),
    g_optimizer=OptimizerSpec("rmsprop", lr=5e-5),
    d_optimizer=OptimizerSpec("rmsprop", lr=5e-5),
    n_critic=5,
    presets={"cifar10": {"generator": {"image": _DCGAN_64},
                         "discriminator": {"image": _DCGAN_64}}},
    notes="Paper settings: clip 0.01, RMSprop lr 5e-5, 5 critic steps per generator step, "
          "minibatch 64, DCGAN critic with batchnorm, z of 100. The paper trained on LSUN "
          "bedrooms at 64 px with the authors' DCGAN nets (ngf = ndf = 64), which are the "
          "dcgan parts' defaults at celeba's 64 px; the cifar10 preset builds the same nets "
          "at 32 px (64 base channels, as the authors' code with --imageSize 32). The "
          "paper's extra 100 critic steps "
          "early on and every 500 generator steps are not used. The paper has no 2-D "
          "experiment; WGAN-GP's toy code (gan_toy.py, MODE wgan) trains it with the same "
          "clip, RMSprop lr 5e-5 and 5 critic steps, which the recipe keeps on points (its "
          "nets are 512 wide, here mlp's 128). Clipping at 0.01 learns "
          "slowly: on ring8, after 2000 steps, samples trace the ring through every mode "
          "but stay spread between them.",
)

WGAN_GP = Recipe(
    name="wgan-gp",
    summary="WGAN with a gradient penalty instead of clipping; critic without batchnorm",
    paper="Gulrajani, Ahmed, Arjovsky, Dumoulin & Courville 2017, Improved Training of "
          "Wasserstein GANs, arXiv:1704.00028",
    loss="wasserstein",
    generator={"points": "mlp", "image": "dcgan"},
    discriminator={"points": PartChoice("mlp", {"norm": "none"}),
                   "image": PartChoice("dcgan", {"norm": "layer"})},
    regularizers=("gradient-penalty",),
    g_optimizer=OptimizerSpec("adam", lr=1e-4, betas=(0.0, 0.9)),
    d_optimizer=OptimizerSpec("adam", lr=1e-4, betas=(0.0, 0.9)),
    n_critic=5,
    presets={
        "points": {
            "regularizers": (PartChoice("gradient-penalty", {"weight": 0.1}),),
            "g_optimizer": OptimizerSpec("adam", lr=1e-4, betas=(0.5, 0.9)),
            "d_optimizer": OptimizerSpec("adam", lr=1e-4, betas=(0.5, 0.9)),
        },
        "cifar10": {
            "generator": {"image": _RESNET_128},
            "discriminator": {"image": _RESNET_128},
            "g_optimizer": OptimizerSpec("adam", lr=2e-4, betas=(0.0, 0.9)),
            "d_optimizer": OptimizerSpec("adam", lr=2e-4, betas=(0.0, 0.9)),
            "latent_dim": {"image": 128},
        },
        "celeba": {"latent_dim": {"image": 128}},
    },
    notes="Paper settings (Algorithm 1), used on images: penalty weight 10, Adam lr 1e-4, "
          "betas (0, 0.9), 5 critic steps, minibatch 64; the critic uses layer "
          "normalization instead of batchnorm, which would invalidate the per-sample "
          "penalty. On 2-D points the recipe uses the authors' toy settings (gan_toy.py): "
          "penalty weight 0.1 and betas (0.5, 0.9), 5 critic steps, batch 256, on its "
          "8gaussians / 25gaussians (ganzoo's ring8-wgangp / grid25-wgangp: ring8 and grid25 "
          "divided by 1.414 and 2.828). Weight 10 over-constrains a critic at ring8's scale "
          "(here: after 2000 steps with 10, samples lie on an arc missing most modes; after "
          "1000 with 0.1 they form the ring through all 8); --reg "
          "gradient-penalty:weight=10 restores it. Differs on points: gan_toy.py's nets are "
          "3 ReLU layers of 512 in G and D; the recipe keeps the mlp parts' 128 (D "
          "LeakyReLU) so that the bench's 3,000 updates × 5 critic steps stay within CPU "
          "minutes (--g-opt hidden=512 --d-opt hidden=512 for theirs; seed 0, ring8, 3,000 "
          "steps, batch 256: 8 modes / 86.8% high quality in 668 s, against 8 / 58.5% in "
          "101 s at 128, on the shared 2-core CPU). Presets: on cifar10 the paper's "
          "CIFAR-10 ResNet (its best unconditional model, gan_cifar_resnet.py): G z of 128 "
          "→ 4×4×128 → 3 up blocks → BN, ReLU, conv, tanh; D 4 residual blocks of 128, no "
          "normalization, pooled, linear; Adam lr 2e-4, betas (0, 0.9), 5 critic steps, "
          "batch 64, penalty 10 (ganzoo's sngan-resnet parts, which follow it; D sums where "
          "it averages over positions; no linear lr decay; G's batch is the critic's, the "
          "code's twice it). Its DCGAN-style CIFAR-10 nets (gan_cifar.py, no normalization "
          "in D, Adam 1e-4): --generator dcgan --discriminator dcgan --d-opt norm=none "
          "--g-opt base_channels=128 --d-opt base_channels=128 --lr-g 1e-4 --lr-d 1e-4 "
          "(betas stay (0, 0.9), the code's (0.5, 0.9)). On celeba, the DCGAN baseline of "
          "the authors' 64-px code (gan_64x64.py, whose default ResNet widens with depth, "
          "which sngan-resnet does not): dcgan nets of 64 base channels, layer norm in D, "
          "Adam 1e-4, betas (0, 0.9), batch 64, which are the defaults, and z of 128 (the "
          "preset).",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(WGAN)
    registry.add_model(WGAN_GP)

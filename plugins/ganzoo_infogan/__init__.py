"""InfoGAN (Chen et al. 2016): G's latent vector holds named codes besides the noise, and a
Q head on D recovers them from G's samples, so the codes come to mean something (the digit,
its slant, its width); the recipe, its generator and discriminator parts and its step."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

_POINTS = {"categories": 8, "continuous_codes": 0}  # ring8: one code for the 8 modes
_GRID = {"categories": 25, "continuous_codes": 0}  # grid25: one value per mode, as ring8's
_SVHN = {"categorical_codes": 4, "categories": 10, "continuous_codes": 2, "base_channels": 64}
_CELEBA = {"categorical_codes": 10, "categories": 10, "continuous_codes": 0,
           "base_channels": 64}

INFOGAN = Recipe(
    name="infogan",
    summary="Information-maximizing GAN: categorical and continuous codes in z, a Q head "
            "on D recovers them from G's samples (mutual information term on D and G)",
    paper="Chen, Duan, Houthooft, Schulman, Sutskever & Abbeel 2016, InfoGAN: "
          "Interpretable Representation Learning by Information Maximizing Generative "
          "Adversarial Nets, arXiv:1606.03657",
    loss="non-saturating",
    generator={"points": PartChoice("infogan", _POINTS),
               "image": PartChoice("infogan", {"base_channels": 64})},
    discriminator={"points": PartChoice("infogan", _POINTS),
                   "image": PartChoice("infogan", {"base_channels": 64})},
    method=PartChoice("infogan", {"info_weight": 1.0, "continuous_weight": 1.0}),
    g_optimizer=OptimizerSpec("adam", lr=1e-3, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    latent_dim={"points": 2, "image": 62},
    batch_size={"points": 256, "image": 128},
    presets={
        # no CIFAR-10 model in the paper: its 32 px colour set-up, SVHN's
        "cifar10": {"generator": {"image": PartChoice("infogan", _SVHN)},
                    "discriminator": {"image": PartChoice("infogan", _SVHN)},
                    "latent_dim": {"image": 124}},
        **{grid: {"generator": {"points": PartChoice("infogan", _GRID)},
                  "discriminator": {"points": PartChoice("infogan", _GRID)}}
           for grid in ("grid25", "grid25-wgangp")},
        "celeba": {"generator": {"image": PartChoice("infogan", _CELEBA)},
                   "discriminator": {"image": PartChoice("infogan", _CELEBA)},
                   "latent_dim": {"image": 128}},
    },
    notes="Paper settings (MNIST, its appendix and the authors' code, openai/InfoGAN): z of "
          "62 noise dims, c1 a 10-way categorical code, c2 and c3 continuous in [-1, 1]; "
          "non-saturating loss; Adam beta1 0.5, lr 2e-4 for D (and Q) and 1e-3 for G; batch "
          "128 (the authors' launcher); λ 1 for the categorical code; the continuous codes' "
          "term is a unit-variance Gaussian NLL, ½(c − μ)², with the same weight 1 in the "
          "authors' code (method options info_weight, continuous_weight; discriminator option"
          " continuous_std=learned for the paper's factored Gaussian). L_I is added to D's "
          "loss (Q shares D's body and optimizer) and to G's, on generated samples only. "
          "Nets: the paper's MNIST D/Q: 4×4 stride-2 convolutions to 64 and 128 maps "
          "(batchnorm on the second), FC 1024, then D's score and Q's FC 128 - batchnorm - "
          "output; G: FC 1024, FC 7×7×128, 4×4 transposed convolutions to 64 maps then 1. "
          "Here: ganzoo's dcgan parts at 64 base channels (the same 64/128 maps at 14 and 7 "
          "px, without the FC 1024 layers), D's score a linear map of the 7×7×128 map, Q an "
          "FC 128 - batchnorm - LeakyReLU - output head on it; LeakyReLU 0.2 (the authors' "
          "code: 0.01); tanh output (theirs: Bernoulli means); Gaussian noise (theirs: "
          "uniform in [-1, 1]). Presets: cifar10 (no CIFAR-10 model in the paper) takes its "
          "32 px colour set-up, SVHN's: four 10-way categorical codes, two continuous, 124 "
          "noise dims, D 64/128/256 maps at 16/8/4 px (the paper's), G 256/128/64 (the "
          "paper's without its first 2×2×448 stage); celeba: ten 10-way categorical codes, "
          "128 noise dims, the same nets (the paper trains CelebA at 32 px: add --image-size "
          "32 for its widths; at ganzoo's 64 px one more doubling, 512 maps at 4 px). On "
          "points: mlp parts, one 8-way categorical code (ring8's 8 modes), 2 noise dims; on "
          "grid25 a 25-way code (preset; seed 0, 3,000 steps, batch 256: 21 modes, 79.9% "
          "high quality). The paper "
          "has no 2-D experiment. "
          "Measured here (CPU, seed 0; benchmarks/infogan_codes.py, docs/models/infogan.md): "
          "ring8, 1,000 steps: each value of c1 draws one mode, all 8 (purity and matched "
          "accuracy 1.000, Q on real points too), 8 modes, 95% high quality. mnist-5k, batch "
          "64, base_channels 32: Q recovers the codes of G's samples (info_d 0.04 from 2.6), "
          "but c1 is only partly the digit: matched accuracy of c1 as a class 0.34 (G's "
          "samples, domain CNN) and 0.37 (Q on the real test split) at 3,000 steps, 0.42 and "
          "0.43 at 5,000 (the paper: 0.95 on MNIST, 5,000 updates of batch 128 on 55,000 "
          "digits with its nets); c1 orders the digits by width (round 0s to thin 1s) and c2 "
          "also changes some digits.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(INFOGAN)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "infogan", "ganzoo_infogan.generator:InfoGANGenerator",
                 summary="InfoGAN generator (Chen et al. 2016): noise plus categorical and "
                         "continuous codes (c1, c2, ...) as its latent space; dcgan (images) "
                         "or mlp (points) body")


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "infogan",
                 "ganzoo_infogan.discriminator:InfoGANDiscriminator",
                 summary="InfoGAN discriminator (Chen et al. 2016): dcgan (images) or mlp "
                         "(points) body, a real/fake score and a Q head predicting the codes")


@hookimpl
def ganzoo_register_methods(registry):
    registry.add("method", "infogan", "ganzoo_infogan.method:InfoGAN",
                 summary="InfoGAN step: the adversarial step plus the codes' negative "
                         "log-likelihood under Q (λ·L_I) for D (and Q) and G")

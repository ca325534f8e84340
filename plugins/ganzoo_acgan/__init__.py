"""AC-GAN (Odena et al. 2017): a class-conditional G, and a D that predicts the class of what
it judges; the recipe, its discriminator part and its training step (method)."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

ACGAN = Recipe(
    name="acgan",
    summary="Auxiliary classifier GAN: G draws a given class, D also classifies real and "
            "generated samples (cross-entropy added to both losses)",
    paper="Odena, Olah & Shlens 2017, Conditional Image Synthesis with Auxiliary "
          "Classifier GANs, arXiv:1610.09585",
    loss="non-saturating",
    generator={"points": "mlp", "image": "dcgan"},
    discriminator={"points": "acgan", "image": "acgan"},
    conditioning="class",
    method=PartChoice("acgan", {"aux_weight": 1.0}),
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    latent_dim={"points": 2, "image": 100},
    batch_size={"points": 256, "image": 100},
    presets={"cifar10": {
        # G: the paper's 384, 192, 96 maps at 4, 8, 16 px; D: its last map, 512 at 4×4
        "generator": {"image": PartChoice("dcgan", {"base_channels": 96})},
        "discriminator": {"image": PartChoice("acgan", {"base_channels": 128})},
    }},
    notes="Paper settings (its appendix, CIFAR-10 and ImageNet): non-saturating loss, Adam "
          "lr 2e-4, beta1 0.5 for G and D, batch 100, z of 100 dims joined by the one-hot "
          "class, N(0, 0.02) init; D: strided convolutions, batchnorm, LeakyReLU 0.2, "
          "dropout 0.5, and a last linear layer giving the source (sigmoid) and the class "
          "(softmax). The class cross-entropy counts real samples and generated ones (with "
          "the uniformly drawn labels they were generated for) for D, generated ones for G, "
          "weight 1 (method option aux_weight). Differs here: G and D's body are ganzoo's "
          "dcgan parts (fractional-strided / strided 4×4 convolutions, 32 base channels up "
          "to 32 px), D has no dropout, its two heads are linear maps of the flattened last "
          "feature map. Preset on cifar10, the paper's CIFAR-10 widths: G 96 base channels "
          "(z and class, 110 values → 384 maps at 4×4 → 192 → 96 → 3, as its 384/192/96 "
          "transposed convolutions; 4×4 kernels, theirs 5×5), D 128 base channels (128 → "
          "256 → 512 maps at 4×4, the 4×4×512 map its heads read; theirs six 3×3 "
          "convolutions of 16 to 512 maps, strides alternating 2 and 1); celeba has no "
          "labels, so the recipe refuses it. The ImageNet model is an ensemble of 100 "
          "AC-GANs on 10-class splits, here one model covers every class; samples come "
          "from G's moving "
          "average. On points (the paper has no 2-D experiment): mlp G with a one-hot label, "
          "acgan D with an MLP body (ring8's labels are its mode indices; seed 0, grid25, "
          "3,000 steps, batch 256: 19 modes, 58.9% high quality). Measured here (CPU, seed 0; "
          "benchmarks/class_fidelity.py, docs/models/acgan.md): mnist-5k, 2,400 steps, batch "
          "64, base_channels 16: 88% of sample(labels=k) classified as k by the domain CNN "
          "(cgan 48%), FID 0.96, KID 0.0036 (cgan 1.36, 0.0072; 'ganzoo eval --metrics "
          "fid,kid', 1,000 samples); aux_g fell from 2.3 to about 0.02 by step 1,200. ring8, "
          "1,000 steps: every sample of class k nearest mode k, 8 modes, 87% high quality.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(ACGAN)


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "acgan", "ganzoo_acgan.discriminator:ACGANDiscriminator",
                 summary="AC-GAN discriminator (Odena et al. 2017): dcgan (images) or mlp "
                         "(points) body, a real/fake score and class logits (heads(x))")


@hookimpl
def ganzoo_register_methods(registry):
    registry.add("method", "acgan", "ganzoo_acgan.method:ACGAN",
                 summary="AC-GAN step: the adversarial step plus the auxiliary class "
                         "cross-entropy (aux_weight) for D (real and fake) and G (fake)")

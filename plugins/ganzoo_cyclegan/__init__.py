"""CycleGAN (Zhu et al. 2017): translation between two image domains learnt from unpaired
examples — the recipe, its two-way ResNet generator, its step and the hidden-pair metric."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

#: the paper's schedule: 100 epochs at the base learning rate, 100 decaying linearly to 0;
#: in steps of horse2zebra's epoch (1,334 zebras, the larger domain, at batch 1)
PAPER_SCHEDULE = {"constant_steps": 133_400, "decay_steps": 133_400}
#: edges2digits-unpaired: 4,000 images a domain at batch 4, about 3 epochs each
DIGITS_SCHEDULE = {"constant_steps": 3_000, "decay_steps": 3_000}
METHOD = {"cycle_weight": 10.0, "identity_weight": 0.5, "pool_size": 50}

CYCLEGAN = Recipe(
    name="cyclegan",
    summary="Unpaired image-to-image translation: two ResNet generators A→B and B→A, two "
            "PatchGANs, cycle-consistency and identity L1 terms, LSGAN loss, image history",
    paper="Zhu, Park, Isola & Efros 2017, Unpaired Image-to-Image Translation using "
          "Cycle-Consistent Adversarial Networks, arXiv:1703.10593",
    loss="least-squares",
    generator={"image": "cyclegan"},
    discriminator={"image": PartChoice("patchgan", {"norm": "instance"})},
    method=PartChoice("cyclegan", {**METHOD, **PAPER_SCHEDULE}),
    conditioning="unpaired",
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    latent_dim={"image": 0},
    batch_size={"image": 1},
    ema_decay=0.0,
    presets={"edges2digits-unpaired": {
        "batch_size": {"image": 4},
        # identity off: with it G_AB kept copying the outline (measured, docs/models/cyclegan.md)
        "method": PartChoice("cyclegan", {**METHOD, "identity_weight": 0.0, **DIGITS_SCHEDULE}),
    }},
    notes="Paper settings (Zhu et al. 2017 and the authors' code): least-squares loss; "
          "cycle weight λ 10; identity loss 0.5·λ; a 50-image history per D (each fake "
          "swapped for a stored one with probability ½); ResNet generators (c7s1-64, d128, "
          "d256, 9 residual blocks at 256 px, 6 below, u128, u64, c7s1) with instance norm "
          "and reflection padding; 70×70 PatchGAN with instance norm; Adam 2e-4, betas "
          "(0.5, 0.999), one optimizer for both Gs and one for both Ds; batch 1; 100 epochs at "
          "the base lr then 100 decaying linearly to 0 (method options constant_steps, "
          "decay_steps: horse2zebra's 133,400 steps each); G's update, then D's. Here: the "
          "least-squares loss halves G's term (Mao et al.'s ½; the authors' code has none), "
          "instance norm has learnt affine parameters, no EMA (ema_decay 0, as the paper), "
          "below 64 px one downsampling instead of two and a PatchGAN whose patch scales "
          "with the image (16 px on 28×28); both domains must share one shape. Preset "
          "edges2digits-unpaired: batch 4, 3,000 + 3,000 steps, identity off. Measured here "
          "(CPU, seed 0, smaller nets: --g-opt base_channels=16 --g-opt n_blocks=3 --d-opt "
          "base_channels=16, --method-opt constant_steps=1500 --method-opt decay_steps=1500, "
          "3,000 steps, about 2.5 min; ganzoo eval, offline-domain protocol): identity off, "
          "FID A→B 0.35 and B→A 0.33, L1 to the hidden true partner 0.076 (A→B) and 0.160 "
          "(B→A), SSIM 0.52 and 0.18; with the identity loss (0.5·λ) G_AB kept copying the "
          "outline: FID 14.3 and 8.5, L1 0.194 and 0.263, SSIM -0.02 and -0.26 (against the "
          "digits a blank image scores L1 0.129, SSIM 0.10; the outline itself 0.236, "
          "-0.21). No cifar10/celeba presets: the recipe needs "
          "two domains.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(CYCLEGAN)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "cyclegan", "ganzoo_cyclegan.pair:CycleGANGenerator",
                 summary="CycleGAN's two ResNet translators in one module (Zhu et al. 2017): "
                         "G(z, a) is A→B, G.b_to_a B→A; 6 residual blocks below 256 px, 9 at "
                         "256")


@hookimpl
def ganzoo_register_methods(registry):
    registry.add("method", "cyclegan", "ganzoo_cyclegan.method:CycleGAN",
                 summary="CycleGAN step: both generators (adversarial + λ·cycle + "
                         "identity L1), then both discriminators on pooled fakes; linear lr "
                         "decay")


@hookimpl
def ganzoo_register_metrics(registry):
    registry.add("metric", "true-partner", "ganzoo_cyclegan.partner:TruePartner",
                 summary="L1 and SSIM of unpaired translations against the hidden true "
                         "partner (edges2digits-unpaired's test split), per direction")

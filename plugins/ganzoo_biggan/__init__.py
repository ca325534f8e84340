"""BigGAN (Brock, Donahue & Simonyan 2019) at small scale: the recipe, the class-conditional
ResNet parts and the orthogonal regularization of G."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

_CIFAR_ADAM = OptimizerSpec("adam", lr=2e-4, betas=(0.0, 0.999))
_CIFAR_NETS = {"channels": 256, "attention": 0}

BIGGAN = Recipe(
    name="biggan",
    summary="BigGAN: class-conditional ResNets with a shared class embedding, hierarchical "
            "z, self-attention, spectral norm in G and D, orthogonal regularization of G; "
            "hinge loss; sample with --truncation",
    paper="Brock, Donahue & Simonyan 2019, Large Scale GAN Training for High Fidelity "
          "Natural Image Synthesis, arXiv:1809.11096",
    loss="hinge",
    generator={"image": "biggan"},
    discriminator={"image": "biggan"},
    regularizers=("spectral-norm", "orthogonal"),
    conditioning="class",
    g_optimizer=OptimizerSpec("adam", lr=5e-5, betas=(0.0, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.0, 0.999)),
    n_critic=2,
    latent_dim={"image": 120},
    batch_size={"image": 64},
    ema_decay=0.9999,
    presets={"cifar10": {
        # BigGAN-PyTorch's scripts/launch_cifar_ema.sh
        "generator": {"image": PartChoice("biggan", _CIFAR_NETS)},
        "discriminator": {"image": PartChoice("biggan", _CIFAR_NETS)},
        "g_optimizer": _CIFAR_ADAM,
        "d_optimizer": _CIFAR_ADAM,
        "n_critic": 4,
        "batch_size": {"image": 50},
        "latent_dim": {"image": 128},
    }},
    notes="Paper settings (ImageNet, 128 px): hinge loss; spectral norm in G and D; Adam "
          "betas (0, 0.999), lr 5e-5 for G and 2e-4 for D, 2 D steps per G step (as "
          "BigGAN-PyTorch's README gives them; its released ImageNet scripts use SA-GAN's "
          "1e-4 / 4e-4 and 1 D step: --lr-g 1e-4 --lr-d 4e-4 --n-critic 1); batch 2048; "
          "z of 120 split into one chunk per stage (hierarchical latents): the first to "
          "G's linear layer, each other one, beside a 128-dim class "
          "embedding shared by all blocks, to one block's conditional batchnorms (gain 1 + "
          "W_γ·c, bias W_β·c); self-attention at 64×64; orthogonal initialization; "
          "orthogonal regularization β = 1e-4; projection D; samples from an EMA of G "
          "(decay 0.9999 from iteration 20,000) with the truncation trick. Here: the same "
          "at batch 64, for image sides 4·2^k (mnist-5k needs --image-size 32), on sngan's "
          "constant-width ResNet blocks (BigGAN-PyTorch's 32-px layout) with self-attention "
          "where the maps are half the image's side, 256 channels in G and D (32 on "
          "one-channel images up to 32 px, CPU-sized; --g-opt/--d-opt channels=N "
          "attention=S). D's spectral norm is the recipe's spectral-norm regularizer (--reg "
          "swaps it), G's is built into the part and, as in the authors' code, takes one "
          "power step at every call, so the averaged copy stays normalized. The orthogonal "
          "term is a loss, β·Σ‖WWᵀ ⊙ (1−I)‖²_F over G's raw conv and linear weights (not "
          "the class embedding); the authors' code adds half its gradient "
          "(--reg orthogonal:weight=5e-5 matches that). EMA: ganzoo's, decay 0.9999 warmed "
          "up as (1+t)/(10+t) from the first step (0.99 at 1,000 steps), where BigGAN copies "
          "G until the start and then uses 0.9999. Preset on cifar10: BigGAN-PyTorch's "
          "scripts/launch_cifar_ema.sh: batch 50, 4 D steps, Adam 2e-4 for both, z 128, 256 "
          "channels, no attention; that script also drops orthogonal regularization, the "
          "shared embedding and hierarchical z and initializes N(0, 0.02), which are kept "
          "here. celeba has no labels, so the recipe refuses it. "
          "Measured here (CPU, seed 0, mnist-5k --image-size 32, 1,000 steps, batch 32, "
          "32 channels, about 5 min; 'ganzoo eval RUN --metrics fid,kid', domain-CNN "
          "features, 1,000 samples): FID 4.02, KID 0.039; precision 0.73, recall 0.31. "
          "Truncation (load_run(run).sample(n, truncation=t), docs/models/biggan.md): with "
          "the EMA G's running batchnorm statistics, as 'ganzoo sample --truncation' draws, "
          "samples fade: t=1 FID 8.75 (precision 0.76, recall 0.11), t=0.5 FID 28.4; with "
          "the statistics re-estimated on truncated noise (BigGAN-PyTorch's standing stats) "
          "a weak form of the paper's trade-off: t=1 / 0.5 / 0.25 give FID 4.19 / 5.03 / "
          "6.22, precision 0.75 / 0.77 / 0.76 (0.73 untruncated), recall 0.32 / 0.24 / "
          "0.09: variety falls, fidelity barely rises this early. Samples of class k were "
          "of class k 12% of the time (chance 10%): G had not yet learned the class.",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(BIGGAN)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "biggan", "ganzoo_biggan.generator:BigGANGenerator",
                 summary="BigGAN generator (Brock et al. 2019): hierarchical z and a shared "
                         "class embedding into conditional-BN ResBlocks, self-attention, "
                         "spectral norm; needs labels; sides 4·2^k")


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "biggan", "ganzoo_biggan.discriminator:BigGANDiscriminator",
                 summary="BigGAN discriminator (Brock et al. 2019): ResNet D with "
                         "self-attention and a class projection; needs labels; sides 4·2^k")


@hookimpl
def ganzoo_register_regularizers(registry):
    registry.add("regularizer", "orthogonal", "ganzoo_biggan.orthogonal:Orthogonal",
                 summary="Brock et al. 2019 (BigGAN): weight·Σ‖WWᵀ ⊙ (1−I)‖²_F over G's "
                         "weight matrices, added to G's loss; weight=1e-4")

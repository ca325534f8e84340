"""The original GAN (Goodfellow et al. 2014) and the MLP parts every recipe uses on points."""

from ganzoo.api import OptimizerSpec, PartChoice, Recipe, hookimpl

#: PacGAN's toy nets (fjxmlzn/PacGAN, synthetic_data_experiments/*/config.py and the ALI
#: bricks it builds on): G 4 hidden layers of 400, batchnorm, ReLU; D 3 of 200 maxout units
#: of 5 pieces; Adam lr 1e-4, beta1 0.8.  Its GAN row (Table 1) is this, unpacked.
TOY_GENERATOR = PartChoice("mlp", {"hidden": 400, "depth": 4, "norm": "batch"})
TOY_DISCRIMINATOR = {"hidden": 200, "depth": 3, "maxout": 5}
TOY_ADAM = OptimizerSpec("adam", lr=1e-4, betas=(0.8, 0.999))
#: The paper's MNIST model (goodfeli/adversarial, mnist.yaml): G 2 hidden layers of 1200
#: ReLU units, D 2 of 240 maxout units of 5 pieces; batchnorm in G is ganzoo's addition.
MNIST_GENERATOR = PartChoice("mlp", {"hidden": 1200, "depth": 2, "norm": "batch"})
MNIST_DISCRIMINATOR = PartChoice("mlp", {"hidden": 240, "depth": 2, "maxout": 5})

GAN = Recipe(
    name="gan",
    summary="The original GAN: MLPs, non-saturating generator loss",
    paper="Goodfellow et al. 2014, Generative Adversarial Nets, arXiv:1406.2661",
    loss="non-saturating",
    generator={"points": "mlp", "image": MNIST_GENERATOR},
    discriminator={"points": "mlp", "image": MNIST_DISCRIMINATOR},
    g_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    d_optimizer=OptimizerSpec("adam", lr=2e-4, betas=(0.5, 0.999)),
    presets={"points": {
        "generator": {"points": TOY_GENERATOR},
        "discriminator": {"points": PartChoice("mlp", TOY_DISCRIMINATOR)},
        "g_optimizer": TOY_ADAM,
        "d_optimizer": TOY_ADAM,
        "batch_size": {"points": 100},
    }, "cifar10": {
        "generator": {"image": PartChoice("mlp", {"hidden": 8000, "depth": 2})},
        "discriminator": {"image": PartChoice("mlp", {"hidden": 1600, "depth": 2})},
        "batch_size": {"image": 100},
    }},
    notes="Use --loss minimax for the paper's saturating objective. Preset on cifar10: the "
          "paper's fully connected CIFAR-10 model (the authors' "
          "cifar10_fully_connected.yaml): G 2 hidden layers of 8000 units, D 2 of 1600, "
          "batch 100, z of 100. Differs there: G's second layer is ReLU (theirs sigmoid), D's "
          "units LeakyReLU(0.2) (theirs maxout with 5 pieces, dropout on D's inputs); Adam "
          "lr 2e-4, beta1 0.5 (theirs SGD, lr 0.025 decayed, momentum 0.5 to 0.7); z "
          "Gaussian. The paper's convolutional CIFAR-10 model and its 48-px face set (TFD) "
          "are not what the mlp parts build. On other images (mnist-5k, celeba) the parts "
          "are the paper's MNIST model (the authors' mnist.yaml): G 2 hidden layers of "
          "1200 ReLU units, D 2 of 240 maxout units of 5 pieces; differs: batchnorm in G "
          "(without it G collapsed to one blurry shape: FID 770 on mnist-5k at 1,500 "
          "updates with 3×256 MLPs), no dropout in D, Adam 2e-4 beta1 0.5, batch 64, "
          "sigmoid → tanh. Measured (seed 0, 1,500 updates, batch 64, 'ganzoo train gan "
          "--dataset mnist-5k --steps 1500', 'ganzoo eval RUN --metrics fid', "
          "offline-domain): FID 112 (dcgan 11.3 at the same budget): noisy digits, most "
          "readable; 3×256 with batchnorm in G gave 268, 3×512 192. The paper has no 2-D experiment; on points (ring8, grid25) "
          "the preset is the GAN row of PacGAN's Table 1, the toy baseline of the "
          "mode-collapse papers (fjxmlzn/PacGAN synthetic_data_experiments config.py): G 4 "
          "hidden layers of 400 with batchnorm and ReLU on a 2-D Gaussian z, D 3 hidden "
          "layers of 200 maxout units (5 pieces), Adam lr 1e-4, betas (0.8, 0.999), batch "
          "100; differs: PyTorch's default init (theirs N(0, 0.02)), samples from G's "
          "moving average, 3,000 updates in the bench (theirs 400k). Measured here (seed 0, "
          "3,000 steps, batch 256, 'ganzoo eval RUN --metrics mode-coverage'): ring8 8 modes "
          "/ 82.1% high quality, grid25 6 / 1.3% (mode dropping); the earlier defaults (mlp "
          "128 wide, Adam 2e-4 beta1 0.5) gave 8 / 75.6% and 20 / 3.0%. Bench, 3 seeds: ring8 "
          "8.0 / 82.1 ± 1.4%, grid25 5.3 ± 3.1 modes / 2.7 ± 1.3% (docs/results.md).",
)


@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(GAN)


@hookimpl
def ganzoo_register_generators(registry):
    registry.add("generator", "mlp", "ganzoo_gan.mlp:MLPGenerator",
                 summary="Fully connected generator for points or flattened images")


@hookimpl
def ganzoo_register_discriminators(registry):
    registry.add("discriminator", "mlp", "ganzoo_gan.mlp:MLPDiscriminator",
                 summary="Fully connected discriminator for points or flattened images")

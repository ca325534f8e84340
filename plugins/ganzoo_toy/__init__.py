"""2-D mixtures of Gaussians, the standard mode-collapse testbeds (VEEGAN, PacGAN)."""

from ganzoo.api import DataSpec, DatasetInfo, hookimpl

PACGAN = "geometry of github.com/fjxmlzn/PacGAN synthetic_data_experiments (Lin et al. 2018)"
WGANGP = "geometry of github.com/igul222/improved_wgan_training gan_toy.py (Gulrajani et al. 2017)"


@hookimpl
def ganzoo_register_datasets(registry):
    registry.add_dataset(DatasetInfo(
        name="ring8",
        spec=DataSpec(shape=(2,), num_classes=8),
        builder="ganzoo_toy.mixtures:ring8",
        summary="8 Gaussians on a circle of radius 1, std 0.01 (labels: mode index); "
                "PacGAN's 2D-ring",
        source=f"generated (seeded); {PACGAN}",
    ))
    registry.add_dataset(DatasetInfo(
        name="grid25",
        spec=DataSpec(shape=(2,), num_classes=25),
        builder="ganzoo_toy.mixtures:grid25",
        summary="25 Gaussians on {-4,-2,0,2,4}², std 0.05 (labels: mode index); "
                "PacGAN's 2D-grid",
        source=f"generated (seeded); {PACGAN}",
    ))
    registry.add_dataset(DatasetInfo(
        name="ring8-wgangp",
        spec=DataSpec(shape=(2,), num_classes=8),
        builder="ganzoo_toy.mixtures:ring8_wgangp",
        summary="ring8 as WGAN-GP's toy code scales it: radius 2/1.414, std 0.02/1.414 "
                "(labels: mode index)",
        source=f"generated (seeded); {WGANGP}, 8gaussians",
    ))
    registry.add_dataset(DatasetInfo(
        name="grid25-wgangp",
        spec=DataSpec(shape=(2,), num_classes=25),
        builder="ganzoo_toy.mixtures:grid25_wgangp",
        summary="grid25 as WGAN-GP's toy code scales it: {-4,...,4}²/2.828, std 0.05/2.828 "
                "(labels: mode index)",
        source=f"generated (seeded); {WGANGP}, 25gaussians",
    ))

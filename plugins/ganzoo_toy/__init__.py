"""2-D mixtures of Gaussians, the standard mode-collapse testbeds (VEEGAN, PacGAN)."""

from ganzoo.api import DataSpec, DatasetInfo, hookimpl

PACGAN = "geometry of github.com/fjxmlzn/PacGAN synthetic_data_experiments (Lin et al. 2018)"
WGANGP = "geometry of github.com/igul222/improved_wgan_training gan_toy.py (Gulrajani et al. 2017)"

#: name, modes, builder in ganzoo_toy.mixtures, summary, source (labels are mode indices)
MIXTURES = (
    ("ring8", 8, "ring8", "8 Gaussians on a circle of radius 1, std 0.01; PacGAN's 2D-ring",
     PACGAN),
    ("grid25", 25, "grid25", "25 Gaussians on {-4,-2,0,2,4}², std 0.05; PacGAN's 2D-grid",
     PACGAN),
    ("ring8-wgangp", 8, "ring8_wgangp",
     "ring8 as WGAN-GP's toy code scales it: radius 2/1.414, std 0.02/1.414",
     f"{WGANGP}, 8gaussians"),
    ("grid25-wgangp", 25, "grid25_wgangp",
     "grid25 as WGAN-GP's toy code scales it: {-4,...,4}²/2.828, std 0.05/2.828",
     f"{WGANGP}, 25gaussians"),
)


@hookimpl
def ganzoo_register_datasets(registry):
    for name, modes, builder, summary, source in MIXTURES:
        registry.add_dataset(DatasetInfo(
            name=name,
            spec=DataSpec(shape=(2,), num_classes=modes),
            builder=f"ganzoo_toy.mixtures:{builder}",
            summary=f"{summary} (labels: mode index)",
            source=f"generated (seeded); {source}",
        ))

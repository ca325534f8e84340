"""2-D mixtures of Gaussians, the standard mode-collapse testbeds (VEEGAN, PacGAN)."""

from ganzoo.api import DataSpec, DatasetInfo, hookimpl


@hookimpl
def ganzoo_register_datasets(registry):
    registry.add_dataset(DatasetInfo(
        name="ring8",
        spec=DataSpec(shape=(2,), num_classes=8),
        builder="ganzoo_toy.mixtures:ring8",
        summary="8 Gaussians on a circle of radius 1, std 0.01 (labels: mode index)",
        source="generated (seeded)",
    ))
    registry.add_dataset(DatasetInfo(
        name="grid25",
        spec=DataSpec(shape=(2,), num_classes=25),
        builder="ganzoo_toy.mixtures:grid25",
        summary="25 Gaussians on {-4,-2,0,2,4}², std 0.05 (labels: mode index)",
        source="generated (seeded)",
    ))

"""The energy distance between generated and real points (Székely & Rizzo 2013):
``2·E|X−Y| − E|X−X'| − E|Y−Y'|``, zero exactly when the two distributions are equal."""

from __future__ import annotations

import torch

from ganzoo.api import DataSpec, Measurement, Metric, MetricTask


class EnergyDistance(Metric):
    """Computed on up to 2,500 generated and 2,500 real points (the PacGAN sample count)."""

    name = "example-energy"
    figures = {"energy_distance": "lower"}

    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        return spec.kind == "points" and conditioning != "image"

    def compute(self, task: MetricTask) -> Measurement:
        n = task.sample_count(default=2500)
        fake = task.samples(n)
        real = task.reference_data(limit=n)
        distance = (2 * torch.cdist(fake, real).mean() - torch.cdist(fake, fake).mean()
                    - torch.cdist(real, real).mean())
        return Measurement({"energy_distance": distance.item()},
                           task.record(num_generated=n, num_real=len(real)))

"""Scoring unpaired translation where the true pairs are known but were never trained on.

On edges2digits-unpaired the test split keeps each outline's own digit: a translation can
be compared with that hidden partner, with pix2pix's L1 and SSIM
(:mod:`ganzoo.metrics.translation`).  ``ganzoo eval`` measures an unpaired run in both
directions, so the figures come as ``l1_AtoB``, ``ssim_BtoA``...  Data without known
partners (horse2zebra in unpaired-folder) is refused with a message and left out.
"""

from __future__ import annotations

from ganzoo.api import (
    DataSpec,
    Measurement,
    Metric,
    MetricNotApplicableError,
    MetricTask,
    l1_error,
    ssim,
)


class TruePartner(Metric):
    """Mean L1 (pixels in [0, 1]) and SSIM of each translation against its hidden partner."""

    name = "true-partner"
    figures = {"l1": "lower", "ssim": "higher"}

    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        return spec.is_image and spec.unpaired and conditioning == "unpaired"

    def compute(self, task: MetricTask) -> Measurement:
        if not getattr(task.reference, "true_partners", False):
            raise MetricNotApplicableError(
                f"The {task.split} split of {task.dataset!r} does not say which image of one "
                "domain is the translation of which of the other (horse2zebra has no such "
                "pairs), so translations cannot be scored against partners; FID still applies."
            )
        n = min(task.sample_count(default=task.reference_size), task.reference_size)
        outputs = (task.samples(n).clamp(-1, 1) + 1) / 2
        partners = (task.reference_data(limit=n) + 1) / 2
        record = task.record(num_pairs=n, pixel_scale="[0, 1]", ssim="gaussian 11, sigma 1.5")
        return Measurement({"l1": float(l1_error(outputs, partners).mean()),
                            "ssim": float(ssim(outputs, partners).mean())}, record)

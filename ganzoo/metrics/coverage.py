"""Mode coverage on Gaussian mixtures, the protocol of VEEGAN and PacGAN.

Over 2,500 generated points, a point is *high-quality* if it lies within three standard
deviations of its nearest mode; a mode is *captured* if at least ``MIN_COUNT`` (one, as in
PacGAN's code) high-quality points fall to it.  The *reverse KL* is
KL(generated ‖ true) between the histogram of high-quality points over the modes and the
true (uniform) mode distribution.  Empty modes add 0 (0·log 0 = 0; the uniform side has no
empty modes, so no smoothing is needed); when no point is high-quality the histogram is
undefined and the figure is reported as log K, its value for total collapse onto one mode.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from ganzoo.data.spec import DataSpec
from ganzoo.errors import GanzooError
from ganzoo.metrics.base import Measurement, Metric, MetricTask

PROTOCOL_SAMPLES = 2500
THRESHOLD_STDS = 3.0
MIN_COUNT = 1


def mode_coverage(
    points: Tensor, modes: Tensor, std: float, *,
    threshold: float = THRESHOLD_STDS, min_count: int = MIN_COUNT,
) -> dict[str, float]:
    """``modes`` captured, ``high_quality_pct`` and ``reverse_kl`` of ``points``."""
    points, modes = points.double(), modes.double()
    distance, nearest = torch.cdist(points, modes).min(dim=1)
    good = distance <= threshold * std
    counts = torch.bincount(nearest[good], minlength=len(modes)).double()
    k = len(modes)
    if counts.sum() > 0:
        p = counts / counts.sum()
        present = p > 0
        reverse_kl = float((p[present] * (p[present] * k).log()).sum())
    else:
        reverse_kl = math.log(k)
    return {
        "modes": float((counts >= min_count).sum()),
        "high_quality_pct": float(100.0 * good.double().mean()),
        "reverse_kl": reverse_kl,
    }


class ModeCoverage(Metric):
    """Modes captured, % high-quality samples and reverse KL over 2,500 samples of a
    Gaussian mixture that declares its ``modes`` and ``std`` (VEEGAN/PacGAN protocol)."""

    name = "mode-coverage"
    figures = {"modes": "higher", "high_quality_pct": "higher", "reverse_kl": "lower"}

    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        return spec.kind == "points" and conditioning != "image"

    def compute(self, task: MetricTask) -> Measurement:
        modes = getattr(task.reference, "modes", None)
        std = getattr(task.reference, "std", None)
        if modes is None or std is None:
            raise GanzooError(
                f"Mode coverage needs a Gaussian mixture that declares its modes: dataset "
                f"{task.dataset!r} has no 'modes' and 'std'. Use ring8 or grid25, or give the "
                "dataset object those two attributes."
            )
        n = task.sample_count(default=PROTOCOL_SAMPLES)
        values = mode_coverage(task.samples(n), modes, float(std))
        record = task.record(
            num_generated=n, total_modes=len(modes), mode_std=float(std),
            threshold=f"{THRESHOLD_STDS:g} std of the nearest mode",
            mode_captured_if=f"at least {MIN_COUNT} high-quality sample(s)",
        )
        return Measurement(values, record)

"""The mode count of stacked MNIST (Metz et al. 2017; Srivastava et al. 2017; Lin et al. 2018).

Each channel of every generated image is read by a digit classifier; the digits (r, g, b)
make its mode 100·r + 10·g + b.  Over 26,000 samples the figures are the number of modes
hit (of 1,000) and the KL divergence KL(generated ‖ uniform) of the histogram of modes to
the uniform distribution — the papers' "KL" column (reverse KL, as in ganzoo's
``mode-coverage``): empty modes add 0, and collapse onto one mode gives log 1000 ≈ 6.91.
PacGAN's Table 3 reports DCGAN 99 modes / KL 3.40 and PacDCGAN2 1,000 / 0.06.
"""

from __future__ import annotations

import torch
from torch import Tensor

from ganzoo.api import DataSpec, GanzooError, Measurement, Metric, MetricTask
from ganzoo_stacked.classifier import TrainedClassifier, digit_classifier
from ganzoo_stacked.dataset import CHANNELS, NUM_MODES, mode_index

PROTOCOL_SAMPLES = 26_000
MIN_ACCURACY = 0.95
SHAPE = (CHANNELS, 28, 28)


def classify_modes(classifier: TrainedClassifier, images: Tensor, device: str = "cpu") -> Tensor:
    """The mode of each ``(3, 28, 28)`` image: its channels read as digits (r, g, b)."""
    digits = classifier.predict(images.reshape(-1, 1, *SHAPE[1:]), device)
    return mode_index(digits.reshape(-1, CHANNELS))


def kl_to_uniform(counts: Tensor) -> float:
    """KL(p ‖ uniform) of the histogram ``counts`` over its ``len(counts)`` modes."""
    p = counts.double() / counts.sum()
    p = p[p > 0]
    return float((p * (p * len(counts)).log()).sum())


def mode_figures(modes: Tensor) -> dict[str, float]:
    """``modes`` hit and ``reverse_kl`` to uniform of the modes of a set of samples."""
    counts = torch.bincount(modes, minlength=NUM_MODES)
    return {"modes": float((counts > 0).sum()), "reverse_kl": kl_to_uniform(counts)}


class ModeCount(Metric):
    """Modes hit (of 1,000) and KL to uniform over 26,000 stacked-MNIST samples."""

    name = "mode-count"
    figures = {"modes": "higher", "reverse_kl": "lower"}

    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        return (tuple(spec.shape) == SHAPE and spec.num_classes == NUM_MODES
                and conditioning != "image")

    def compute(self, task: MetricTask) -> Measurement:
        classifier = task.memo("stacked-digit-classifier",
                               lambda: digit_classifier(task.cache_dir))
        if classifier.accuracy < MIN_ACCURACY:
            raise GanzooError(
                f"The mode count's digit classifier reads only {classifier.accuracy:.1%} of "
                f"mnist-5k's {classifier.held_out} held-out digits right (at least "
                f"{MIN_ACCURACY:.0%} is needed), so its mode counts would not mean much. Its "
                f"cached weights (sha256 {classifier.sha256[:12]}) may be damaged: delete the "
                "stacked/ folder of ganzoo's cache ($GANZOO_CACHE, default ~/.cache/ganzoo) "
                "to train it again."
            )
        n = task.sample_count(default=PROTOCOL_SAMPLES)
        values = mode_figures(classify_modes(classifier, task.samples(n), task.device))
        record = task.record(
            num_generated=n, total_modes=NUM_MODES,
            classifier="ganzoo_stacked digit CNN (mnist-5k train)",
            classifier_sha256=classifier.sha256[:12],
            classifier_accuracy=round(classifier.accuracy, 4),
            classifier_held_out=classifier.held_out,
        )
        return Measurement(values, record)

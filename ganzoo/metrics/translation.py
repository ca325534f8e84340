"""Image-to-image metrics: L1, PSNR and SSIM of outputs against held-out targets.

The run's generator translates the reference split's inputs; each output is compared with
its own target.  Pixels are mapped from [-1, 1] to [0, 1] first, so L1 is a mean absolute
intensity difference, PSNR uses a peak of 1 and SSIM a data range of 1.  Figures are means
over images.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from ganzoo.data.spec import DataSpec
from ganzoo.errors import GanzooError
from ganzoo.metrics.base import Measurement, Metric, MetricTask

#: PSNR of identical images is infinite; the MSE is floored so that it reads 100 dB.
PSNR_CAP_DB = 100.0
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5


def l1_error(outputs: Tensor, targets: Tensor) -> Tensor:
    """Mean absolute difference per image."""
    return (outputs - targets).abs().flatten(1).mean(1)


def psnr(outputs: Tensor, targets: Tensor, peak: float = 1.0) -> Tensor:
    """Peak signal-to-noise ratio per image in dB, capped at :data:`PSNR_CAP_DB`."""
    mse = (outputs - targets).pow(2).flatten(1).mean(1)
    floor = peak**2 * 10 ** (-PSNR_CAP_DB / 10)
    return 10 * torch.log10(peak**2 / mse.clamp_min(floor))


def ssim(outputs: Tensor, targets: Tensor, data_range: float = 1.0,
         window: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA) -> Tensor:
    """Structural similarity per image (Wang et al. 2004): a Gaussian window (11, σ 1.5,
    shrunk to fit small images), K1 = 0.01, K2 = 0.03, averaged over valid positions and
    channels."""
    x, y = outputs.double(), targets.double()
    channels, height, width = x.shape[1:]
    size = min(window, height, width)
    if size % 2 == 0:  # odd, so the window has a centre
        size -= 1
    coords = torch.arange(size, dtype=torch.float64) - size // 2
    g = torch.exp(-coords.pow(2) / (2 * sigma**2))
    g = g / g.sum()
    kernel = (g[:, None] * g[None, :]).expand(channels, 1, size, size)

    def blur(t: Tensor) -> Tensor:
        return F.conv2d(t, kernel, groups=channels)

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x.pow(2)
    var_y = blur(y * y) - mu_y.pow(2)
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    index = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / (
        (mu_x.pow(2) + mu_y.pow(2) + c1) * (var_x + var_y + c2))
    return index.flatten(1).mean(1).float()


def _pairs(task: MetricTask) -> tuple[Tensor, Tensor]:
    """Outputs for the reference inputs and their targets, in [0, 1]."""
    n = min(task.sample_count(default=task.reference_size), task.reference_size)
    outputs, targets = task.samples(n), task.reference_data(limit=n)
    if outputs.shape != targets.shape:
        raise GanzooError(
            f"The generator's outputs {tuple(outputs.shape[1:])} do not match the targets "
            f"{tuple(targets.shape[1:])} of dataset {task.dataset!r}; evaluate with the image "
            "size the run was trained at."
        )
    return (outputs.clamp(-1, 1) + 1) / 2, (targets + 1) / 2


class TranslationMetric(Metric):
    """A per-image comparison of outputs with targets, averaged over the reference set."""

    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        return spec.is_image and conditioning == "image"

    def compute(self, task: MetricTask) -> Measurement:
        outputs, targets = task.memo("translation-pairs", lambda: _pairs(task))
        value = float(self.per_image(outputs, targets).mean())
        record = task.record(num_pairs=len(outputs), pixel_scale="[0, 1]", **self.settings())
        return Measurement({self.name: value}, record)

    def per_image(self, outputs: Tensor, targets: Tensor) -> Tensor:
        raise NotImplementedError

    def settings(self) -> dict[str, object]:
        return {}


class L1(TranslationMetric):
    """Mean absolute pixel difference (pixels in [0, 1]) between outputs and targets."""

    name = "l1"
    figures = {"l1": "lower"}

    def per_image(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return l1_error(outputs, targets)


class PSNR(TranslationMetric):
    """10·log10(1 / MSE) per image in dB (pixels in [0, 1]), capped at 100 dB."""

    name = "psnr"
    figures = {"psnr": "higher"}

    def per_image(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return psnr(outputs, targets)

    def settings(self) -> dict[str, object]:
        return {"peak": 1.0, "cap_db": PSNR_CAP_DB}


class SSIM(TranslationMetric):
    """Structural similarity (Wang et al. 2004), Gaussian window 11, σ 1.5."""

    name = "ssim"
    figures = {"ssim": "higher"}

    def per_image(self, outputs: Tensor, targets: Tensor) -> Tensor:
        return ssim(outputs, targets)

    def settings(self) -> dict[str, object]:
        return {"window": f"gaussian {SSIM_WINDOW}, sigma {SSIM_SIGMA}", "data_range": 1.0}

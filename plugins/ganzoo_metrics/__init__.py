"""ganzoo's metrics, registered by name; their code lives in :mod:`ganzoo.metrics`.

Each entry points to a :class:`ganzoo.metrics.base.Metric` subclass as a ``"module:attr"``
string, so listing metrics imports neither torch nor torch-fidelity.
"""

from ganzoo.api import hookimpl

METRICS = (
    ("fid", "ganzoo.metrics.fidelity:FID",
     "Fréchet distance between features of generated and real images (torch-fidelity)"),
    ("kid", "ganzoo.metrics.fidelity:KID",
     "Kernel distance (MMD) between features of generated and real images (torch-fidelity)"),
    ("is", "ganzoo.metrics.fidelity:InceptionScore",
     "Inception Score of generated images (torch-fidelity)"),
    ("precision-recall", "ganzoo.metrics.fidelity:PrecisionRecall",
     "Precision and recall of generated vs real image features (torch-fidelity)"),
    ("mode-coverage", "ganzoo.metrics.coverage:ModeCoverage",
     "Modes captured, % high-quality samples, reverse KL on ring8/grid25 (VEEGAN/PacGAN)"),
    ("l1", "ganzoo.metrics.translation:L1",
     "Mean absolute error of image-to-image outputs against held-out targets"),
    ("psnr", "ganzoo.metrics.translation:PSNR",
     "PSNR (dB) of image-to-image outputs against held-out targets"),
    ("ssim", "ganzoo.metrics.translation:SSIM",
     "SSIM of image-to-image outputs against held-out targets"),
)


@hookimpl
def ganzoo_register_metrics(registry):
    for name, target, summary in METRICS:
        registry.add("metric", name, target, summary=summary)

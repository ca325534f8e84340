"""FID, KID, IS and precision/recall, computed by torch-fidelity.

ganzoo does not re-implement these: it hands torch-fidelity the generated and the real
images as datasets of bare uint8 tensors (its own generator wrapper breaks on current NumPy),
names the feature extractor chosen by :mod:`ganzoo.metrics.features`, and lets it cache the
real data's features under an id made of the data's and the extractor's hashes.  All the
torch-fidelity metrics of one evaluation are computed in one call, so features are
extracted once.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch_fidelity
from torch import Tensor
from torch.utils.data import Dataset

from ganzoo.data.spec import DataSpec
from ganzoo.metrics.base import Measurement, Metric, MetricTask
from ganzoo.metrics.cache import cache_dir, tensor_sha256
from ganzoo.metrics.features import FeatureExtractor, choose_extractor

KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000
ISC_SPLITS = 10
PRC_NEIGHBORHOOD = 3


class ImageSamples(Dataset):
    """Images in [-1, 1] as the uint8 tensors torch-fidelity's extractors read.

    Grayscale images are repeated to three channels for an extractor that takes RGB.
    """

    def __init__(self, images: Tensor, channels: int | None = None):
        pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        if channels is not None and pixels.shape[1] != channels:
            pixels = pixels.expand(-1, channels, -1, -1)
        self.images = pixels.contiguous()

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> Tensor:
        return self.images[index]


def _run_fidelity(task: MetricTask, keys: set[str]) -> dict[str, Any]:
    """One torch-fidelity call for the metric ``keys`` (``isc``, ``fid``, ``kid``, ``prc``)."""
    extractor = choose_extractor(task)
    n_real = task.reference_size
    n_fake = task.sample_count(default=n_real)
    fake = ImageSamples(task.samples(n_fake), extractor.channels)
    binary = bool(keys & {"fid", "kid", "prc"})
    kwargs: dict[str, Any] = {}
    counts: dict[str, Any] = {"num_generated": n_fake, "is_splits": min(ISC_SPLITS, n_fake)}
    if binary:
        real = ImageSamples(task.reference_data(limit=n_real), extractor.channels)
        real_id = (f"ganzoo-{task.dataset}-{task.split}-{tensor_sha256(real.images)[:12]}"
                   f"-{extractor.weights_sha256[:8]}")
        counts["num_real"] = len(real)
        counts["kid_subset_size"] = min(KID_SUBSET_SIZE, n_fake, len(real))
        kwargs = {"input2": real, "input2_cache_name": real_id,
                  "kid_subset_size": counts["kid_subset_size"]}
    figures = torch_fidelity.calculate_metrics(
        input1=fake,
        **kwargs,
        **{key: key in keys for key in ("isc", "fid", "kid", "prc")},
        feature_extractor=extractor.fidelity_name,
        feature_extractor_weights_path=str(extractor.weights_path),
        **{f"feature_layer_{key}": layer for key, layer in extractor.layers.items()},
        cuda=str(task.device).startswith("cuda"),
        batch_size=128,
        isc_splits=counts["is_splits"],
        kid_subsets=KID_SUBSETS,
        prc_neighborhood=PRC_NEIGHBORHOOD,
        cache=True,
        cache_root=str(cache_dir(task.cache_dir) / "fidelity"),
        rng_seed=task.seed,
        save_cpu_ram=True,  # no DataLoader worker processes: the tensors are in memory
        verbose=False,
    )
    return {"figures": figures, "extractor": extractor, **counts}


class FidelityMetric(Metric):
    """A metric torch-fidelity computes; subclasses name its key and map its figures."""

    fidelity_key: ClassVar[str] = ""
    #: whether the metric compares with real data (IS looks at generated images only)
    compares_with_real: ClassVar[bool] = True
    #: ganzoo figure name -> torch-fidelity result key
    fidelity_figures: ClassVar[dict[str, str]] = {}

    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        return spec.is_image

    def compute(self, task: MetricTask) -> Measurement:
        keys = {m.fidelity_key for m in task.requested if isinstance(m, FidelityMetric)}
        keys.add(self.fidelity_key)
        result = task.memo(("torch-fidelity", frozenset(keys)), lambda: _run_fidelity(task, keys))
        extractor: FeatureExtractor = result["extractor"]
        values = {ours: float(result["figures"][theirs])
                  for ours, theirs in self.fidelity_figures.items()}
        counts = {"num_generated": result["num_generated"]}
        if self.compares_with_real:
            counts["num_real"] = result["num_real"]
        record = task.record(
            **counts,
            **extractor.record(self.fidelity_key),
            torch_fidelity=torch_fidelity.__version__,
            **self.settings(result),
        )
        return Measurement(values, record)

    def settings(self, result: dict[str, Any]) -> dict[str, Any]:
        """Metric-specific settings worth recording."""
        return {}


class FID(FidelityMetric):
    """Fréchet distance between Gaussians fitted to generated and real features (Heusel
    et al. 2017); 0 for identical statistics."""

    name = "fid"
    figures = {"fid": "lower"}
    fidelity_key = "fid"
    fidelity_figures = {"fid": torch_fidelity.KEY_METRIC_FID}


class KID(FidelityMetric):
    """Squared MMD with a cubic polynomial kernel between generated and real features,
    over random subsets (Bińkowski et al. 2018); unbiased, so it can dip below 0."""

    name = "kid"
    figures = {"kid_mean": "lower", "kid_std": ""}
    fidelity_key = "kid"
    fidelity_figures = {"kid_mean": torch_fidelity.KEY_METRIC_KID_MEAN,
                        "kid_std": torch_fidelity.KEY_METRIC_KID_STD}

    def settings(self, result: dict[str, Any]) -> dict[str, Any]:
        return {"kid_subsets": KID_SUBSETS, "kid_subset_size": result["kid_subset_size"]}


class InceptionScore(FidelityMetric):
    """exp E[KL(p(y|x) ‖ p(y))] of the extractor's class predictions on generated images
    (Salimans et al. 2016); from 1 up to the number of classes."""

    name = "is"
    figures = {"is_mean": "higher", "is_std": ""}
    fidelity_key = "isc"
    compares_with_real = False
    fidelity_figures = {"is_mean": torch_fidelity.KEY_METRIC_ISC_MEAN,
                        "is_std": torch_fidelity.KEY_METRIC_ISC_STD}

    def settings(self, result: dict[str, Any]) -> dict[str, Any]:
        return {"is_splits": result["is_splits"]}


class PrecisionRecall(FidelityMetric):
    """Share of generated images inside the real feature manifold (precision) and of real
    images inside the generated one (recall), k = 3 (Kynkäänniemi et al. 2019)."""

    name = "precision-recall"
    figures = {"precision": "higher", "recall": "higher", "f_score": "higher"}
    fidelity_key = "prc"
    fidelity_figures = {"precision": torch_fidelity.KEY_METRIC_PRECISION,
                        "recall": torch_fidelity.KEY_METRIC_RECALL,
                        "f_score": torch_fidelity.KEY_METRIC_F_SCORE}

    def settings(self, result: dict[str, Any]) -> dict[str, Any]:
        return {"prc_neighborhood": PRC_NEIGHBORHOOD}

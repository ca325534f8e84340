"""FID, KID, IS and precision/recall, computed by torch-fidelity.

ganzoo does not re-implement these: torch-fidelity's feature extractor (the one chosen by
:mod:`ganzoo.metrics.features`) reads the generated and the real images as datasets of bare
uint8 tensors (its own generator wrapper breaks on current NumPy), and its metric functions
turn the features into figures.  The real data's features are cached by ganzoo as ``.npz``
under an id made of the data's and the extractor's hashes; torch-fidelity's own cache is not
used, because it reads entries with full pickle and a planted entry would run code.  All
the metrics of one evaluation share one feature extraction per input.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch_fidelity
from torch import Tensor
from torch.utils.data import Dataset
from torch_fidelity import FeatureExtractorBase
from torch_fidelity.metric_fid import fid_featuresdict_to_statistics, fid_statistics_to_metric
from torch_fidelity.metric_isc import isc_featuresdict_to_metric
from torch_fidelity.metric_kid import kid_featuresdict_to_metric
from torch_fidelity.metric_prc import prc_featuresdict_to_metric
from torch_fidelity.utils import create_feature_extractor, get_featuresdict_from_dataset

from ganzoo.data.spec import DataSpec
from ganzoo.errors import GanzooError
from ganzoo.metrics.base import Measurement, Metric, MetricTask
from ganzoo.metrics.cache import cache_dir, load_array, save_array, tensor_sha256
from ganzoo.metrics.features import FeatureExtractor, choose_extractor

KID_SUBSETS = 100
KID_SUBSET_SIZE = 1000
ISC_SPLITS = 10
PRC_NEIGHBORHOOD = 3
BATCH_SIZE = 128
FEATURES_DIR = "features"

#: feature layer name -> one row of features per image
Features = dict[str, Tensor]


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


def _extract(net: FeatureExtractorBase, images: ImageSamples, cuda: bool) -> Features:
    """The features of ``images`` at every layer ``net`` provides; no loader worker
    processes (``save_cpu_ram``): the images are already in memory."""
    return get_featuresdict_from_dataset(images, net, BATCH_SIZE, cuda, save_cpu_ram=True,
                                         verbose=False)


def _fits(features: np.ndarray | None, count: int) -> bool:
    """Whether a cached array is features of ``count`` images, as extractors produce them."""
    return (features is not None and features.ndim == 2 and len(features) == count
            and features.dtype == np.float32)


def _real_features(task: MetricTask, images: ImageSamples, net: FeatureExtractorBase,
                   extractor: FeatureExtractor, layers: set[str], cuda: bool) -> Features:
    """The reference images' features at ``layers``, from ganzoo's cache when it holds them.

    Entries are ``.npz`` keyed by the dataset, the split, a hash of the exact uint8 images
    and the extractor's hash; one that is missing or unreadable is recomputed and rewritten.
    """
    real_id = (f"ganzoo-{task.dataset}-{task.split}-{tensor_sha256(images.images)[:12]}"
               f"-{extractor.weights_sha256[:8]}")
    folder = cache_dir(task.cache_dir) / FEATURES_DIR
    paths = {layer: folder / f"{real_id}-{layer}.npz" for layer in layers}
    cached = {layer: load_array(path) for layer, path in paths.items()}
    if all(_fits(features, len(images)) for features in cached.values()):
        return {layer: torch.from_numpy(features) for layer, features in cached.items()}
    fresh = _extract(net, images, cuda)
    for layer, path in paths.items():
        save_array(path, fresh[layer].numpy())
    return fresh


def _compare(fake: Features, real: Features, layers: dict[str, str],
             settings: dict[str, Any]) -> dict[str, float]:
    """FID, KID and precision/recall (those in ``layers``) of generated against real."""
    figures: dict[str, float] = {}
    if "fid" in layers:
        stats = [fid_featuresdict_to_statistics(f, layers["fid"]) for f in (fake, real)]
        figures.update(fid_statistics_to_metric(*stats, verbose=False))
    if "kid" in layers:
        figures.update(kid_featuresdict_to_metric(fake, real, layers["kid"], **settings))
    if "prc" in layers:
        figures.update(prc_featuresdict_to_metric(fake, real, layers["prc"], **settings))
    return figures


def _run_fidelity(task: MetricTask, keys: set[str]) -> dict[str, Any]:
    """torch-fidelity's metric ``keys`` (``isc``, ``fid``, ``kid``, ``prc``), extracting
    features once per input."""
    extractor = choose_extractor(task)
    layers = {key: extractor.layers[key] for key in keys if key in extractor.layers}
    cuda = str(task.device).startswith("cuda")
    net = create_feature_extractor(
        extractor.fidelity_name, sorted(set(layers.values())), cuda=cuda,
        feature_extractor_weights_path=str(extractor.weights_path), verbose=False)
    n_real = task.reference_size
    n_fake = task.sample_count(default=n_real)
    fake = _extract(net, ImageSamples(task.samples(n_fake), extractor.channels), cuda)
    counts: dict[str, Any] = {"num_generated": n_fake, "is_splits": min(ISC_SPLITS, n_fake)}
    settings: dict[str, Any] = {
        "rng_seed": task.seed, "isc_splits": counts["is_splits"], "kid_subsets": KID_SUBSETS,
        "prc_neighborhood": PRC_NEIGHBORHOOD, "save_cpu_ram": True, "verbose": False,
    }
    figures: dict[str, float] = {}
    if "isc" in layers:
        figures.update(isc_featuresdict_to_metric(fake, layers["isc"], **settings))
    binary = {key: layer for key, layer in layers.items() if key != "isc"}
    if binary:
        images = ImageSamples(task.reference_data(limit=n_real), extractor.channels)
        real = _real_features(task, images, net, extractor, set(binary.values()), cuda)
        counts["num_real"] = len(images)
        counts["kid_subset_size"] = min(KID_SUBSET_SIZE, n_fake, len(images))
        figures.update(_compare(fake, real, binary,
                                {**settings, "kid_subset_size": counts["kid_subset_size"]}))
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
        extractor = choose_extractor(task)
        if self.fidelity_key not in extractor.layers:
            raise GanzooError(
                f"The metric {self.name!r} is not measured under the {extractor.protocol} "
                f"protocol: its extractor ({extractor.description}) has no layer for it. "
                "Leave it out (--metrics fid,kid,...) or choose another --protocol."
            )
        keys = {m.fidelity_key for m in task.requested if isinstance(m, FidelityMetric)}
        keys.add(self.fidelity_key)
        result = task.memo(("torch-fidelity", frozenset(keys)), lambda: _run_fidelity(task, keys))
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

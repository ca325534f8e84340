"""The feature extractor that image metrics measure with, registered with torch-fidelity.

Each extractor belongs to a named protocol (:mod:`ganzoo.metrics.protocols`).  Unless one is
asked for, the standard Inception-v3 weights are used whenever they are present
(``inception-legacy``: ``--inception-weights PATH``, ``$GANZOO_INCEPTION_WEIGHTS``, or
torch-fidelity's file in the torch hub cache).  Otherwise ganzoo trains its domain CNN
(``offline-domain``, :mod:`ganzoo.metrics.domain_cnn`) on the labeled training split of the
reference data, caches it under a key made of hashes of that data and of the CNN's code,
refuses it if it falls short of the dataset's accuracy target, and registers it with
torch-fidelity like any other extractor.  ``clean`` wraps clean-fid's network and resizing.
Every measurement identifies the extractor by its weights' sha256 and names the protocol.

torch-fidelity unpickles Inception weights with full pickle, which runs any code a crafted
file carries, so ganzoo hands it only the bytes of the one standard file, checked by sha256.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.data import Dataset
from torch_fidelity import FeatureExtractorBase, register_feature_extractor
from torch_fidelity.feature_extractor_inceptionv3 import (
    URL_INCEPTION_V3,
    FeatureExtractorInceptionV3,
)
from torch_fidelity.helpers import vassert
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from ganzoo.data.spec import DataSpec
from ganzoo.errors import GanzooError
from ganzoo.metrics import domain_cnn
from ganzoo.metrics.base import MetricTask
from ganzoo.metrics.cache import atomic_save, cache_dir, file_sha256, load_saved, tensor_sha256
from ganzoo.metrics.protocols import CLEAN, INCEPTION_LEGACY, OFFLINE_DOMAIN

INCEPTION_ENV = "GANZOO_INCEPTION_WEIGHTS"
INCEPTION_FILE = Path(URL_INCEPTION_V3).name
#: sha256 of torch-fidelity's weights-inception-2015-12-05-6726825d.pth (95,628,359 bytes);
#: the file name carries its first 8 digits, as torch hub names files
INCEPTION_SHA256 = "6726825d0af5f729cebd5821db510b11b1cfad8faad88a03f1befd49fb9129b2"
INCEPTION_NAME = "ganzoo-inception-v3-compat"
DOMAIN_PREFIX = "ganzoo-cnn"
#: held-out accuracy the domain CNN must reach on data whose registration declares none
DEFAULT_ACCURACY_TARGET = 0.9
TARGET_ENV = "GANZOO_EXTRACTOR_TARGET"
CLEAN_ENV = "GANZOO_CLEAN_WEIGHTS"
#: clean-fid's TorchScript Inception-v3, which it downloads from NVIDIA's StyleGAN2-ADA files
CLEAN_FILE = "inception-2015-12-05.pt"
CLEAN_URL = ("https://nvlabs-fi-cdn.nvidia.com/stylegan2-ada-pytorch/pretrained/metrics/"
             + CLEAN_FILE)
CLEAN_NAME = "ganzoo-clean-fid-inception"


@dataclass(frozen=True)
class FeatureExtractor:
    """A torch-fidelity feature extractor as ganzoo measures with it.

    ``layers`` maps torch-fidelity's metric keys (``isc``, ``fid``, ``kid``, ``prc``) to
    the feature layer each reads; ``channels`` is the number of image channels it takes
    (``None``: those of the data it was trained on).
    """

    fidelity_name: str
    weights_path: Path
    weights_sha256: str
    description: str
    layers: Mapping[str, str]
    protocol: str
    channels: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def record(self, metric_key: str) -> dict[str, Any]:
        """How a figure read from ``metric_key``'s layer was measured."""
        return {
            "protocol": self.protocol,
            "extractor": self.description,
            "extractor_sha256": self.weights_sha256[:12],
            "feature_layer": self.layers[metric_key],
            **self.details,
        }


def inception_hub_path() -> Path:
    """Where torch-fidelity looks for its Inception-v3 weights before downloading them."""
    return Path(torch.hub.get_dir()) / "checkpoints" / INCEPTION_FILE


def inception_weights_path(explicit: Path | str | None = None) -> Path | None:
    """The Inception-v3 weights to use: the given file, ``$GANZOO_INCEPTION_WEIGHTS``, or
    torch-fidelity's file in the torch hub cache; ``None`` when there are none.  A file that
    is not the standard weights is refused before anything reads it."""
    given_by = ((explicit, "--inception-weights"), (os.environ.get(INCEPTION_ENV), INCEPTION_ENV))
    for given, origin in given_by:
        if given:
            path = Path(given).expanduser()
            if not path.is_file():
                raise GanzooError(
                    f"The Inception-v3 weights given by {origin} ({path}) do not exist. "
                    f"Download {URL_INCEPTION_V3} and point {origin} at the file."
                )
            check_inception_sha256(file_sha256(path), path, f"given by {origin}")
            return path
    hub = inception_hub_path()
    if not hub.is_file():
        return None
    check_inception_sha256(file_sha256(hub), hub, "in the torch hub cache")
    return hub


def check_inception_sha256(sha256: str, path: Path, origin: str) -> None:
    """Refuse any Inception weights but the standard file: torch-fidelity unpickles them
    with full pickle, so a crafted file would run code."""
    if sha256 != INCEPTION_SHA256:
        raise GanzooError(
            f"The Inception-v3 weights {origin} ({path}) are not the standard FID weights: "
            f"their sha256 is {sha256}, not {INCEPTION_SHA256}. ganzoo loads only that exact "
            "file, because torch-fidelity reads it with full pickle, which would run any code "
            f"a crafted file carries. Download {URL_INCEPTION_V3} (95,628,359 bytes) and use "
            "it unchanged, or remove the file to measure with ganzoo's domain extractor."
        )


class VerifiedInceptionV3(FeatureExtractorInceptionV3):
    """torch-fidelity's Inception-v3, built from the standard weights only.

    Reads the weights file once, checks the sha256 of those bytes and hands torch-fidelity
    the same bytes, so a file swapped in after :func:`inception_weights_path` checked it is
    never unpickled either; without a path it refuses rather than download.
    """

    def __init__(self, name: str, features_list: list[str],
                 feature_extractor_weights_path: str | None = None, **kwargs: Any):
        vassert(feature_extractor_weights_path is not None,
                "ganzoo's Inception-v3 needs feature_extractor_weights_path")
        path = Path(feature_extractor_weights_path)
        data = path.read_bytes()
        check_inception_sha256(hashlib.sha256(data).hexdigest(), path, "being loaded")
        super().__init__(name, features_list, feature_extractor_weights_path=io.BytesIO(data),
                         **kwargs)


def inception_extractor(path: Path) -> FeatureExtractor:
    """torch-fidelity's Inception-v3 (pool3 features, unbiased logits), from ``path``.

    Precision/recall uses the same pool3 features instead of torch-fidelity's default
    VGG-16, whose weights cannot be fetched offline either.
    """
    _register(INCEPTION_NAME, VerifiedInceptionV3)
    return FeatureExtractor(
        fidelity_name=INCEPTION_NAME,
        weights_path=path,
        weights_sha256=file_sha256(path),
        description="inception-v3 (torch-fidelity)",
        layers={"fid": "2048", "kid": "2048", "prc": "2048", "isc": "logits_unbiased"},
        protocol=INCEPTION_LEGACY,
        channels=3,
    )


class EagerExtractor(FeatureExtractorBase):
    """A torch-fidelity extractor that runs eagerly: torch-fidelity asks each one whether
    it can be compiled, and these small or TorchScript networks gain nothing from it."""

    @staticmethod
    def can_be_compiled() -> bool:
        return False

    @staticmethod
    def get_dummy_input_for_compile() -> None:
        return None


class DomainFeatureExtractor(EagerExtractor):
    """ganzoo's trained :class:`~ganzoo.metrics.domain_cnn.DomainCNN`, for torch-fidelity.

    Takes uint8 images (as torch-fidelity passes them), maps them to [-1, 1], resizes them
    to the size the network was trained at, and returns the requested layers: ``pool``
    (globally pooled features) and ``logits_unbiased`` (class logits).
    """

    def __init__(self, name: str, features_list: list[str],
                 feature_extractor_weights_path: str | None = None, **kwargs: Any):
        super().__init__(name, features_list)
        vassert(feature_extractor_weights_path is not None,
                "ganzoo's domain extractor needs feature_extractor_weights_path")
        saved = torch.load(feature_extractor_weights_path, map_location="cpu", weights_only=True)
        self.net = domain_cnn.DomainCNN(**saved["config"])
        self.net.load_state_dict(saved["state_dict"])
        self.image_size = tuple(saved["image_size"])
        self.requires_grad_(False)
        self.eval()

    @staticmethod
    def get_provided_features_list() -> tuple[str, ...]:
        return ("pool", "logits_unbiased")

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return "logits_unbiased" if metric == "isc" else "pool"

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        vassert(x.dtype == torch.uint8 and x.dim() == 4, "Expecting a uint8 batch B×C×H×W")
        x = x.float() / 127.5 - 1.0
        if tuple(x.shape[-2:]) != self.image_size:
            x = F.interpolate(x, size=self.image_size, mode="bilinear", antialias=True,
                              align_corners=False)
        pooled, logits = self.net(x)
        found = {"pool": pooled, "logits_unbiased": logits}
        return tuple(found[name] for name in self.features_list)


def _labeled_images(dataset: Dataset, spec: DataSpec) -> tuple[Tensor, Tensor] | None:
    """Images and class labels to train the domain extractor on, if the data has labels.

    Class-labeled data gives ``(x, label)``; paired data its targets with the
    ``target_labels`` the dataset may expose (the class of each target).
    """
    tensors = getattr(dataset, "tensors", None)
    if tensors is None:
        return None
    if spec.paired:
        labels = getattr(dataset, "target_labels", None)
        return (tensors[1], labels) if labels is not None else None
    if spec.num_classes and len(tensors) > 1:
        return tensors[0], tensors[1]
    return None


def code_sha256() -> str:
    """Hash of the domain CNN's code: architecture, training recipe and settings."""
    return hashlib.sha256(Path(domain_cnn.__file__).read_bytes()).hexdigest()


def extractor_key(data_sha256: str) -> str:
    """The cache key of a domain extractor: its training data and its code.

    The dataset's name is not part of it, so datasets with the same images and labels
    (mnist-5k and the targets of edges2digits) share one extractor.
    """
    return hashlib.sha256(f"{data_sha256}:{code_sha256()}".encode()).hexdigest()[:16]


def _register(name: str, extractor: type[FeatureExtractorBase]) -> None:
    if name not in FEATURE_EXTRACTORS_REGISTRY:
        register_feature_extractor(name, extractor)


def _cached_extractor_info(path: Path) -> dict[str, Any] | None:
    """The training record of the extractor cached at ``path``; ``None`` when there is none
    or the file is not one (damaged or planted: it is retrained and overwritten)."""
    saved = load_saved(path)
    if isinstance(saved, dict) and {"config", "image_size", "state_dict", "info"} <= saved.keys():
        return saved["info"]
    return None


def accuracy_target(declared: float | None) -> float:
    """The held-out accuracy a domain CNN must reach: ``$GANZOO_EXTRACTOR_TARGET`` if set,
    else the dataset's ``extractor_accuracy_target``, else :data:`DEFAULT_ACCURACY_TARGET`."""
    given = os.environ.get(TARGET_ENV)
    if given:
        try:
            target = float(given)
        except ValueError:
            target = -1.0
        if not 0 <= target <= 1:
            raise GanzooError(
                f"${TARGET_ENV} must be an accuracy between 0 and 1, e.g. 0.8 (got {given!r})."
            )
        return target
    return DEFAULT_ACCURACY_TARGET if declared is None else declared


def _train_extractor(images: Tensor, labels: Tensor, data_sha: str, path: Path,
                     device: str, target: float) -> dict[str, Any]:
    """Train the domain CNN and cache it at ``path``; returns its training record."""
    net, info = domain_cnn.train_domain_cnn(images, labels, device=device)
    info = {**info, "data_sha256": data_sha, "accuracy_target": target}
    atomic_save({
        "config": {"in_channels": images.shape[1], "num_classes": info["num_classes"]},
        "image_size": list(images.shape[-2:]),
        "state_dict": net.state_dict(),
        "info": info,
    }, path)
    return info


def check_accuracy(dataset: str, info: dict[str, Any], target: float, path: Path) -> None:
    """Refuse an extractor whose held-out accuracy falls short of ``target``: features of a
    poor classifier make figures that do not rank generators reliably."""
    if info["val_accuracy"] >= target:
        return
    raise GanzooError(
        f"ganzoo's domain CNN for {dataset!r} reached {info['val_accuracy']:.4f} accuracy on "
        f"its {info.get('val_samples', 'held-out')} held-out training images, below its "
        f"target of {target}, so it was not used and nothing was measured. It is cached at "
        f"{path}; it is retrained when the data or ganzoo/metrics/domain_cnn.py change, or "
        f"when that file is deleted (rm {path}). For data on which no small CNN reaches the "
        f"target, set a lower one for the measurement (e.g. {TARGET_ENV}=0.6 ganzoo eval "
        "...; it is recorded with every figure) or declare extractor_accuracy_target in the "
        "dataset's registration; or measure with Inception-v3 instead (--protocol "
        "inception-legacy --inception-weights PATH)."
    )


def domain_extractor(
    dataset: str, images: Tensor, labels: Tensor, *,
    root: Path | None = None, device: str = "cpu", target: float | None = None,
) -> FeatureExtractor:
    """ganzoo's domain CNN for ``dataset``: trained on ``images``/``labels`` once, then
    loaded from the cache; refused below its accuracy target (:func:`accuracy_target` of
    the dataset's declared ``target``); registered with torch-fidelity under a name holding
    its hash."""
    target = accuracy_target(target)
    data_sha = tensor_sha256(images, labels)
    path = cache_dir(root) / "extractors" / f"{extractor_key(data_sha)}.pt"
    info = _cached_extractor_info(path)
    if info is None:
        info = _train_extractor(images, labels, data_sha, path, device, target)
    check_accuracy(dataset, info, target, path)
    sha = file_sha256(path)
    name = f"{DOMAIN_PREFIX}-{sha[:12]}"
    _register(name, DomainFeatureExtractor)
    return FeatureExtractor(
        fidelity_name=name,
        weights_path=path,
        weights_sha256=sha,
        description=f"ganzoo domain CNN ({dataset} train)",
        layers={"fid": "pool", "kid": "pool", "prc": "pool", "isc": "logits_unbiased"},
        protocol=OFFLINE_DOMAIN,
        details={"extractor_val_accuracy": info["val_accuracy"],
                 "extractor_accuracy_target": target,
                 "extractor_train_samples": info["train_samples"]},
    )


class CleanFeatureExtractor(EagerExtractor):
    """clean-fid's Inception-v3 for torch-fidelity: each uint8 image resized by clean-fid's
    ``clean`` resizer (PIL bicubic to 299×299, in float, per channel) and read by its
    TorchScript network, whose 2048 pool features are returned as ``2048``."""

    def __init__(self, name: str, features_list: list[str],
                 feature_extractor_weights_path: str | None = None, **kwargs: Any):
        super().__init__(name, features_list)
        from cleanfid.inception_torchscript import InceptionV3W
        from cleanfid.resize import build_resizer

        vassert(feature_extractor_weights_path is not None,
                "the clean protocol needs feature_extractor_weights_path")
        folder = str(Path(feature_extractor_weights_path).parent)
        self.net = InceptionV3W(folder, download=False)
        self.resize = build_resizer("clean")
        self.requires_grad_(False)
        self.eval()

    @staticmethod
    def get_provided_features_list() -> tuple[str, ...]:
        return ("2048",)

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return "2048"

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        vassert(x.dtype == torch.uint8 and x.dim() == 4, "Expecting a uint8 batch B×C×H×W")
        resized = [torch.from_numpy(self.resize(image.permute(1, 2, 0).cpu().numpy()))
                   for image in x]
        batch = torch.stack(resized).permute(0, 3, 1, 2).to(x.device)
        return (self.net(batch),)


def clean_weights_path() -> Path:
    """clean-fid's network file: ``$GANZOO_CLEAN_WEIGHTS``, else the torch hub cache."""
    given = os.environ.get(CLEAN_ENV)
    return Path(given).expanduser() if given else inception_hub_path().with_name(CLEAN_FILE)


def clean_extractor() -> FeatureExtractor:
    """The ``clean`` protocol's extractor; refused, saying what to install, when clean-fid
    or its network file is missing (it is never downloaded here)."""
    try:
        import cleanfid
    except ImportError:
        raise GanzooError(
            "The clean protocol measures with the clean-fid package, which is not installed. "
            "Install it with pip install 'torch-ganzoo[clean]' (or pip install clean-fid), "
            "or choose another --protocol (offline-domain, inception-legacy)."
        ) from None
    path = clean_weights_path()
    if path.name != CLEAN_FILE or not path.is_file():
        raise GanzooError(
            f"The clean protocol needs clean-fid's Inception-v3 file {CLEAN_FILE}, not found "
            f"at {path}. Download {CLEAN_URL} on a machine with internet and copy it to "
            f"{inception_hub_path().with_name(CLEAN_FILE)}, or set ${CLEAN_ENV} to its path "
            f"(the file keeps its name). ganzoo does not download it."
        )
    _register(CLEAN_NAME, CleanFeatureExtractor)
    return FeatureExtractor(
        fidelity_name=CLEAN_NAME,
        weights_path=path,
        weights_sha256=file_sha256(path),
        description=f"inception-v3 (clean-fid {getattr(cleanfid, '__version__', '?')})",
        layers={"fid": "2048", "kid": "2048", "prc": "2048"},
        protocol=CLEAN,
        channels=3,
        details={"resize": "clean-fid: PIL bicubic to 299×299, float"},
    )


def _domain_for(task: MetricTask) -> FeatureExtractor:
    """The domain CNN of the task's data, or an error saying how to get an extractor."""
    labeled = _labeled_images(task.train_data(), task.spec) if task.train_data else None
    if labeled is None:
        labels = "class labels for its targets" if task.spec.paired else "class labels"
        raise GanzooError(
            f"Image metrics on dataset {task.dataset!r} need a feature extractor. The "
            f"standard Inception-v3 weights were not found (looked in {inception_hub_path()} "
            f"and ${INCEPTION_ENV}), and {task.dataset!r} has no {labels} to train ganzoo's "
            f"domain extractor on. Download {URL_INCEPTION_V3} on a machine with "
            "internet and pass --inception-weights PATH (or copy the file to the torch hub "
            "path above), or evaluate on a labeled dataset such as mnist-5k."
        )
    images, labels = labeled
    return domain_extractor(task.dataset, images, labels, root=task.cache_dir,
                            device=task.device, target=task.extractor_target)


def choose_extractor(task: MetricTask) -> FeatureExtractor:
    """The extractor of ``task.protocol``; without one, Inception-v3 when its weights are
    present, else the domain CNN of the task's data."""
    def choose() -> FeatureExtractor:
        if task.protocol == CLEAN:
            return clean_extractor()
        if task.protocol == OFFLINE_DOMAIN:
            return _domain_for(task)
        path = inception_weights_path(task.inception_weights)
        if path is not None:
            return inception_extractor(path)
        if task.protocol == INCEPTION_LEGACY:
            raise GanzooError(
                f"The {INCEPTION_LEGACY} protocol needs torch-fidelity's Inception-v3 "
                f"weights, which were not found (looked in {inception_hub_path()} and "
                f"${INCEPTION_ENV}). Download {URL_INCEPTION_V3} on a machine with internet "
                "and pass --inception-weights PATH (or copy it to the torch hub path above), "
                f"or measure with --protocol {OFFLINE_DOMAIN}."
            )
        return _domain_for(task)

    return task.memo("feature-extractor", choose)

"""caption-accuracy: does a text-to-image model draw what the caption asks, on digit captions?

Each test caption is parsed (:func:`ganzoo_digits.attributes.parse`) into the digit and
attribute levels it asks for; the run draws sample ``i`` from caption ``i`` (the metric
layer lines them up).  The digit is read by ganzoo's domain CNN of the dataset (the
classifier the offline FID takes its features from, trained once on the labeled training
split and cached), the attributes are measured on the image (:mod:`ganzoo_digits.attributes`);
the figures are the fractions that agree.  The same figures of the real test images against
their own captions, the ceiling, go in the record.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ganzoo.api import (
    DataSpec,
    DomainFeatureExtractor,
    GanzooError,
    Measurement,
    Metric,
    MetricNotApplicableError,
    MetricTask,
    dataset_captions,
    domain_extractor,
)
from ganzoo_digits.attributes import ATTRIBUTES, levels, measure, parse

BATCH = 500


def _asked(captions: list[str], dataset: str) -> dict[str, Tensor]:
    try:
        parsed = [parse(text) for text in captions]
    except GanzooError as exc:
        raise MetricNotApplicableError(
            f"caption-accuracy reads digit captions, and {dataset!r} has others ({exc})"
        ) from None
    keys = ("digit", *ATTRIBUTES)
    return {key: torch.tensor([p.get(key, -1) for p in parsed]) for key in keys}


def _classifier(task: MetricTask) -> tuple[DomainFeatureExtractor, dict[str, Any]]:
    train = task.train_data() if task.train_data else None
    tensors = getattr(train, "tensors", None)
    if tensors is None or not task.spec.num_classes:
        raise MetricNotApplicableError(
            f"caption-accuracy reads the digit with ganzoo's domain CNN, which learns from "
            f"class labels, and {task.dataset!r} has none"
        )
    found = domain_extractor(task.dataset, tensors[0], tensors[1], root=task.cache_dir,
                             device=task.device, target=task.extractor_target)
    net = DomainFeatureExtractor(found.fidelity_name, ["logits_unbiased"],
                                 feature_extractor_weights_path=str(found.weights_path))
    return net, {"classifier": found.description, "classifier_sha256": found.weights_sha256,
                 **found.details}


@torch.no_grad()
def _figures(images: Tensor, asked: dict[str, Tensor],
             classifier: DomainFeatureExtractor) -> dict[str, float]:
    pixels = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)  # torch-fidelity's
    digits = torch.cat([classifier(pixels[i:i + BATCH])[0].argmax(1)
                        for i in range(0, len(pixels), BATCH)])
    found = {"digit": digits, **levels(measure(images))}
    figures = {}
    for key, want in asked.items():
        given = want >= 0
        if given.any():
            figures[f"{key}_accuracy"] = (found[key][given] == want[given]).float().mean().item()
    return figures


class CaptionAccuracy(Metric):
    name = "caption-accuracy"
    figures = {"digit_accuracy": "higher", **{f"{name}_accuracy": "higher" for name in ATTRIBUTES}}

    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        return conditioning == "text" and spec.is_image and spec.shape[0] == 1

    def compute(self, task: MetricTask) -> Measurement:
        captions = dataset_captions(task.reference)
        n = task.sample_count(default=len(captions))
        asked = _asked([captions[i % len(captions)] for i in range(n)], task.dataset)
        classifier, record = _classifier(task)
        figures = _figures(task.samples(n), asked, classifier)
        real = task.reference_data(limit=len(captions))
        ceiling = _figures(real, _asked(captions[:len(real)], task.dataset), classifier)
        return Measurement(figures, task.record(num_generated=n, num_real=len(real),
                                                real_test_images=ceiling, **record))

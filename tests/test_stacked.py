"""Stacked MNIST and its mode count (plugin ganzoo_stacked): the dataset's labels are the
digits in its channels, drawn from the right mnist-5k split; the KL to uniform follows its
formula; the metric counts the modes real data holds, one for a constant generator, refuses
a poor classifier and other data, and measures a trained run.  The classifier is trained
once, into a temporary cache."""

from __future__ import annotations

import math
import pickle
from pathlib import Path

import pytest
import torch
from torch.utils.data import TensorDataset

from ganzoo.api import (DataSpec, GanzooError, MetricNotApplicableError, MetricTask, evaluate,
                        load_run, train)
from ganzoo.metrics.evaluate import evaluate_real
from ganzoo.plugins import get_registry
from ganzoo_digits.bundled import mnist_5k_arrays, split_indices
from ganzoo_stacked import mode_count
from ganzoo_stacked.classifier import DigitClassifier, digit_classifier, read_classifier
from ganzoo_stacked.dataset import SIZES, stacked_mnist
from ganzoo_stacked.mode_count import ModeCount, classify_modes, kl_to_uniform, mode_figures

SPEC = DataSpec((3, 28, 28), num_classes=1000)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding the trained digit classifier."""
    root = tmp_path_factory.mktemp("cache")
    digit_classifier(root)
    return root


@pytest.fixture(scope="module")
def test_split() -> tuple[torch.Tensor, torch.Tensor]:
    return stacked_mnist(split="test").tensors


def measure(cache: Path, images: torch.Tensor) -> dict:
    task = MetricTask(sampler=lambda n: images[:n], reference=TensorDataset(images), spec=SPEC,
                      dataset="stacked-mnist", num_samples=len(images), cache_dir=cache)
    return ModeCount().compute(task).to_json()


def test_the_plugin_registers_the_dataset_and_the_metric():
    registry = get_registry()
    info = registry.get("dataset", "stacked-mnist")
    assert info.plugin == "stacked" and info.load().spec == SPEC
    assert registry.get("metric", "mode-count").plugin == "stacked"


def test_splits_have_their_declared_sizes_every_mode_and_stay_the_same(test_split):
    images, labels = test_split
    assert images.shape == (SIZES["test"], 3, 28, 28) and images.dtype == torch.float32
    assert images.min() == -1 and images.max() == 1
    assert labels.dtype == torch.long and labels.unique().tolist() == list(range(1000))
    again = stacked_mnist(split="test").tensors
    assert torch.equal(again[0], images) and torch.equal(again[1], labels)
    assert len(stacked_mnist(split="train")) == SIZES["train"]
    with pytest.raises(GanzooError, match="stacked-mnist"):
        stacked_mnist(split="valid")


@pytest.mark.parametrize("split", ["train", "test"])
def test_labels_are_the_digits_in_the_channels_of_the_splits_digits(split):
    """Each channel is found among mnist-5k's digits of the same split, and the label is
    100·(red digit) + 10·(green digit) + (blue digit)."""
    digits, digit_labels = mnist_5k_arrays()
    where = {digits[i].numpy().tobytes(): i for i in split_indices("mnist-5k", split).tolist()}
    images, labels = stacked_mnist(split=split)[:300]
    for image, label in zip(images, labels):
        found = [where[channel.numpy().tobytes()] for channel in image]
        r, g, b = (int(digit_labels[i]) for i in found)
        assert label == 100 * r + 10 * g + b


def test_kl_to_uniform():
    assert kl_to_uniform(torch.full((1000,), 26)) == pytest.approx(0, abs=1e-12)
    assert kl_to_uniform(torch.eye(1000)[7]) == pytest.approx(math.log(1000))
    assert kl_to_uniform(torch.tensor([5, 5, 0, 0])) == pytest.approx(math.log(2))
    assert kl_to_uniform(torch.tensor([3, 1])) == pytest.approx(
        0.75 * math.log(1.5) + 0.25 * math.log(0.5))
    assert mode_figures(torch.tensor([3, 3, 999, 3])) == pytest.approx(  # p = (3/4, 1/4)
        {"modes": 2, "reverse_kl": 0.75 * math.log(750) + 0.25 * math.log(250)})


def test_real_data_hits_the_modes_it_holds(cache, test_split):
    images, labels = test_split[0][:3000], test_split[1][:3000]
    found = measure(cache, images)
    held = labels.unique().numel()
    assert abs(found["values"]["modes"] - held) <= 0.02 * held
    record = found["measured_with"]
    assert record["num_generated"] == 3000 and record["classifier_accuracy"] >= 0.95
    assert len(record["classifier_sha256"]) == 12 and record["classifier_held_out"] == 1000
    modes = classify_modes(digit_classifier(cache), images)
    assert (modes == labels).double().mean() > 0.9


def test_a_constant_generator_hits_one_mode(cache, test_split):
    found = measure(cache, test_split[0][:1].expand(500, -1, -1, -1))
    assert found["values"] == pytest.approx({"modes": 1, "reverse_kl": math.log(1000)})


def test_a_poor_classifier_is_refused(cache, test_split, monkeypatch):
    monkeypatch.setattr(mode_count, "MIN_ACCURACY", 0.9999)
    with pytest.raises(GanzooError, match="held-out digits"):
        measure(cache, test_split[0][:10])


def test_the_classifier_is_cached_and_crafted_entries_are_never_run(cache, tmp_path):
    (path,) = (cache / "stacked").glob("digit-classifier-*.pt")
    assert read_classifier(path) is not None
    assert digit_classifier(cache).sha256 == digit_classifier(cache).sha256
    marker = tmp_path / "code-ran"

    class Touch:
        def __reduce__(self):
            return Path.touch, (marker,)

    planted = tmp_path / "planted.pt"
    planted.write_bytes(pickle.dumps(Touch(), protocol=2))
    torch.save({"net.0.weight": Touch()}, tmp_path / "planted-zip.pt")
    torch.save(torch.nn.Linear(2, 2).state_dict(), tmp_path / "other-net.pt")
    (tmp_path / "torn.pt").write_bytes(path.read_bytes()[:100])
    for name in ("planted.pt", "planted-zip.pt", "other-net.pt", "torn.pt", "missing.pt"):
        assert read_classifier(tmp_path / name) is None, name
    assert not marker.exists()
    assert isinstance(read_classifier(path)[0], DigitClassifier)


@pytest.mark.parametrize("spec, conditioning", [
    (DataSpec((1, 28, 28), num_classes=10), "none"),    # mnist-5k
    (DataSpec((3, 28, 28)), "none"),                    # unlabeled colour images
    (DataSpec((3, 32, 32), num_classes=1000), "none"),  # stacked-mnist at --image-size 32
    (DataSpec((2,), num_classes=8), "none"),            # ring8
    (SPEC, "image"),
])
def test_mode_count_applies_only_to_stacked_mnist(spec, conditioning):
    assert ModeCount().applies_to(SPEC, "none") and ModeCount().applies_to(SPEC, "class")
    assert not ModeCount().applies_to(spec, conditioning)


def test_evaluating_other_data_is_refused():
    with pytest.raises(MetricNotApplicableError, match="mode-count.*does not apply"):
        evaluate_real("mnist-5k", ["mode-count"], progress=False)


def test_a_dcgan_trains_on_stacked_mnist_and_is_counted(cache, tmp_path):
    tiny = {"base_channels": 4}
    result = train("dcgan", "stacked-mnist", steps=2, batch_size=8, out=tmp_path / "run",
                   generator_options=tiny, discriminator_options=tiny, sample_every=100,
                   checkpoint_every=100)
    assert load_run(result.run_dir).sample(3).shape == (3, 3, 28, 28)
    figures = evaluate(result.run_dir, ["mode-count"], num_samples=200, cache_dir=cache)
    assert 1 <= figures["mode-count"]["values"]["modes"] <= 200
    assert figures["mode-count"]["measured_with"]["num_generated"] == 200

"""Datasets registered by name: the bundled offline sets (mnist-5k, digits, edges2digits), the
torchvision-backed ones (refusing clearly when their files are missing) and folders of images."""

from __future__ import annotations

import struct
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from ganzoo.data.images import LazyImages, data_root
from ganzoo.data.spec import DatasetInfo
from ganzoo.errors import DatasetUnavailableError, GanzooError
from ganzoo.plugins import get_registry
from ganzoo_digits.bundled import stratified_split
from ganzoo_digits.edges import edge_map

OFFLINE = {"mnist-5k": "digits", "digits": "digits", "edges2digits": "digits"}
TORCHVISION = ("mnist", "fashion-mnist", "cifar10", "celeba", "image-folder", "paired-folder")


def info(name: str) -> DatasetInfo:
    return get_registry().get("dataset", name).load()


def build(name: str, **kwargs) -> torch.utils.data.Dataset:
    return info(name).build(**kwargs)


def rows(images: torch.Tensor) -> set[bytes]:
    return {img.numpy().tobytes() for img in images}


def test_registered_through_entry_points_with_plugin_and_spec():
    registry = get_registry()
    for name, plugin in {**OFFLINE, **dict.fromkeys(TORCHVISION, "torchvision")}.items():
        entry = registry.get("dataset", name)
        assert entry.plugin == plugin
        assert entry.load().offline == (name in OFFLINE)
        assert entry.load().source
    assert info("mnist-5k").spec.shape == (1, 28, 28) and info("mnist-5k").spec.num_classes == 10
    assert info("digits").spec.shape == (1, 8, 8) and info("digits").spec.num_classes == 10
    assert info("cifar10").spec.shape == (3, 32, 32) and info("cifar10").spec.num_classes == 10
    assert info("celeba").spec.shape == (3, 64, 64) and info("celeba").spec.num_classes == 0
    paired = info("paired-folder").spec
    assert paired.paired and paired.shape == paired.input_shape == (3, 256, 256)
    edges = info("edges2digits").spec
    assert edges.paired and edges.shape == edges.input_shape == (1, 28, 28)


@pytest.mark.parametrize("name, sizes, test_per_class, shape", [
    ("mnist-5k", {"train": 4000, "test": 1000}, 100, (1, 28, 28)),
    ("digits", {"train": 1437, "test": 360}, 36, (1, 8, 8)),
])
def test_labeled_bundled_sets(name, sizes, test_per_class, shape):
    splits = {s: build(name, split=s) for s in sizes}
    for split, ds in splits.items():
        images, labels = ds.tensors
        assert len(ds) == sizes[split]
        assert images.shape == (sizes[split], *shape) and images.dtype == torch.float32
        assert labels.dtype == torch.long
        assert images.min() == -1.0 and images.max() == 1.0
        assert set(labels.tolist()) == set(range(10))
    assert torch.bincount(splits["test"].tensors[1]).tolist() == [test_per_class] * 10
    # a prefix of a split is mixed, not one class (splits are shuffled)
    assert len(set(splits["test"].tensors[1][:50].tolist())) > 5
    train, test = rows(splits["train"].tensors[0]), rows(splits["test"].tensors[0])
    assert not train & test
    again = build(name, split="test")
    assert all(torch.equal(a, b) for a, b in zip(again.tensors, splits["test"].tensors))


def test_stratified_split_is_seeded_disjoint_and_complete():
    labels = np.repeat(np.arange(3), [5, 7, 9])
    split = stratified_split(labels, test_per_class=2)
    assert np.bincount(labels[split["test"]]).tolist() == [2, 2, 2]
    assert sorted(np.concatenate([split["train"], split["test"]]).tolist()) == list(range(21))
    again = stratified_split(labels, test_per_class=2)
    assert all(np.array_equal(split[s], again[s]) for s in split)
    other = stratified_split(labels, test_per_class=2, seed=1)
    assert not np.array_equal(split["test"], other["test"])


def test_edges2digits_pairs_outlines_with_their_digits():
    pairs = build("edges2digits", split="test")
    inputs, targets = pairs.tensors
    assert inputs.shape == targets.shape == (1000, 1, 28, 28)
    assert torch.equal(targets, build("mnist-5k", split="test").tensors[0])
    assert set(inputs.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(inputs, edge_map(targets))
    # an outline lies just outside the ink: it never covers an inked pixel
    assert not ((inputs > 0) & (targets > 0)).any()
    assert len(build("edges2digits", split="train")) == 4000


def test_edge_map_of_a_square_is_its_outline():
    digit = -torch.ones(1, 1, 7, 7)
    digit[..., 2:5, 2:5] = 1.0
    outline = edge_map(digit)[0, 0] > 0
    ring = torch.zeros(7, 7, dtype=torch.bool)
    ring[1:6, 1:6] = True
    ring[2:5, 2:5] = False
    assert torch.equal(outline, ring)


@pytest.mark.parametrize("name", ["mnist-5k", "digits", "edges2digits"])
def test_image_size_resizes_once_at_build(name):
    ds = build(name, split="test", image_size=32)
    expected = info(name).spec_for(32)
    images = ds.tensors[-1] if expected.paired else ds.tensors[0]
    assert images.shape[1:] == expected.shape == (1, 32, 32)
    if expected.paired:
        assert ds.tensors[0].shape[1:] == expected.input_shape
    assert images.min() >= -1.0 and images.max() <= 1.0


def test_mnist_5k_builds_fast_after_the_first_call():
    build("mnist-5k", split="train")
    start = time.perf_counter()
    build("mnist-5k", split="train")
    build("mnist-5k", split="test")
    assert time.perf_counter() - start < 0.5


def test_unknown_split_is_refused():
    with pytest.raises(GanzooError, match="no split 'val'"):
        build("mnist-5k", split="val")


@pytest.mark.parametrize("name, paths", [
    ("mnist", ["MNIST/raw/train-images-idx3-ubyte", "MNIST/raw/t10k-labels-idx1-ubyte"]),
    ("fashion-mnist", ["FashionMNIST/raw/train-images-idx3-ubyte"]),
    ("cifar10", ["cifar-10-batches-py/data_batch_1", "cifar-10-batches-py/test_batch"]),
    ("celeba", ["celeba/img_align_celeba/", "celeba/list_eval_partition.txt"]),
])
def test_torchvision_sets_explain_missing_files(tmp_path, name, paths):
    with pytest.raises(DatasetUnavailableError) as caught:
        build(name, root=tmp_path)
    message = str(caught.value)
    assert str(tmp_path) in message and "--download" in message and "--data-root" in message
    for path in paths:
        assert path in message
    assert not any(tmp_path.iterdir())  # nothing was downloaded or created


def test_default_data_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("GANZOO_DATA", str(tmp_path))
    assert data_root() == tmp_path
    assert data_root("elsewhere") == Path("elsewhere")
    monkeypatch.delenv("GANZOO_DATA")
    assert data_root() == Path.home() / ".cache" / "ganzoo" / "data"


def write_idx(raw: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Files in MNIST's idx format (what torchvision reads), without md5 checks."""
    raw.mkdir(parents=True, exist_ok=True)
    n, h, w = images.shape
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(
        struct.pack(">iiii", 2051, n, h, w) + images.astype(np.uint8).tobytes())
    (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(
        struct.pack(">ii", 2049, n) + labels.astype(np.uint8).tobytes())


def test_mnist_from_local_files_is_in_memory_and_scaled(tmp_path):
    rng = np.random.default_rng(0)
    raw = tmp_path / "MNIST" / "raw"
    write_idx(raw, "train", rng.integers(0, 256, (12, 28, 28)), np.arange(12) % 10)
    with pytest.raises(DatasetUnavailableError, match="Missing: MNIST/raw/t10k-images-idx3-ubyte"):
        build("mnist", root=tmp_path)
    write_idx(raw, "t10k", np.full((3, 28, 28), 255), np.array([7, 8, 9]))
    train = build("mnist", root=tmp_path)
    images, labels = train.tensors
    assert images.shape == (12, 1, 28, 28) and labels.tolist() == (np.arange(12) % 10).tolist()
    assert images.min() >= -1 and images.max() <= 1
    test = build("mnist", root=tmp_path, split="test", image_size=32)
    assert test.tensors[0].shape == (3, 1, 32, 32) and torch.all(test.tensors[0] == 1.0)


def write_celeba(root: Path, partition: dict[str, int]) -> None:
    """CelebA's layout with ``partition`` (file -> 0 train / 2 test) and blank annotations."""
    folder = root / "celeba"
    (folder / "img_align_celeba").mkdir(parents=True)
    names = list(partition)
    for name in names:
        Image.new("RGB", (178, 218), (255, 255, 255)).save(folder / "img_align_celeba" / name)

    def table(filename: str, columns: list[str] | None, value: str) -> None:
        width = len(columns) if columns else 1
        header = [str(len(names)), " ".join(columns)] if columns else []
        lines = [f"{n} {' '.join([value] * width)}" for n in names]
        (folder / filename).write_text("\n".join(header + lines) + "\n")

    table("identity_CelebA.txt", None, "1")
    table("list_bbox_celeba.txt", ["x_1", "y_1", "width", "height"], "0")
    table("list_landmarks_align_celeba.txt", [f"p{i}" for i in range(10)], "0")
    table("list_attr_celeba.txt", [f"a{i}" for i in range(40)], "-1")
    (folder / "list_eval_partition.txt").write_text(
        "".join(f"{n} {p}\n" for n, p in partition.items()))


def test_celeba_faces_are_center_cropped_squares(tmp_path, monkeypatch):
    from torchvision.datasets import CelebA

    # (torchvision's CelebA cannot hold a split of exactly one image)
    write_celeba(tmp_path, {"000001.jpg": 0, "000002.jpg": 0, "000003.jpg": 0,
                            "000004.jpg": 2, "000005.jpg": 2})
    monkeypatch.setattr(CelebA, "_check_integrity", lambda self: True)  # no md5s for fakes
    train = build("celeba", root=tmp_path)
    assert len(train) == 3 and len(build("celeba", root=tmp_path, split="test")) == 2
    (face,) = train[0]
    assert face.shape == (3, 64, 64) and torch.allclose(face, torch.ones_like(face), atol=0.02)
    assert build("celeba", root=tmp_path, image_size=32)[1][0].shape == (3, 32, 32)


def write_png(path: Path, size: tuple[int, int], color, mode: str = "RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path)


def test_image_folder_reads_recursively_holds_out_one_in_ten(tmp_path):
    for i in range(11):
        write_png(tmp_path / f"sub{i % 2}" / f"{i:02d}.png", (20 + i, 16), (255, 0, 0))
    write_png(tmp_path / "deep" / "er" / "grey.png", (10, 30), 0, mode="L")
    (tmp_path / "notes.txt").write_text("not an image")
    train = build("image-folder", root=tmp_path)
    test = build("image-folder", root=tmp_path, split="test")
    assert (len(train), len(test)) == (10, 2)
    assert not set(train.files) & set(test.files)
    (x,) = train[0]
    assert x.shape == (3, 64, 64) and x.dtype == torch.float32
    assert all(len(item) == 1 and item[0].min() >= -1 and item[0].max() <= 1 for item in train)
    small = build("image-folder", root=tmp_path, split="test", image_size=8)
    assert small.files[0].name == "grey.png"  # sorted paths: deep/er/grey.png comes first
    (grey,) = small[0]
    assert grey.shape == (3, 8, 8) and torch.all(grey == -1.0)


def test_image_folder_uses_split_subfolders_when_present(tmp_path):
    for split, count in (("train", 3), ("test", 2)):
        for i in range(count):
            write_png(tmp_path / split / "cats" / f"{i}.jpg", (12, 12), (0, 0, 255))
    assert len(build("image-folder", root=tmp_path)) == 3
    assert len(build("image-folder", root=tmp_path, split="test", image_size=12)) == 2


def test_folder_items_are_decoded_once(tmp_path):
    write_png(tmp_path / "train" / "a.png", (8, 8), (0, 255, 0))
    ds = build("image-folder", root=tmp_path, image_size=8)
    first = ds[0][0]
    ds.files[0].unlink()  # served from memory now
    assert torch.equal(ds[0][0], first) and torch.equal(ds[-1][0], first)
    assert isinstance(ds, LazyImages)
    with pytest.raises(IndexError):
        ds[1]


def test_paired_folder_splits_left_input_from_right_target(tmp_path):
    for split, count in (("train", 2), ("test", 1)):
        for i in range(count):
            image = Image.new("RGB", (40, 20), (255, 0, 0))
            image.paste((0, 0, 255), (20, 0, 40, 20))
            (tmp_path / split).mkdir(exist_ok=True)
            image.save(tmp_path / split / f"{i}.png")
    train = build("paired-folder", root=tmp_path, image_size=16)
    assert len(train) == 2 and len(build("paired-folder", root=tmp_path, split="test")) == 1
    a, b = train[0]
    assert a.shape == b.shape == (3, 16, 16)
    assert torch.all(a[0] == 1) and torch.all(a[2] == -1)  # input: red left half
    assert torch.all(b[2] == 1) and torch.all(b[0] == -1)  # target: blue right half
    assert build("paired-folder", root=tmp_path)[0][0].shape == (3, 256, 256)


@pytest.mark.parametrize("name", ["image-folder", "paired-folder"])
def test_folder_sets_need_a_root_with_images(tmp_path, name):
    with pytest.raises(DatasetUnavailableError, match="--data-root"):
        build(name)
    with pytest.raises(DatasetUnavailableError, match=str(tmp_path)):
        build(name, root=tmp_path)


def test_folder_images_are_checked_when_built_naming_every_damaged_file(tmp_path):
    for i in range(3):
        write_png(tmp_path / "train" / f"{i}.png", (12, 12), (0, 0, 255))
    good = (tmp_path / "train" / "0.png").read_bytes()
    (tmp_path / "train" / "truncated.png").write_bytes(good[: len(good) // 2])
    (tmp_path / "train" / "empty.jpg").write_bytes(b"")
    (tmp_path / "train" / "text.jpg").write_text("hello")
    with pytest.raises(GanzooError) as caught:
        build("image-folder", root=tmp_path)
    message = str(caught.value)
    assert "'image-folder' cannot use 3 of its files (not readable images)" in message
    assert all(name in message for name in ("truncated.png", "empty.jpg", "text.jpg"))
    assert "an empty file" in message and "Remove or replace them" in message


def test_an_image_damaged_after_the_build_is_named_when_decoded(tmp_path):
    write_png(tmp_path / "train" / "a.png", (8, 8), (0, 255, 0))
    ds = build("image-folder", root=tmp_path, image_size=8)
    ds.files[0].write_text("overwritten")
    with pytest.raises(GanzooError, match=r"Cannot read the image .*a\.png \(not an image"):
        ds[0]


def test_paired_folder_refuses_images_that_are_not_side_by_side_pairs(tmp_path):
    write_png(tmp_path / "train" / "pair.png", (40, 20), (255, 0, 0))
    write_png(tmp_path / "train" / "square.png", (20, 20), (255, 0, 0))
    write_png(tmp_path / "train" / "odd.png", (41, 20), (255, 0, 0))
    with pytest.raises(GanzooError) as caught:
        build("paired-folder", root=tmp_path)
    message = str(caught.value)
    assert "cannot use 2 of its files (not A|B pairs" in message and "twice as wide" in message
    assert "square.png (20×20)" in message and "odd.png (41×20)" in message
    assert "pair.png" not in message


@pytest.mark.parametrize("damage, problem", [
    (lambda data: b"", "0 bytes, too short for an idx header"),
    (lambda data: b"<html>not found</html>", "wrong magic number"),
    (lambda data: data[:100], "100 bytes where its header promises"),
    (lambda data: data + b"\0", "where its header promises"),
])
def test_damaged_mnist_files_are_named(tmp_path, damage, problem):
    raw = tmp_path / "MNIST" / "raw"
    for prefix in ("train", "t10k"):
        write_idx(raw, prefix, np.zeros((4, 28, 28)), np.arange(4))
    images = raw / "train-images-idx3-ubyte"
    images.write_bytes(damage(images.read_bytes()))
    with pytest.raises(GanzooError) as caught:
        build("mnist", root=tmp_path)
    message = str(caught.value)
    assert f"{images} (" in message and problem in message
    assert "original uncompressed idx files" in message
    assert not isinstance(caught.value, DatasetUnavailableError)  # not "missing"

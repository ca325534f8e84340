"""The digit classifier that reads each channel of a stacked-MNIST image.

The papers classify channels with a CNN trained on MNIST.  This one is trained on
mnist-5k's 4,000 training digits (seeded, a few seconds on a CPU) and scored on its 1,000
held-out digits every time it is loaded, so the accuracy a measurement records is measured,
never read from a file.  It is cached as a bare state dict under
``<cache>/stacked/digit-classifier-<key>.pt``, where ``<cache>`` is the evaluation's cache
folder, else ``$GANZOO_CACHE``, else ``~/.cache/ganzoo``, and the key hashes this module's
source and the training digits: a change to either trains a new classifier.  Entries are
read with ``torch.load(weights_only=True)``; one that is damaged, planted or of another
shape is trained again and overwritten.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ganzoo.api import atomic_write_bytes, cache_dir
from ganzoo_digits.bundled import mnist_5k_arrays, split_indices

EPOCHS = 8
BATCH_SIZE = 64
MAX_LEARNING_RATE = 4e-3
MAX_SHIFT = 1  # pixels of random translation per batch, so off-centre digits still read
SEED = 0
WIDTHS = (16, 32, 64)
PREDICT_BATCH = 1024


class DigitClassifier(nn.Module):
    """Three strided conv-batchnorm-ReLU blocks (28 → 14 → 7 → 4), dropout, a linear layer.

    Takes ``(N, 1, 28, 28)`` digits in [-1, 1] and returns logits over the ten digits.
    Strided convolutions rather than pooling keep reading the 78,000 channels of 26,000
    samples to a few seconds on a CPU.
    """

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for c_in, c_out in zip((1, *WIDTHS), WIDTHS):
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Flatten(), nn.Dropout(0.1),
                                 nn.Linear(WIDTHS[-1] * 4 * 4, 10))

    def forward(self, x: Tensor) -> Tensor:
        return self.net(x)


@dataclass(frozen=True)
class TrainedClassifier:
    """A classifier in eval mode, with its held-out accuracy and its weights file's sha256."""

    net: DigitClassifier
    accuracy: float
    held_out: int
    sha256: str

    @torch.no_grad()
    def predict(self, digits: Tensor, device: str = "cpu") -> Tensor:
        """The digit (0..9) of each ``(1, 28, 28)`` image of ``digits``, on the CPU."""
        self.net.to(device)
        return torch.cat([self.net(chunk.to(device)).argmax(1).cpu()
                          for chunk in digits.split(PREDICT_BATCH)])


def train_classifier(images: Tensor, labels: Tensor) -> DigitClassifier:
    """Train a :class:`DigitClassifier` (Adam, one-cycle schedule); the caller's random
    state is left untouched."""
    batches = -(-len(images) // BATCH_SIZE)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(SEED)
        net = DigitClassifier()
        optimizer = torch.optim.Adam(net.parameters(), lr=MAX_LEARNING_RATE)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, MAX_LEARNING_RATE, total_steps=EPOCHS * batches)
        for _ in range(EPOCHS):
            for batch in torch.randperm(len(images)).split(BATCH_SIZE):
                shift = torch.randint(-MAX_SHIFT, MAX_SHIFT + 1, (2,)).tolist()
                x = images[batch].roll(shift, dims=(2, 3))  # digits have a blank border
                loss = F.cross_entropy(net(x), labels[batch])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
    return net.eval()


def cache_key(images: Tensor, labels: Tensor) -> str:
    """A hash of this module's source and of the training digits."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for tensor in (images, labels):
        digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def read_classifier(path: Path) -> tuple[DigitClassifier, bytes] | None:
    """The classifier stored at ``path`` and the file's bytes; ``None`` when there is none
    or the file holds anything but this network's state dict."""
    try:
        data = path.read_bytes()
        net = DigitClassifier()
        net.load_state_dict(torch.load(io.BytesIO(data), map_location="cpu", weights_only=True))
    except (OSError, RuntimeError, EOFError, ValueError, TypeError, AttributeError,
            pickle.UnpicklingError):
        return None
    return net.eval(), data


def _write(net: DigitClassifier, path: Path) -> bytes:
    buffer = io.BytesIO()
    torch.save(net.state_dict(), buffer)
    atomic_write_bytes(path, buffer.getvalue(), fsync=False)  # a lost entry is retrained
    return buffer.getvalue()


@torch.no_grad()
def accuracy(net: DigitClassifier, images: Tensor, labels: Tensor) -> float:
    return (net(images).argmax(1) == labels).double().mean().item()


def digit_classifier(cache: Path | None = None) -> TrainedClassifier:
    """The mnist-5k digit classifier: read from the cache, else trained and cached; scored
    on mnist-5k's held-out digits."""
    images, labels = mnist_5k_arrays()
    train, test = split_indices("mnist-5k", "train"), split_indices("mnist-5k", "test")
    key = cache_key(images[train], labels[train])
    path = cache_dir(cache) / "stacked" / f"digit-classifier-{key}.pt"
    stored = read_classifier(path)
    if stored is None:
        net = train_classifier(images[train], labels[train])
        stored = net, _write(net, path)
    net, data = stored
    return TrainedClassifier(net, accuracy(net, images[test], labels[test]), len(test),
                             hashlib.sha256(data).hexdigest())

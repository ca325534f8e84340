"""ganzoo's domain feature extractor: a small CNN classifier trained on labeled real data.

Inception-v3 weights cannot be downloaded everywhere.  Without them ganzoo trains this
network once per dataset on the labeled training split (seeded, a few epochs: seconds on a
CPU for 28×28 digits) and uses it as torch-fidelity's feature extractor: its globally
pooled features stand in for Inception's pool3 features (FID, KID, precision/recall) and its
class logits for Inception's logits (IS).  A poor classifier makes poor features, so the
accuracy it reaches on held-out data is recorded and checked against a target
(:mod:`ganzoo.metrics.features`).  The source of this module is part of the cache key of
trained extractors, so any change here retrains them.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

EPOCHS = 8
BATCH_SIZE = 64
#: peak of the one-cycle schedule (warm-up, then cosine annealing to ~0)
LEARNING_RATE = 3e-3
WIDTH = 32
VALIDATION_FRACTION = 0.1
#: training images are shifted by up to this many pixels each way (light augmentation)
MAX_SHIFT = 2


class DomainCNN(nn.Module):
    """Three stages of a 3×3 convolution and a stride-2 3×3 convolution (batchnorm, ReLU),
    global average pooling and a linear classifier.

    Works for any image size from 8×8 up; the pooled features have ``4 * width`` values.
    """

    def __init__(self, in_channels: int, num_classes: int, width: int = WIDTH):
        super().__init__()
        layers: list[nn.Module] = []
        for c_in, c_out in ((in_channels, width), (width, 2 * width), (2 * width, 4 * width)):
            layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU(),
                       nn.Conv2d(c_out, c_out, 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU()]
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(4 * width, num_classes)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(pooled features, class logits)`` of images in [-1, 1]."""
        features = self.body(x)
        return features, self.head(features)


def random_shift(images: Tensor, max_shift: int = MAX_SHIFT) -> Tensor:
    """Each image moved by its own random offset of up to ``max_shift`` pixels in each
    direction, the uncovered border filled with black (-1)."""
    n, c, h, w = images.shape
    padded = F.pad(images, (max_shift,) * 4, value=-1.0)
    dy, dx = (torch.randint(0, 2 * max_shift + 1, (n, 1)) for _ in range(2))
    rows = (dy + torch.arange(h))[:, None, :, None]
    cols = (dx + torch.arange(w))[:, None, None, :]
    return padded[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None],
                  rows, cols]


def train_domain_cnn(
    images: Tensor, labels: Tensor, *, seed: int = 0, device: str = "cpu"
) -> tuple[DomainCNN, dict[str, Any]]:
    """Train a :class:`DomainCNN` on images in [-1, 1] and their labels.

    A seeded tenth of the data is held out to report the classifier's accuracy (a poor
    classifier makes poor features).  The caller's random state is left untouched.
    """
    num_classes = int(labels.max()) + 1
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        order = torch.randperm(len(images))
        n_val = max(1, int(len(images) * VALIDATION_FRACTION))
        val_idx, train_idx = order[:n_val], order[n_val:]
        model = DomainCNN(images.shape[1], num_classes).to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
        per_epoch = -(-len(train_idx) // BATCH_SIZE)
        schedule = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, LEARNING_RATE, total_steps=EPOCHS * per_epoch)
        model.train()
        for _ in range(EPOCHS):
            for batch in train_idx[torch.randperm(len(train_idx))].split(BATCH_SIZE):
                if len(batch) > 1:  # batchnorm needs two samples
                    x = random_shift(images[batch]).to(device)
                    loss = F.cross_entropy(model(x)[1], labels[batch].to(device))
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                schedule.step()
    model.eval()
    with torch.no_grad():
        correct = sum(
            (model(images[b].to(device))[1].argmax(1).cpu() == labels[b]).sum().item()
            for b in val_idx.split(1024)
        )
    info = {
        "num_classes": num_classes,
        "train_samples": len(train_idx),
        "val_samples": len(val_idx),
        "val_accuracy": round(correct / len(val_idx), 4),
        "epochs": EPOCHS,
        "seed": seed,
    }
    return model.cpu(), info

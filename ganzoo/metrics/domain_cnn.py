"""ganzoo's domain feature extractor: a small CNN classifier trained on labeled real data.

Inception-v3 weights cannot be downloaded everywhere.  Without them ganzoo trains this
network once per dataset on the labeled training split (seeded, a few epochs: seconds on a
CPU for 28×28 digits) and uses it as torch-fidelity's feature extractor: its globally
pooled features stand in for Inception's pool3 features (FID, KID, precision/recall) and its
class logits for Inception's logits (IS).  The source of this module is part of the cache
key of trained extractors, so any change here retrains them.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

EPOCHS = 5
BATCH_SIZE = 128
LEARNING_RATE = 2e-3
WIDTH = 32
VALIDATION_FRACTION = 0.1


class DomainCNN(nn.Module):
    """Three strided convolutions with batchnorm, global average pooling, a linear classifier.

    Works for any image size from 8×8 up; the pooled features have ``4 * width`` values.
    """

    def __init__(self, in_channels: int, num_classes: int, width: int = WIDTH):
        super().__init__()
        layers: list[nn.Module] = []
        for c_in, c_out in ((in_channels, width), (width, 2 * width), (2 * width, 4 * width)):
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1, bias=False),
                       nn.BatchNorm2d(c_out), nn.ReLU()]
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(4 * width, num_classes)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """``(pooled features, class logits)`` of images in [-1, 1]."""
        features = self.body(x)
        return features, self.head(features)


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
        model.train()
        for _ in range(EPOCHS):
            for batch in train_idx[torch.randperm(len(train_idx))].split(BATCH_SIZE):
                if len(batch) < 2:  # batchnorm needs two samples
                    continue
                x, y = images[batch].to(device), labels[batch].to(device)
                loss = F.cross_entropy(model(x)[1], y)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
    model.eval()
    with torch.no_grad():
        correct = sum(
            (model(images[b].to(device))[1].argmax(1).cpu() == labels[b]).sum().item()
            for b in val_idx.split(1024)
        )
    info = {
        "num_classes": num_classes,
        "train_samples": len(train_idx),
        "val_accuracy": round(correct / len(val_idx), 4),
        "epochs": EPOCHS,
        "seed": seed,
    }
    return model.cpu(), info

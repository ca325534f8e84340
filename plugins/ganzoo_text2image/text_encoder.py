"""The text encoder of GAN-CLS: a small char-CNN-RNN, trained here before the GAN.

Reed et al. 2016 condition both networks on φ(t), a caption embedding from a char-CNN-RNN
pretrained with their deep structured joint embedding (DS-SJE, Reed et al. 2016a): captions
and images are embedded so that each image scores its own text above others.  Nothing is
downloaded here: :func:`pretrain` fits a :class:`CharEncoder` against a small
:class:`ImageEncoder` on the run's own training batches at the start of the run, with a
symmetric contrastive version of that matching loss; afterwards the encoder is frozen.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

from ganzoo.api import CAPTION_ALPHABET

#: channels of the character embedding, convolutions and GRU state
WIDTH = 64
PRETRAIN_LR = 1e-3
#: softmax temperature of the matching loss (similarities of unit vectors)
TEMPERATURE = 0.1


class CharEncoder(nn.Module):
    """Caption codes ``(N, L)`` → ``(N, embed_dim)``: embedded characters, two 1-D
    convolutions (width 3) and a max-pool halving the sequence, then a GRU over the
    caption's own length (padding never reaches it); its last state, projected."""

    def __init__(self, embed_dim: int):
        super().__init__()
        self.chars = nn.Embedding(len(CAPTION_ALPHABET) + 1, WIDTH, padding_idx=0)
        self.conv = nn.Sequential(
            nn.Conv1d(WIDTH, WIDTH, 3, padding=1), nn.ReLU(),
            nn.Conv1d(WIDTH, WIDTH, 3, padding=1), nn.ReLU(),
            nn.MaxPool1d(2, ceil_mode=True))
        self.rnn = nn.GRU(WIDTH, WIDTH, batch_first=True)
        self.out = nn.Linear(WIDTH, embed_dim)
        self.embed_dim = embed_dim

    def forward(self, codes: Tensor) -> Tensor:
        steps = ((codes > 0).sum(1).clamp(min=1) + 1) // 2  # after the max-pool
        x = self.conv(self.chars(codes).transpose(1, 2)).transpose(1, 2)
        packed = pack_padded_sequence(x, steps.cpu(), batch_first=True, enforce_sorted=False)
        _, state = self.rnn(packed)
        return self.out(state[-1])


class ImageEncoder(nn.Module):
    """The image side of the matching loss: two strided convolutions, pooled, projected."""

    def __init__(self, channels: int, embed_dim: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(channels, WIDTH // 2, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(WIDTH // 2, WIDTH, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(WIDTH, embed_dim))

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images)


def matching_loss(image_emb: Tensor, text_emb: Tensor, codes: Tensor) -> Tensor:
    """Cross-entropy of each image picking its caption among the batch's, and of each caption
    picking its image; rows with the very same caption all count as right answers."""
    logits = F.normalize(image_emb, dim=1) @ F.normalize(text_emb, dim=1).T / TEMPERATURE
    same = (codes[:, None, :] == codes[None, :, :]).all(-1).to(logits.dtype)
    targets = same / same.sum(1, keepdim=True)
    return (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets)) / 2


def pretrain(encoder: CharEncoder, channels: int, steps: int,
             next_pair: Callable[[], tuple[Tensor, Tensor]],
             minimize: Callable[[Tensor, torch.optim.Optimizer], None]) -> list[float]:
    """Fit ``encoder`` for ``steps`` Adam steps on ``next_pair() -> (images, codes)``, each
    update made by ``minimize(loss, optimizer)`` (the run's: gradients averaged over
    processes under torchrun, scaled under fp16); its parameters are left frozen.  Returns
    the matching loss of each step."""
    device = next(encoder.parameters()).device
    images_side = ImageEncoder(channels, encoder.embed_dim).to(device)
    params: Sequence[nn.Parameter] = [*encoder.parameters(), *images_side.parameters()]
    optimizer = torch.optim.Adam(params, lr=PRETRAIN_LR)
    encoder.requires_grad_(True)
    losses = []
    with torch.enable_grad():
        for _ in range(steps):
            images, codes = next_pair()
            loss = matching_loss(images_side(images.float()), encoder(codes), codes)
            minimize(loss, optimizer)
            losses.append(loss.item())
    encoder.requires_grad_(False)
    return losses

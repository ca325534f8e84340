"""BigGAN's generator (Brock et al. 2019, Appendix B), for sides 4·2^k.

``G(z, y)``: z is split into k + 1 chunks for k up blocks (hierarchical latents, "skip-z"):
the first feeds the linear layer that makes the 4×4 map; each other one, concatenated with
the class embedding shared by all blocks, feeds one block's class-conditional batchnorms,
whose gains ``1 + W_γ·c`` and biases ``W_β·c`` are linear in that vector.  The blocks are
sngan's up blocks with those norms; a self-attention block sits where the maps are
``attention`` pixels wide; the head is sngan's (BN, ReLU, conv3×3, tanh).

Every conv and linear layer of G is spectrally normalized here, built in (the recipe's
``spectral-norm`` regularizer reaches D only), the way the authors' code does it (see
:mod:`ganzoo_biggan.spectral`); the class embedding is not, as in that code ("SN on G's
embedding seems to randomly cripple G").
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import Tensor, nn

from ganzoo.api import DataSpec, IncompatibleError, OptionRange, check_options
from ganzoo_biggan.architecture import (OPTION_RANGES, attention_position, defaults_for,
                                        doublings, init_orthogonal_)
from ganzoo_biggan.attention import SelfAttention
from ganzoo_biggan.spectral import spectral_normalize_
from ganzoo_cgan_pd.conditional_norm import ModulatedBatchNorm2d
from ganzoo_sngan.blocks import UpBlock, dense
from ganzoo_sngan.resnet import START, generator_head


def chunk_sizes(latent_dim: int, slots: int) -> list[int]:
    """``latent_dim`` split into ``slots`` near-equal chunks, the first ones one larger when
    it does not divide (BigGAN-PyTorch drops the remainder instead)."""
    size, extra = divmod(latent_dim, slots)
    return [size + (i < extra) for i in range(slots)]


def class_norm(cond_dim: int) -> Callable[[int], ModulatedBatchNorm2d]:
    """Builds BigGAN's conditional batchnorm for a block fed a ``cond_dim`` vector."""
    def build(channels: int) -> ModulatedBatchNorm2d:
        return ModulatedBatchNorm2d(channels, nn.Linear(cond_dim, channels, bias=False),
                                    nn.Linear(cond_dim, channels, bias=False), gain_offset=1.0)
    return build


class BigGANGenerator(nn.Module):
    """z chunks and a shared class embedding → 4×4 map → conditional up blocks with
    self-attention → BN, ReLU, conv3×3, tanh; ``G(z, labels)``."""

    option_ranges = {**OPTION_RANGES, "embedding_dim": OptionRange(1, 2048, integer=True)}
    defaults_for = staticmethod(defaults_for)

    def __init__(self, spec: DataSpec, *, latent_dim: int, conditioning: str = "class",
                 channels: int | None = None, attention: int | None = None,
                 embedding_dim: int = 128):
        super().__init__()
        check_options("biggan generator", self.option_ranges, channels=channels,
                      attention=attention, embedding_dim=embedding_dim)
        k = doublings(spec, conditioning, "generator")
        if latent_dim < k + 1:
            raise IncompatibleError(
                f"The biggan generator splits z into {k + 1} chunks at this image size (one "
                f"for its first layer, one per up block), so the latent size must be at "
                f"least {k + 1}, not {latent_dim}: raise --latent-dim."
            )
        defaults = defaults_for(spec)
        self.channels = defaults["channels"] if channels is None else channels
        attention = defaults["attention"] if attention is None else attention
        self.latent_dim = latent_dim
        self.out_shape = tuple(spec.shape)
        self.num_classes = spec.num_classes
        self.chunks = chunk_sizes(latent_dim, k + 1)
        self.embed = nn.Embedding(spec.num_classes, embedding_dim)
        self.project = dense(self.chunks[0], START * START * self.channels)
        stages: list[nn.Module] = [
            UpBlock(self.channels, self.channels, norm=class_norm(embedding_dim + size))
            for size in self.chunks[1:]]
        sides = [START * 2**i for i in range(k + 1)]  # the maps' side after i blocks
        where = attention_position(attention, sides, "generator")
        if where is not None:
            stages.insert(where, SelfAttention(self.channels))
        self.body = nn.ModuleList(stages)
        self.head = generator_head(self.channels, spec.shape[0])
        spectral_normalize_(init_orthogonal_(self))

    def forward(self, z: Tensor, cond: Tensor) -> Tensor:
        y = self.embed(cond)
        first, *rest = z.split(self.chunks, dim=1)
        h = self.project(first).view(-1, self.channels, START, START)
        block_inputs = iter(rest)
        for stage in self.body:
            if isinstance(stage, UpBlock):
                h = stage(h, torch.cat([y, next(block_inputs)], dim=1))
            else:
                h = stage(h)
        return self.head(h)

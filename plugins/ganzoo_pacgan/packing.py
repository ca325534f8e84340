"""Packing (Lin et al. 2018): the discriminator judges m samples at once.

A batch of N samples becomes N/m packs, each the concatenation of m consecutive samples
along the first feature axis (channels of images, coordinates of points), and any
registered discriminator built for m times as many channels judges the packs.  Real packs
hold only real samples and fake packs only generated ones, so every loss works unchanged:
its scores are simply one per pack.  Seeing several samples at once lets D notice a lack of
diversity, which penalizes mode collapse.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from torch import Tensor, nn

from ganzoo.api import (
    DataSpec,
    IncompatibleError,
    OptionRange,
    PartChoice,
    Registry,
    check_options,
    load_plugins,
)

OPTION_RANGES = {"pack": OptionRange(2, 8, integer=True)}


def pack_samples(x: Tensor, pack: int) -> Tensor:
    """``(N, C, ...)`` → ``(N/pack, pack·C, ...)``: pack ``j`` is samples ``j·pack`` …
    ``j·pack + pack − 1`` concatenated along the channel (or coordinate) axis."""
    n = x.shape[0]
    if n % pack:
        raise IncompatibleError(
            f"The packed discriminator judges samples in packs of {pack}, but it was given a "
            f"batch of {n}, which is not a multiple of {pack}. Use a batch size that is a "
            f"multiple of the pack (e.g. --batch-size {max(pack, n - n % pack)}), or another "
            f"--d-opt pack=M."
        )
    return x.reshape(n // pack, pack * x.shape[1], *x.shape[2:])


def _defaults_for(spec: DataSpec) -> dict[str, str]:
    """The inner discriminator for this data: ganzoo's DCGAN for images, its MLP for points."""
    return {"inner": "dcgan" if spec.is_image else "mlp"}


def packed_spec(spec: DataSpec, pack: int) -> DataSpec:
    """The data as the inner discriminator sees it: ``pack`` times the channels (images) or
    coordinates (points)."""
    return replace(spec, shape=(pack * spec.shape[0], *spec.shape[1:]))


def _resolve_options(options: dict[str, Any], spec: DataSpec,
                     resolve: Callable[[str, PartChoice, DataSpec], PartChoice]) -> dict[str, Any]:
    """``inner``, ``pack`` and every option of the inner discriminator, filled in and checked
    as the core fills a part's own (for the packed data), so that the plan records them."""
    inner_options = dict(options)
    inner, pack = inner_options.pop("inner"), inner_options.pop("pack")
    check_options("packed discriminator", OPTION_RANGES, pack=pack)
    choice = resolve("discriminator", PartChoice(inner, inner_options), packed_spec(spec, pack))
    return {"inner": choice.name, "pack": pack, **choice.options}


class PackedDiscriminator(nn.Module):
    """Any registered discriminator (``inner``), judging packs of ``pack`` samples.

    Options other than ``inner`` and ``pack`` go to the inner discriminator
    (``--d-opt norm=layer``), which is built for the data with ``pack`` times as many
    channels (images) or coordinates (points).  The batch size must be a multiple of
    ``pack``.  Unconditional only: a pack of samples with different labels has no one
    label to be judged under.  With a gradient penalty, each sample's gradient is penalized
    (the interpolates are made per sample, then packed), which constrains D per member of a
    pack; R1 equals R1 on the packs divided by ``pack``.
    """

    defaults_for = staticmethod(_defaults_for)
    resolve_options = staticmethod(_resolve_options)
    option_ranges = OPTION_RANGES

    def __init__(self, spec: DataSpec, *, conditioning: str = "none", inner: str | None = None,
                 pack: int = 2, registry: Registry | None = None, **inner_options: Any):
        super().__init__()
        check_options("packed discriminator", OPTION_RANGES, pack=pack)
        if conditioning != "none":
            raise IncompatibleError(
                f"The packed discriminator (PacGAN) judges packs of unconditional samples, "
                f"but this model is {conditioning!r}-conditional: the samples of a pack would "
                "each have their own condition, and PacGAN defines none for the pack. Use "
                "packing with an unconditional model (gan, dcgan, lsgan, wgan, wgan-gp, "
                "pacgan), or drop --discriminator packed."
            )
        inner = inner or _defaults_for(spec)["inner"]
        # the run's registry (the core passes it); the installed plugins' when built by hand
        registry = registry or load_plugins().registry
        builder = registry.get("discriminator", inner).load()
        self.in_shape = tuple(spec.shape)
        self.pack = pack
        self.inner = builder(packed_spec(spec, pack), conditioning="none", **inner_options)

    def forward(self, x: Tensor, cond: Tensor | None = None) -> Tensor:
        """One raw score per pack of ``pack`` consecutive samples of ``x``."""
        return self.inner(pack_samples(x, self.pack))

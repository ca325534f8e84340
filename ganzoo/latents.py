"""What a generator's latent vector ``z`` is, and how it is drawn.

By default ``z`` is Gaussian noise of the plan's ``latent_dim``.  A generator may declare
another latent space as its ``latent_space`` attribute: InfoGAN's generator appends
categorical and continuous *codes* to the noise.  Everything that draws latents — the
training step, the preview pictures, ``ganzoo sample``, eval and the bench — asks the
generator's space, so a plugin changes what ``z`` is without touching the core.

Two sampling controls work for every model: the truncation trick (BigGAN: noise entries
outside ``±threshold`` are redrawn, trading variety for fidelity) and fixing or varying one
named code (``ganzoo sample --code``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import torch
from torch import Tensor, nn

from ganzoo.errors import GanzooError

KINDS = ("categorical", "continuous")


@dataclass(frozen=True)
class Code:
    """A named part of ``z`` beside the noise: a one-hot of ``size`` categories drawn
    uniformly, or ``size`` continuous values drawn uniformly from [-1, 1]."""

    name: str
    kind: str
    size: int = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"code {self.name!r}: kind must be one of {KINDS}, not {self.kind!r}")
        if self.size < 1 or (self.kind == "categorical" and self.size < 2):
            raise ValueError(f"code {self.name!r}: too few {'categories' if self.kind == 'categorical' else 'values'} ({self.size})")

    def draw(self, n: int, device: torch.device | str,
             generator: torch.Generator | None) -> Tensor:
        if self.kind == "categorical":
            index = torch.randint(self.size, (n,), device=device, generator=generator)
            return nn.functional.one_hot(index, self.size).float()
        return torch.rand(n, self.size, device=device, generator=generator) * 2 - 1

    def values(self, steps: int) -> list[float]:
        """What ``ganzoo sample --code NAME`` sweeps: every category, or ``steps`` values
        from -2 to 2 (beyond the training range [-1, 1], as the InfoGAN paper shows)."""
        if self.kind == "categorical":
            return [float(k) for k in range(self.size)]
        return torch.linspace(-2, 2, steps).tolist()

    def encode(self, value: float, n: int) -> Tensor:
        """``n`` copies of this code set to ``value`` (a category, or every dimension)."""
        if self.kind == "categorical":
            if value != int(value) or not 0 <= value < self.size:
                raise GanzooError(
                    f"Code {self.name!r} is categorical with {self.size} categories: give a "
                    f"whole number from 0 to {self.size - 1}, not {value:g}."
                )
            return nn.functional.one_hot(torch.full((n,), int(value)), self.size).float()
        return torch.full((n, self.size), float(value))


class LatentSpace:
    """``z`` = ``noise_dim`` Gaussian entries, then each code's entries, in order."""

    def __init__(self, noise_dim: int, codes: Sequence[Code] = ()):
        names = [code.name for code in codes]
        if len(set(names)) != len(names):
            raise ValueError(f"latent codes must have distinct names, not {names}")
        self.noise_dim = noise_dim
        self.codes = {code.name: code for code in codes}
        self.dim = noise_dim + sum(code.size for code in codes)

    def sample(self, n: int, device: torch.device | str = "cpu",
               generator: torch.Generator | None = None, *,
               truncation: float | None = None,
               codes: Mapping[str, float] | None = None) -> Tensor:
        """``n`` latent vectors from the global random state or ``generator``; with
        ``truncation``, every noise entry lies within ``±truncation``; ``codes`` sets named
        codes to values in every row."""
        for name in codes or {}:
            self.code(name)  # refuse an unknown name before drawing
        z = torch.randn(n, self.noise_dim, device=device, generator=generator)
        if truncation is not None:
            z = truncate(z, truncation, generator)
        if self.codes:
            z = torch.cat([z, *(c.draw(n, device, generator) for c in self.codes.values())], 1)
        for name, value in (codes or {}).items():
            z = self.with_code(z, name, value)
        return z

    def slices(self) -> dict[str, slice]:
        """Where each code lies in ``z``."""
        out, start = {}, self.noise_dim
        for name, code in self.codes.items():
            out[name] = slice(start, start + code.size)
            start += code.size
        return out

    def code(self, name: str) -> Code:
        """The code called ``name``, or a clear refusal listing the codes there are."""
        if name not in self.codes:
            have = ", ".join(self.codes) or "none: its latent vector is plain noise"
            raise GanzooError(
                f"This generator has no latent code {name!r}; its codes are: {have}."
            )
        return self.codes[name]

    def with_code(self, z: Tensor, name: str, value: float) -> Tensor:
        """``z`` (a copy) with code ``name`` set to ``value`` in every row."""
        z = z.clone()
        z[:, self.slices()[name]] = self.code(name).encode(value, len(z)).to(z)
        return z


def truncate(noise: Tensor, threshold: float, generator: torch.Generator | None = None) -> Tensor:
    """Redraw every entry outside ``±threshold`` until none is (BigGAN's truncation trick:
    a truncated normal), reproducibly from ``generator``."""
    if not threshold > 0:
        raise GanzooError(f"The truncation threshold must be above 0, not {threshold:g}.")
    noise = noise.clone()
    outside = noise.abs() > threshold
    while outside.any():
        redrawn = torch.randn(int(outside.sum()), device=noise.device, generator=generator)
        noise[outside] = redrawn
        outside = noise.abs() > threshold
    return noise


def latent_space(generator: nn.Module, latent_dim: int) -> LatentSpace | None:
    """The space ``generator`` declares (``generator.latent_space``), else Gaussian noise of
    ``latent_dim``; ``None`` for generators without a latent vector (pix2pix:
    ``latent_dim`` 0)."""
    while isinstance(getattr(generator, "module", None), nn.Module):  # DDP, wrappers
        generator = generator.module  # type: ignore[assignment]
    declared = getattr(generator, "latent_space", None)
    if isinstance(declared, LatentSpace):
        return declared
    return LatentSpace(latent_dim) if latent_dim else None

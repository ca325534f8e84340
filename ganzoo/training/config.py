"""The settings of one training run, as the CLI and the bench runner pass them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class TrainConfig:
    """Everything that decides a run; saved (resolved) as ``config.json`` in the run folder.

    ``None`` means "the recipe's default for this kind of data".
    """

    model: str
    dataset: str
    steps: int = 2000
    batch_size: int | None = None
    seed: int = 0
    device: str = "cpu"
    out: Path | None = None
    resume: bool = False
    # part overrides (registry names)
    generator: str | None = None
    discriminator: str | None = None
    loss: str | None = None
    regularizers: tuple[str, ...] | None = None  # () means "none"
    generator_options: dict[str, Any] = field(default_factory=dict)
    discriminator_options: dict[str, Any] = field(default_factory=dict)
    latent_dim: int | None = None
    n_critic: int | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    # data
    data_root: Path | None = None
    download: bool = False
    image_size: int | None = None
    # output cadence (in generator steps); 0 picks a sensible default from ``steps``
    log_every: int = 0
    sample_every: int = 0
    checkpoint_every: int = 0
    channels_last: bool = True

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("out", "data_root"):
            if data[key] is not None:
                data[key] = str(data[key])
        if data["regularizers"] is not None:
            data["regularizers"] = list(data["regularizers"])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TrainConfig":
        data = dict(data)
        for key in ("out", "data_root"):
            if data.get(key) is not None:
                data[key] = Path(data[key])
        if data.get("regularizers") is not None:
            data["regularizers"] = tuple(data["regularizers"])
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

"""What a user asks of a run (:class:`TrainConfig`) and the part of it that only says where
and how long to run (:class:`RunOptions`).

A request is resolved once into a :class:`ganzoo.plan.Plan` (what the run *is*); the run
options may change when a run is resumed (train longer, on another device, with other
trackers), the plan may not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ganzoo.recipe import PartChoice, parse_part

#: Generated samples per evaluation during training unless ``--eval-samples`` says
#: otherwise: cheap enough to measure often on a CPU.  Figures from fewer samples are
#: biased (FID upwards), so a curve is compared with curves measured alike, not with the
#: figures of ``ganzoo eval``.
DEFAULT_EVAL_SAMPLES = 1000


@dataclass
class TrainConfig:
    """Everything a user can ask for; saved as asked under ``"config"`` in ``config.json``.

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
    method_options: dict[str, Any] = field(default_factory=dict)
    latent_dim: int | None = None
    n_critic: int | None = None
    lr_g: float | None = None
    lr_d: float | None = None
    #: decay of the generator's moving average (what samples and evaluations use)
    ema_decay: float | None = None
    # data
    data_root: Path | None = None
    download: bool = False
    image_size: int | None = None
    # output cadence (in generator steps); 0 picks a sensible default from ``steps``
    log_every: int = 0
    sample_every: int = 0
    checkpoint_every: int = 0
    channels_last: bool = True
    #: fp32, bf16 or fp16 (:mod:`ganzoo.training.precision`)
    precision: str = "fp32"
    #: torch.compile the method's networks (a run option: it may change on resume)
    compile: bool = False
    #: under torchrun, batchnorm over the whole batch rather than each process's rows
    sync_batchnorm: bool = False
    # trackers beside the always-on metrics.jsonl: ``NAME[:key=value]`` each
    trackers: tuple[str, ...] = ()
    # evaluation during training (:mod:`ganzoo.training.evaluations`); 0 is never
    eval_every: int = 0
    eval_every_seconds: float = 0.0
    #: metrics measured during training; ``None``: every one that applies
    eval_metrics: tuple[str, ...] | None = None
    eval_samples: int = DEFAULT_EVAL_SAMPLES
    #: how image metrics measure during training (``None``: the automatic choice)
    eval_protocol: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("out", "data_root"):
            if data[key] is not None:
                data[key] = str(data[key])
        for key in ("regularizers", "trackers", "eval_metrics"):
            if data[key] is not None:
                data[key] = list(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TrainConfig":
        data = dict(data)
        for key in ("out", "data_root"):
            if data.get(key) is not None:
                data[key] = Path(data[key])
        for key in ("regularizers", "trackers", "eval_metrics"):
            if data.get(key) is not None:
                data[key] = tuple(data[key])
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def run_dir(self) -> Path:
        """``--out``, else ``runs/MODEL-DATASET`` (plain names, also when qualified)."""
        if self.out is not None:
            return Path(self.out)
        model, dataset = (name.rpartition(":")[2] for name in (self.model, self.dataset))
        return Path("runs") / f"{model}-{dataset}"

    def run_options(self) -> "RunOptions":
        return RunOptions(
            steps=self.steps, run_dir=self.run_dir, device=self.device,
            resume=self.resume, data_root=self.data_root, download=self.download,
            log_every=self.log_every, sample_every=self.sample_every,
            checkpoint_every=self.checkpoint_every,
            trackers=tuple(parse_part(t, "--tracker") for t in self.trackers),
            compile=self.compile,
            eval_every=self.eval_every, eval_every_seconds=self.eval_every_seconds,
            eval_metrics=self.eval_metrics, eval_samples=self.eval_samples,
            eval_protocol=self.eval_protocol,
        )


@dataclass(frozen=True)
class RunOptions:
    """Where and for how long a plan is trained; free to change when a run resumes."""

    steps: int
    run_dir: Path
    device: str = "cpu"
    resume: bool = False
    data_root: Path | None = None
    download: bool = False
    log_every: int = 0
    sample_every: int = 0
    checkpoint_every: int = 0
    trackers: tuple[PartChoice, ...] = ()
    compile: bool = False
    #: measure the EMA generator every N generator updates and/or S seconds of training
    #: (0: never), with these metrics (``None``: all that apply) on this many samples
    eval_every: int = 0
    eval_every_seconds: float = 0.0
    eval_metrics: tuple[str, ...] | None = None
    eval_samples: int = DEFAULT_EVAL_SAMPLES
    eval_protocol: str | None = None

    @property
    def evaluates(self) -> bool:
        """Whether the run is measured during training."""
        return self.eval_every > 0 or self.eval_every_seconds > 0

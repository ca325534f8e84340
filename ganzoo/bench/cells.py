"""The bench's grid of cells and the settings that make their figures comparable.

A cell is one model trained on one dataset with one seed, in its own run folder
``OUT/runs/<model>-<dataset>-seed<k>``.  Two kinds of reference cell sit beside them so that
figures can be read: the real held-out data measured against the reference split (the floor
a perfect generator would reach) and each model's generator before any update (the ceiling
of a useless one).  Images from outside ganzoo (``--include-images``) are measured as
rows of their own, beside the models.

The *settings* are what decide a cell's figures: the budget (generator updates, batch size)
and how figures are measured (metrics, number of samples).  One output folder holds one set
of settings, so every row in it was produced under the same budget; the grid itself (models,
datasets, seeds) may grow between runs.  Settings a model cannot take (a misspelled
``--g-opt``) are refused by :func:`check_part_options` before a folder records them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ganzoo.errors import GanzooError
from ganzoo.recipe import Recipe
from ganzoo.training.config import TrainConfig

if TYPE_CHECKING:
    from ganzoo.registry import Registry

TRAINED = "trained"
UNTRAINED = "untrained"
REAL = "real"
#: samples of another generator, read from a folder or an .npz (``--include-images``)
IMAGES = "images"

#: Generator updates per cell when --steps is not given, per kind of data: the same for
#: every model.  Images: on an idle 2-core CPU at batch 64 (dcgan parts at their 32 base
#: channels for 28 px), `ganzoo bench --models dcgan,wgan` with a fresh cache trains dcgan
#: for 25 s and wgan (5 critic updates each) for 79 s and ends in 2 min 5 s, feature
#: extractor, evaluations and reports included, with FID real data 0.17 < dcgan 11.3 <
#: wgan 24.3 < untrained 1060 (2026-11-28).  At 1,500 updates dcgan's digits are readable,
#: wgan's mostly not: weight clipping (0.01) with RMSprop at lr 5e-5, a quarter of dcgan's
#: Adam 2e-4, makes WGAN learn about 3x slower per update.  Measured with
#: `ganzoo train wgan --dataset mnist-5k --steps 6000 --eval-every 750 --eval-metrics fid`
#: (5.5 min): FID 24.3 at 1,500, 14.0 at 3,000, 10.6 at 4,500 (dcgan's 1,500-update
#: figure, and readable digits), 8.9 at 6,000.  Points: ring8's modes have a std of 0.01;
#: after 3,000 updates every point recipe covers at least 7 of the 8 in docs/results.md's
#: bench (3 seeds), though no unconditional one converges on grid25; a cell takes 2-3 min
#: for gan with PacGAN's toy nets, about 80 s for wgan-gp, 15 s for lsgan.
DEFAULT_STEPS = {"image": 1500, "points": 3000}

BUDGET_DEFINITION = (
    "Every model gets the same number of generator updates (--steps) on batches of the "
    "same size (--batch-size); unless given, both are ganzoo's defaults for the kind of "
    "data, the same whatever each recipe would pick. Each generator update follows the "
    "recipe's n_critic discriminator updates, so discriminator updates (steps × n_critic) "
    "and wall time differ between models; both are recorded beside the figures. Untrained "
    "rows are the same generators at step 0. At the image default WGAN with weight "
    "clipping (RMSprop lr 5e-5, clip 0.01) learns about 3× slower per update than dcgan "
    "and draws mostly unreadable digits: on mnist-5k it needs about 4,500 updates to reach "
    "dcgan's FID at 1,500 (measured on a 2-core CPU), so its row shows a slow recipe at a "
    "short budget, not its best. The original GAN's MLPs (no convolutions) draw noisy "
    "digits at 1,500 updates, most readable (FID 112 on mnist-5k against dcgan's 11). "
    "sngan, biggan and progan need --image-size 32 on 28-px digits (their nets double a 4-px "
    "start); there, at 1,500 updates, sngan's digits are mostly readable (FID 8.4), biggan's "
    "and progan's about half, with broken strokes (10.8, 8.2); at 3,000 updates (measured "
    "with ganzoo train --image-size 32 --steps 3000 --eval-every 1500) about two thirds of "
    "theirs are readable (FID 7.3, 5.8): their deeper ResNet and growing nets need about "
    "twice dcgan's updates."
)
_PLURAL = {"image": "images"}


def default_batch_size(data_kind: str) -> int:
    """The batch size every model gets on this kind of data unless --batch-size is given:
    the core's default (a recipe's ``batch_size`` before the recipe overrides it)."""
    batch_size = next(f for f in fields(Recipe) if f.name == "batch_size")
    return batch_size.default_factory()[data_kind]  # type: ignore[misc]


def describe_defaults(defaults: dict[str, int]) -> str:
    """``1,500 for images, 3,000 for points``."""
    return ", ".join(f"{n:,} for {_PLURAL.get(kind, kind)}" for kind, n in defaults.items())


@dataclass(frozen=True)
class Settings:
    """What must be equal for two cells' figures to be compared.

    ``steps`` / ``batch_size`` ``None`` mean the defaults for each dataset's kind of data
    (:data:`DEFAULT_STEPS`, :func:`default_batch_size`).  The part options are given to
    every model's generator / discriminator builder (e.g. a smaller ``base_channels`` for
    all convolutional models).  ``eval_every`` measures every trained cell during training
    every that many generator updates, with the bench's metrics: the report's curves.
    ``image_size`` resizes every image dataset (trained cells and references alike) to that
    side; point data is left as it is.
    """

    steps: int | None = None
    batch_size: int | None = None
    metrics: tuple[str, ...] | None = None
    num_samples: int | None = None
    generator_options: dict[str, Any] = field(default_factory=dict)
    discriminator_options: dict[str, Any] = field(default_factory=dict)
    eval_every: int | None = None
    #: the image metrics' measuring protocol (``None``: the automatic choice)
    protocol: str | None = None
    image_size: int | None = None

    def steps_for(self, data_kind: str) -> int:
        return self.steps or DEFAULT_STEPS[data_kind]

    def batch_size_for(self, data_kind: str) -> int:
        return self.batch_size or default_batch_size(data_kind)

    def image_size_for(self, data_kind: str) -> int | None:
        return self.image_size if data_kind == "image" else None

    def describe(self, kinds: Iterable[str]) -> str:
        """The budget on these kinds of data in words, e.g. ``generator updates per cell:
        1,500; batch size: 64`` (each default named per kind when several kinds are in play)."""
        kinds = sorted(set(kinds), key=list(DEFAULT_STEPS).index)
        steps = {k: self.steps_for(k) for k in kinds}
        batch = {k: self.batch_size_for(k) for k in kinds}

        def show(values: dict[str, int]) -> str:
            if len(set(values.values())) == 1:
                return f"{next(iter(values.values())):,}"
            return describe_defaults(values)

        size = (f"; images resized to {self.image_size}×{self.image_size}"
                if self.image_size and "image" in kinds else "")
        return f"generator updates per cell: {show(steps)}; batch size: {show(batch)}{size}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["metrics"] = list(self.metrics) if self.metrics is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Settings":
        metrics = data.get("metrics")
        return cls(
            steps=data.get("steps"),
            batch_size=data.get("batch_size"),
            metrics=tuple(metrics) if metrics is not None else None,
            num_samples=data.get("num_samples"),
            generator_options=dict(data.get("generator_options") or {}),
            discriminator_options=dict(data.get("discriminator_options") or {}),
            eval_every=data.get("eval_every"),
            protocol=data.get("protocol"),
            image_size=data.get("image_size"),
        )

    def differences(self, other: "Settings") -> list[str]:
        """Human-readable ``name: theirs → ours`` lines for every setting that differs."""
        mine, theirs = self.to_json(), other.to_json()
        def show(value: Any) -> str:
            return "default" if value is None else repr(value)

        return [
            f"{key}: {show(theirs[key])} → {show(mine[key])}"
            for key in mine
            if mine[key] != theirs[key]
        ]


@dataclass(frozen=True)
class Cell:
    """One entry of the grid; ``kind`` is trained, untrained (step 0), real data or images
    (``model`` names them, ``source`` is their folder or .npz)."""

    kind: str
    dataset: str
    model: str | None = None
    seed: int = 0
    source: str | None = None

    @property
    def key(self) -> str:
        """A stable name: the row key in results.jsonl and the run folder's name."""
        if self.kind == REAL:
            return f"real-{self.dataset}"
        if self.kind == IMAGES:
            return f"images-{self.model}-{self.dataset}"
        base = f"{self.model}-{self.dataset}-seed{self.seed}"
        return base if self.kind == TRAINED else f"{base}-{UNTRAINED}"

    @property
    def label(self) -> str:
        """How the cell's group is named in tables and reports."""
        if self.kind == REAL:
            return "real data (held-out)"
        if self.kind == IMAGES:
            return f"{self.model} (images)"
        return self.model if self.kind == TRAINED else f"{self.model} (untrained)"

    def run_dir(self, out: Path) -> Path | None:
        """The run folder this cell trains into; real-data and images cells have none."""
        return None if self.kind in (REAL, IMAGES) else out / "runs" / self.key

    def describe(self) -> str:
        if self.kind == REAL:
            return f"real data · {self.dataset}"
        if self.kind == IMAGES:
            return f"images {self.model} ({self.source}) · {self.dataset}"
        what = "untrained " if self.kind == UNTRAINED else ""
        return f"{what}{self.model} · {self.dataset} · seed {self.seed}"


def parse_images(spec: str) -> tuple[str, str | None, str]:
    """``NAME=PATH`` or ``NAME@DATASET=PATH`` as ``(name, dataset or None, path)``."""
    label, sep, path = spec.partition("=")
    name, at, dataset = label.partition("@")
    if not (sep and name.strip() and path.strip()) or (at and not dataset.strip()):
        raise GanzooError(
            f"--include-images takes NAME=PATH or NAME@DATASET=PATH (a folder of PNG/JPEG "
            f"files or an .npz), e.g. --include-images stylegan=samples.npz; got {spec!r}."
        )
    return name.strip(), dataset.strip() or None, path.strip()


def images_cells(images: Iterable[str], datasets: list[str]) -> list[Cell]:
    """The images rows: ``NAME=PATH`` on every bench dataset, ``NAME@DATASET=PATH`` on that
    one (which must be among the bench's datasets)."""
    cells = []
    for spec in images:
        name, dataset, path = parse_images(spec)
        if dataset is not None and dataset not in datasets:
            raise GanzooError(
                f"--include-images {spec!r} names dataset {dataset!r}, which is not among "
                f"--datasets ({', '.join(datasets)}); add it there or name one of those."
            )
        cells.extend(Cell(IMAGES, d, name, 0, path) for d in ([dataset] if dataset else datasets))
    return cells


def grid(
    models: list[str], datasets: list[str], seeds: int, *, references: bool = True,
    images: Iterable[str] = (),
) -> list[Cell]:
    """Every cell of the bench, references and images first per dataset (they are quick to
    measure)."""
    extra = images_cells(images, datasets)
    cells: list[Cell] = []
    for dataset in datasets:
        if references:
            cells.append(Cell(REAL, dataset))
            cells.extend(Cell(UNTRAINED, dataset, model, 0) for model in models)
        cells.extend(c for c in extra if c.dataset == dataset)
        cells.extend(
            Cell(TRAINED, dataset, model, seed) for model in models for seed in range(seeds)
        )
    return cells


def train_config(cell: Cell, settings: Settings, data_kind: str, out: Path, *,
                 device: str = "cpu", trackers: tuple[str, ...] = (),
                 resume: bool = False) -> TrainConfig:
    """The training request of a trained cell, or of an untrained one (0 steps), in its
    run folder under ``out``."""
    return TrainConfig(
        model=cell.model or "",
        dataset=cell.dataset,
        steps=settings.steps_for(data_kind) if cell.kind == TRAINED else 0,
        batch_size=settings.batch_size_for(data_kind),
        image_size=settings.image_size_for(data_kind),
        seed=cell.seed,
        generator_options=dict(settings.generator_options),
        discriminator_options=dict(settings.discriminator_options),
        device=device,
        out=cell.run_dir(out),
        resume=resume,
        trackers=trackers if cell.kind == TRAINED else (),
        eval_every=(settings.eval_every or 0) if cell.kind == TRAINED else 0,
        eval_metrics=settings.metrics,
        eval_protocol=settings.protocol,
    )


def check_part_options(cells: Iterable[Cell], settings: Settings, registry: "Registry") -> None:
    """Refuse part options (``--g-opt``, ``--d-opt``) that a model's parts do not take,
    before anything trains or an output folder records them.  A model that cannot train on
    a dataset whatever the options is left to fail in its cells, like any other failure."""
    from ganzoo.training.resolve import resolve_plan

    if not (settings.generator_options or settings.discriminator_options):
        return
    bare = replace(settings, generator_options={}, discriminator_options={})
    pairs = {(c.model, c.dataset): c for c in cells if c.kind == TRAINED}
    for cell in pairs.values():
        data_kind = registry.get("dataset", cell.dataset).load().spec.kind
        try:
            resolve_plan(train_config(cell, bare, data_kind, Path()), registry)
        except GanzooError:
            continue
        try:
            resolve_plan(train_config(cell, settings, data_kind, Path()), registry)
        except GanzooError as exc:
            raise GanzooError(
                f"The part options do not fit {cell.model} on {cell.dataset}: {exc} Every "
                "model gets the same --g-opt and --d-opt; fix them, or bench that model "
                "separately. Nothing was run, and the output folder was left as it was."
            ) from exc

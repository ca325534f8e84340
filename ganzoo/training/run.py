"""The run folder: what a training run leaves behind, and how to load it back.

::

    runs/<model>-<dataset>/
        config.json          the request as asked, the resolved plan (what sample, eval,
                             --resume and the bench rebuild from), versions, plugins
        metrics.jsonl        one JSON object per logged step
        evaluations.jsonl    figures measured during training (--eval-every), one per line
        checkpoints/last.pt  everything needed to resume exactly (see training.checkpoint)
        samples/step-000500.png ... samples/final.png
        losses.png           loss curves, written when the run ends
        eval.json            figures from ``ganzoo eval``

Every file is written atomically (:mod:`ganzoo.files`); a run starting in a folder first
removes the temporary files a killed process left there (:func:`remove_leftovers`).

:func:`prepare_run` turns a request into the plan and options of a run (the recorded plan
when resuming); :func:`load_run` rebuilds the generator of a run with its averaged (EMA)
weights, for ``ganzoo sample``, the metrics and the bench runner.  Both read the plan that
the run recorded, never today's defaults.
"""

from __future__ import annotations

import copy
import json
import platform
import time
from dataclasses import dataclass, field, replace
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import Tensor

from ganzoo import __version__
from ganzoo.data.spec import DataSpec
from ganzoo.data.text import dataset_captions, encode_captions
from ganzoo.errors import GanzooError
from ganzoo.files import atomic_write_text, check_writable_folder, remove_temp_files
from ganzoo.latents import LatentSpace
from ganzoo.locking import LOCK_FILES
from ganzoo.plan import Plan
from ganzoo.registry import Registry
from ganzoo.training.build import build_generator, plan_conditioning
from ganzoo.training.checkpoint import load_checkpoint, migrated
from ganzoo.training.conditioning import Conditioning
from ganzoo.training.config import RunOptions, TrainConfig

#: Settings that may change when a run is resumed; everything else must match.
RESUMABLE_CHANGES = frozenset({
    "steps", "out", "resume", "device", "data_root", "download",
    "log_every", "sample_every", "checkpoint_every", "trackers", "compile",
    "eval_every", "eval_every_seconds", "eval_metrics", "eval_samples", "eval_protocol",
})
#: The same, as the user spells it (in messages).
RESUMABLE_FLAGS = ("--steps, --out, --device, --data-root, --download, --tracker, --compile "
                   "and the output and evaluation cadence")

#: Truncated samples of a batchnorm generator: its statistics re-estimated on this many
#: batches of this size (BigGAN-PyTorch's standing statistics use 16), from this seed.
STANDING_BATCHES, STANDING_BATCH, STANDING_SEED = 16, 64, 7919

#: The two translations of a model of unpaired data (CycleGAN's A→B and B→A).
DIRECTIONS = ("AtoB", "BtoA")

#: Layout of config.json; 1 (before plans were recorded) is read by re-resolving its request.
RECORD_FORMAT = 2


@dataclass(frozen=True)
class RunPaths:
    """Where each file of a run folder lives."""

    root: Path

    @property
    def config(self) -> Path:
        return self.root / "config.json"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.jsonl"

    @property
    def evaluations(self) -> Path:
        return self.root / "evaluations.jsonl"

    @property
    def checkpoint(self) -> Path:
        return self.root / "checkpoints" / "last.pt"

    @property
    def samples(self) -> Path:
        return self.root / "samples"

    @property
    def losses(self) -> Path:
        return self.root / "losses.png"

    def sample_at(self, step: int) -> Path:
        return self.samples / f"step-{step:06d}.png"

    @property
    def final_sample(self) -> Path:
        return self.samples / "final.png"

    @property
    def eval(self) -> Path:
        return self.root / "eval.json"

    def owns(self, path: Path) -> bool:
        """Whether ``path`` is one of the run's own files (or in its checkpoints or
        samples), which only the run itself may write."""
        path, root = path.resolve(), self.root.resolve()
        own = RunPaths(root)
        return (path in (own.config, own.metrics, own.evaluations, own.losses, own.eval)
                or path.is_relative_to(own.checkpoint.parent)
                or path.is_relative_to(own.samples))


def remove_leftovers(paths: RunPaths) -> None:
    """Remove the temporary files a killed run left; only while holding the folder's lock."""
    remove_temp_files(paths.root, paths.checkpoint.parent, paths.samples)


def _distribution_version(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def plugins_used(plan: Plan, registry: Registry) -> dict[str, dict[str, str | None]]:
    """``{"kind:name": {plugin, distribution, version}}`` for every part of ``plan``: what
    to install to rebuild it (recorded in ``config.json`` and in exported model cards)."""
    used = [("model", plan.model), ("dataset", plan.dataset), ("method", plan.method.name),
            ("generator", plan.generator.name), ("discriminator", plan.discriminator.name),
            ("loss", plan.loss.name)]
    used += [("regularizer", r.name) for r in plan.all_regularizers]
    plugins = {}
    for kind, name in used:
        entry = registry.get(kind, name)
        plugins[f"{kind}:{name}"] = {
            "plugin": entry.plugin,
            "distribution": entry.distribution,
            "version": _distribution_version(entry.distribution),
        }
    return plugins


def run_record(config: TrainConfig | None, plan: Plan, registry: Registry, device: torch.device) -> dict[str, Any]:
    """The contents of ``config.json``: what was asked, what it resolved to, and with what."""
    plugins = plugins_used(plan, registry)
    import torchvision

    return {
        "format": RECORD_FORMAT,
        "config": config.to_json() if config is not None else None,
        "plan": plan.to_dict(),
        "seed": plan.seed,
        "device": str(device),
        "versions": {
            "python": platform.python_version(),
            "torch": torch.__version__,
            "torchvision": torchvision.__version__,
            "ganzoo": __version__,
        },
        "plugins": plugins,
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace ``path`` atomically: a failed rewrite on resume keeps the run loadable."""
    atomic_write_text(path, json.dumps(data, indent=2) + "\n")


def read_record(run_dir: Path) -> dict[str, Any]:
    """The parsed ``config.json`` of a run folder."""
    path = RunPaths(Path(run_dir)).config
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record["config"] is not None:
            TrainConfig.from_json(record["config"])
        return record
    except FileNotFoundError:
        raise GanzooError(
            f"{run_dir} is not a ganzoo run folder (no config.json). Pass the folder a "
            "'ganzoo train' run wrote, e.g. runs/gan-ring8."
        ) from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise GanzooError(f"{path} is damaged ({type(exc).__name__}: {exc}).") from exc


def read_plan(run_dir: Path, registry: Registry) -> Plan:
    """The plan a run recorded.  Runs from before plans were recorded (config.json format
    1) are rebuilt from their request and the choices they described (see
    :mod:`ganzoo.training.legacy`)."""
    record = read_record(run_dir)
    where = f"The plan in {RunPaths(Path(run_dir)).config}"
    if record.get("format", 1) >= RECORD_FORMAT:
        return Plan.from_dict(record["plan"], where)
    from ganzoo.training.legacy import legacy_plan

    try:
        return legacy_plan(record, registry)
    except (KeyError, TypeError, ValueError) as exc:
        raise GanzooError(f"{where} (written by an older ganzoo) cannot be read "
                          f"({type(exc).__name__}: {exc}).") from exc


def prepare_run(config: TrainConfig, registry: Registry) -> tuple[Plan, RunOptions]:
    """The plan and options of the run ``config`` asks for, after checking its folder: a
    new run resolves its plan now; a resumed one takes the plan it recorded."""
    from ganzoo.training.resolve import resolve_plan

    options = config.run_options()
    if not check_run_folder(RunPaths(options.run_dir), config.resume):
        return resolve_plan(config, registry), options
    saved = read_record(options.run_dir)["config"]
    if saved is not None:
        check_resumable(TrainConfig.from_json(saved), config, options.run_dir)
    return read_plan(options.run_dir, registry), options


def check_resumable(saved: TrainConfig, config: TrainConfig, run_dir: Path) -> None:
    """Refuse to resume a run with settings that would make it a different run."""
    old, new = saved.to_json(), config.to_json()
    changed = [k for k in new if k not in RESUMABLE_CHANGES and old.get(k, new[k]) != new[k]]
    if changed:
        diffs = "; ".join(f"{k}: {old.get(k)!r} in the run, {new[k]!r} now" for k in changed)
        raise GanzooError(
            f"Cannot resume {run_dir} with different settings ({diffs}). A resumed run keeps "
            f"its settings (only {RESUMABLE_FLAGS} may change); "
            "repeat the original options, or start a new run with another --out."
        )


def check_run_folder(paths: RunPaths, resume: bool) -> bool:
    """Check the run folder against ``--resume`` and that it can be written; True when
    there is a run to resume."""
    check_writable_folder(paths.root)
    has_checkpoint = paths.checkpoint.exists()
    if resume:
        if not has_checkpoint:
            raise GanzooError(
                f"Nothing to resume in {paths.root}: it has no checkpoints/last.pt. Drop "
                "--resume to start a new run there."
            )
        return True
    if has_checkpoint:
        raise GanzooError(
            f"The run folder {paths.root} already holds a trained run. Add --resume to "
            "continue it, or pick another folder with --out."
        )
    if paths.root.exists() and not paths.config.exists() and any(
            entry.name not in LOCK_FILES for entry in paths.root.iterdir()):
        raise GanzooError(
            f"{paths.root} is not empty and is not a ganzoo run folder. Pick an empty or new "
            "folder with --out."
        )
    return False


@dataclass
class LoadedRun:
    """A trained run's generator (EMA weights, eval mode) and what it needs to sample:
    loaded from a run folder (:func:`load_run`) or from a file ``ganzoo export`` wrote
    (:func:`ganzoo.export.load_exported`; ``run_dir`` is then that weights file)."""

    run_dir: Path
    plan: Plan
    data_root: Path | None
    spec: DataSpec
    conditioning: Conditioning
    generator: torch.nn.Module
    device: torch.device
    step: int
    registry: Registry
    #: generators with batchnorm statistics re-estimated per truncation threshold
    _standing: dict[float, torch.nn.Module] = field(default_factory=dict, repr=False)

    def dataset(self, split: str) -> Any:
        """The run's dataset (``split``), from where it was trained and at its size."""
        info = self.registry.get("dataset", self.plan.dataset).load()
        return info.build(root=self.data_root, split=split, image_size=self.plan.image_size)

    @property
    def num_classes(self) -> int:
        return self.spec.num_classes if self.plan.conditioning == "class" else 0

    @property
    def latent_space(self) -> LatentSpace | None:
        """What the generator's latent vectors are (``None`` for image-to-image models)."""
        return self.conditioning.latent_space(self.generator)

    def latents(self, n: int, seed: int = 0, *, truncation: float | None = None,
                codes: Mapping[str, float] | None = None) -> Tensor | None:
        """``n`` latent vectors drawn with ``seed`` (``None`` for image-to-image models);
        ``truncation`` keeps the noise within ±truncation, ``codes`` fixes named codes."""
        return self._latents(n, torch.Generator().manual_seed(seed), truncation, codes)

    def _latents(self, n: int, rng: torch.Generator, truncation: float | None,
                 codes: Mapping[str, float] | None) -> Tensor | None:
        space = self.latent_space
        if space is None:
            if truncation is not None or codes:
                raise GanzooError(
                    f"The model {self.plan.model!r} has no latent vector to truncate or set "
                    "codes in: it maps input images to outputs."
                )
            return None
        return space.sample(n, "cpu", rng, truncation=truncation, codes=codes)

    def translating(self, direction: str) -> "LoadedRun":
        """The run translating ``direction`` (``"AtoB"`` or ``"BtoA"``) of a model of
        unpaired data: itself, or with its B→A translator (the generator's ``b_to_a``) as
        the generator and the two domains' shapes swapped."""
        if self.plan.conditioning != "unpaired":
            raise GanzooError(
                f"The model {self.plan.model!r} has one direction; a direction (AtoB, BtoA) "
                "applies to models trained on unpaired data, such as cyclegan."
            )
        if direction not in DIRECTIONS:
            raise GanzooError(f"Unknown direction {direction!r}; use AtoB or BtoA.")
        if direction == "AtoB":
            return self
        spec = replace(self.spec, shape=self.spec.input_shape, input_shape=self.spec.shape)
        return replace(self, spec=spec, generator=self.generator.b_to_a, _standing={})

    def _random_cond(self, n: int, rng: torch.Generator) -> Tensor | None:
        """Conditions nobody asked for: random classes, or captions drawn from the test
        split of a text-to-image model's dataset (read on first need)."""
        if self.plan.conditioning == "text" and not self.conditioning.captions:  # type: ignore[attr-defined]
            info = self.registry.get("dataset", self.plan.dataset).load()
            split = "test" if "test" in info.splits else info.splits[0]
            try:
                captions = dataset_captions(self.dataset(split))
            except GanzooError as exc:
                raise GanzooError(f"{exc} Or give the text to generate from: ganzoo sample "
                                  "RUN --text \"...\" (texts= in Python).") from exc
            self.conditioning = self.conditioning.with_captions(captions)  # type: ignore[attr-defined]
        return self.conditioning.random_cond(n, "cpu", rng)

    def _captions(self, n: int, texts: list[str] | None, rng: torch.Generator) -> Tensor:
        """Caption codes for a text-to-image model: ``texts`` (one, repeated, or ``n``), else
        ``n`` captions drawn from its dataset's test split."""
        if texts is None:
            return self._random_cond(n, rng)  # type: ignore[return-value]
        codes = encode_captions(list(texts))
        return codes.expand(n, -1) if len(texts) == 1 else codes

    def _conditions(self, n: int, labels: Tensor | int | None, inputs: Tensor | None,
                    rng: torch.Generator, texts: list[str] | None = None) -> Tensor | None:
        kind = self.plan.conditioning
        if kind == "text" and labels is None and inputs is None:
            return self._captions(n, texts, rng)
        if texts is not None or kind == "text":
            raise GanzooError(
                f"The model {self.plan.model!r} generates from text: give it captions "
                "(--text), not classes or input images." if kind == "text" else
                f"The model {self.plan.model!r} does not generate from text; --text (texts=) "
                "applies to text-to-image models such as gan-cls."
            )
        if kind in ("image", "unpaired"):
            if inputs is None:
                raise GanzooError(
                    f"The model {self.plan.model!r} translates images: give input images "
                    "to sample from (ganzoo sample RUN --input img.png)."
                )
            expected = tuple(self.spec.input_shape or ())
            if tuple(inputs.shape[1:]) != expected:
                raise GanzooError(
                    f"Input images have shape {tuple(inputs.shape[1:])}; this model takes "
                    f"{'×'.join(map(str, expected))}."
                )
            return inputs.expand(n, *expected) if len(inputs) == 1 else inputs
        if kind == "class":
            if labels is None:
                return self.conditioning.random_cond(n, "cpu", rng)
            labels = torch.as_tensor(labels, dtype=torch.long).expand(n)
            bad = labels[(labels < 0) | (labels >= self.num_classes)]
            if len(bad):
                raise GanzooError(
                    f"Class {int(bad[0])} is out of range: the model {self.plan.model!r} "
                    f"was trained on {self.num_classes} classes (0–{self.num_classes - 1})."
                )
            return labels
        if labels is not None:
            raise GanzooError(
                f"The model {self.plan.model!r} is not class-conditional; it cannot "
                "sample a given class. Train a conditional model such as cgan."
            )
        if inputs is not None:
            raise GanzooError(
                f"The model {self.plan.model!r} does not take input images."
            )
        return None

    @torch.no_grad()
    def generate(self, latents: Tensor | None, cond: Tensor | None,
                 batch_size: int = 256, truncation: float | None = None) -> Tensor:
        """Run the generator over given latents/conditions in batches; results on the CPU.
        Latents drawn with ``truncation`` go through :meth:`truncated_generator`."""
        generator = self.truncated_generator(truncation)
        n = len(latents) if latents is not None else len(cond)  # type: ignore[arg-type]
        out = []
        for i in range(0, n, batch_size):
            z = latents[i : i + batch_size].to(self.device) if latents is not None else None
            c = cond[i : i + batch_size].to(self.device) if cond is not None else None
            out.append(generator(z, c).float().cpu())
        return torch.cat(out)

    @torch.no_grad()
    def truncated_generator(self, truncation: float | None) -> torch.nn.Module:
        """The generator to run on noise truncated at ``truncation``: itself, or for a
        generator with batchnorm a copy whose statistics are re-estimated on such noise
        (BigGAN's "standing statistics"): the saved ones come from untruncated noise, and
        with them truncated samples fade towards blank images."""
        norms = (torch.nn.modules.batchnorm._BatchNorm,)
        if truncation is None or not any(isinstance(m, norms) for m in self.generator.modules()):
            return self.generator
        if truncation not in self._standing:
            generator = copy.deepcopy(self.generator).train()
            for module in generator.modules():
                if isinstance(module, norms):
                    module.reset_running_stats()
                    module.momentum = None  # a cumulative average over the batches below
            rng = torch.Generator().manual_seed(STANDING_SEED)
            for _ in range(STANDING_BATCHES):
                z = self._latents(STANDING_BATCH, rng, truncation, None)
                cond = self._random_cond(STANDING_BATCH, rng)
                generator(z.to(self.device),  # type: ignore[union-attr]
                          cond.to(self.device) if cond is not None else None)
            self._standing[truncation] = generator.eval()
        return self._standing[truncation]

    def sample(self, n: int, *, labels: Tensor | int | None = None,
               inputs: Tensor | None = None, seed: int = 0, batch_size: int = 256,
               truncation: float | None = None,
               codes: Mapping[str, float] | None = None,
               direction: str | None = None, texts: list[str] | None = None) -> Tensor:
        """``n`` samples (images in [-1, 1], points in data coordinates) on the CPU.

        Class-conditional models draw uniform random classes unless ``labels`` (one class or
        one per sample) is given; image-to-image models need ``inputs`` (one image, repeated,
        or ``n``).  ``truncation`` (the truncation trick) and ``codes`` (named latent codes
        set to values, InfoGAN's) shape the latent vectors, as :meth:`latents` says.
        Models of unpaired data translate ``direction`` ``"AtoB"`` (default) or ``"BtoA"``.
        Text-to-image models draw from ``texts`` (one caption, repeated, or ``n``), else from
        captions of their dataset's test split.
        """
        if direction is not None:
            return self.translating(direction).sample(n, inputs=inputs, seed=seed,
                                                      batch_size=batch_size)
        latents, cond = self.draw(n, labels=labels, inputs=inputs, seed=seed,
                                  truncation=truncation, codes=codes, texts=texts)
        return self.generate(latents, cond, batch_size, truncation)

    def draw(self, n: int, *, labels: Tensor | int | None = None,
             inputs: Tensor | None = None, seed: int = 0, truncation: float | None = None,
             codes: Mapping[str, float] | None = None,
             texts: list[str] | None = None) -> tuple[Tensor | None, Tensor | None]:
        """The latent vectors and conditions :meth:`sample` feeds the generator, drawn the
        same way (``ganzoo sample --save-latents`` keeps them to reuse exemplars)."""
        if inputs is not None and len(inputs) > 1:
            n = len(inputs)
        if texts is not None and len(texts) > 1:
            n = len(texts)
        rng = torch.Generator().manual_seed(seed)
        latents = self._latents(n, rng, truncation, codes)
        return latents, self._conditions(n, labels, inputs, rng, texts)

    def sweep(self, code: str, rows: int, steps: int = 10, *, labels: Tensor | int | None = None,
              seed: int = 0, truncation: float | None = None,
              codes: Mapping[str, float] | None = None, batch_size: int = 256) -> Tensor:
        """``rows`` latent vectors, each drawn with every value of ``code`` (``rows, values,
        *shape``): each category of a categorical code, or ``steps`` values from -2 to 2 of
        a continuous one; everything else in a row stays fixed."""
        space = self.latent_space
        if space is None:
            raise GanzooError(
                f"The model {self.plan.model!r} has no latent codes to vary: it maps input "
                "images to outputs."
            )
        values = space.code(code).values(steps)
        rng = torch.Generator().manual_seed(seed)
        z = space.sample(rows, "cpu", rng, truncation=truncation, codes=codes)
        grid = torch.stack([space.with_code(z, code, v) for v in values], 1)
        cond = self._conditions(rows, labels, None, rng)
        if cond is not None:
            cond = cond.repeat_interleave(len(values))
        out = self.generate(grid.flatten(0, 1), cond, batch_size, truncation)
        return out.view(rows, len(values), *out.shape[1:])

    def walks(self, rows: int, steps: int, *, labels: Tensor | int | None = None,
              seed: int = 0, truncation: float | None = None,
              codes: Mapping[str, float] | None = None, batch_size: int = 256) -> Tensor:
        """``rows`` latent walks of ``steps`` samples each (``rows, steps, *shape``), from
        one random latent to another by :func:`slerp`, one class per walk."""
        if self.plan.conditioning in ("image", "unpaired"):
            raise GanzooError(
                f"The model {self.plan.model!r} has no latent space to walk: it maps "
                "input images to outputs."
            )
        rng = torch.Generator().manual_seed(seed)
        ends = self._latents(2 * rows, rng, truncation, codes)
        path = slerp(ends[:rows], ends[rows:], torch.linspace(0, 1, steps))  # type: ignore[index]
        cond = self._conditions(rows, labels, None, rng)
        if cond is not None:
            cond = cond.repeat_interleave(steps)
        out = self.generate(path.flatten(0, 1), cond, batch_size, truncation)
        return out.view(rows, steps, *out.shape[1:])


def slerp(a: Tensor, b: Tensor, t: Tensor) -> Tensor:
    """Spherical interpolation between rows of ``a`` and ``b`` (``R, D``) at fractions ``t``
    (``S``), giving ``R, S, D``: Gaussian latents keep their typical norm along the way
    (White 2016), where a straight line would pass through unlikely, short vectors."""
    unit_a = a / a.norm(dim=1, keepdim=True).clamp_min(1e-12)
    unit_b = b / b.norm(dim=1, keepdim=True).clamp_min(1e-12)
    omega = torch.acos((unit_a * unit_b).sum(1).clamp(-1.0, 1.0))[:, None, None]
    t = t[None, :, None]
    sin = torch.sin(omega)
    nearly_parallel = sin.abs() < 1e-6
    safe = torch.where(nearly_parallel, torch.ones_like(sin), sin)
    w_a = torch.where(nearly_parallel, 1 - t, torch.sin((1 - t) * omega) / safe)
    w_b = torch.where(nearly_parallel, t, torch.sin(t * omega) / safe)
    return w_a * a[:, None] + w_b * b[:, None]


def rebuild_generator(plan: Plan, registry: Registry, weights: Mapping[str, Tensor],
                      device: torch.device, mismatch: str, advice: str) -> torch.nn.Module:
    """``plan``'s generator with ``weights`` loaded, on ``device``, in eval mode without
    gradients; weights that do not fit are a GanzooError: ``mismatch`` (what did not fit),
    the first line of torch's complaint, then ``advice``."""
    generator = build_generator(plan, registry)
    try:
        generator.load_state_dict(weights)
    except RuntimeError as exc:
        raise GanzooError(f"{mismatch} ({str(exc).splitlines()[0]}). {advice}") from exc
    return generator.to(device).eval().requires_grad_(False)


def load_run(run_dir: str | Path, *, device: str | torch.device = "cpu",
             registry: Registry | None = None) -> LoadedRun:
    """Rebuild a run's generator with its EMA weights from ``checkpoints/last.pt``."""
    from ganzoo.distributed import resolve_device

    if registry is None:
        from ganzoo.plugins import get_registry

        registry = get_registry()
    run_dir = Path(run_dir)
    plan = read_plan(run_dir, registry)
    path = RunPaths(run_dir).checkpoint
    state = migrated(load_checkpoint(path), path)
    dev = resolve_device(str(device))
    generator = rebuild_generator(
        plan, registry, state["ema"]["module"], dev,
        f"The generator saved in {path} does not fit the one its plan builds",
        "The run folder may be damaged, or it predates recorded plans and was made with "
        "other defaults.")
    request = read_record(run_dir)["config"] or {}
    data_root = Path(request["data_root"]) if request.get("data_root") else None
    return LoadedRun(run_dir, plan, data_root, plan.spec, plan_conditioning(plan), generator,
                     dev, int(state["step"]), registry)

"""A trained generator as files anyone can load safely: ``ganzoo export`` and back.

::

    model.safetensors    the generator's weights (the run's EMA average; with ``ema_decay``
                         0 that average is the generator itself), safetensors: no pickle
    model.card.json      the model card: how to rebuild the generator, and what it is

The card holds the run's recorded plan (every part with its builder options), the data it
was trained on (dataset, :class:`DataSpec`, image size), the training budget (steps,
generator and discriminator updates, real images seen, wall time), the versions it was made
with, the plugin and distribution of every part, the run's ``eval.json`` figures with their
provenance (each ``measured_with`` names the checkpoint step it measured), and the sha256
of the weights file, checked on load.  Everything that is not a weight (the network's
structure, its latent space, the class count) is rebuilt from the plan by today's plugins,
never unpickled; a part whose plugin is missing is refused with the ``pip install`` line.

:func:`load_exported` gives the same :class:`LoadedRun` that a run folder gives, so
``ganzoo sample model.safetensors`` and ``ganzoo sample RUN`` share every sampling path and
draw the same images from the same seed; :func:`load_generator` wraps it as an
``nn.Module`` for scripts.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Mapping

import torch
from torch import Tensor, nn

from ganzoo import __version__
from ganzoo.errors import GanzooError
from ganzoo.files import atomic_write_bytes, atomic_write_text, check_writable
from ganzoo.latents import LatentSpace
from ganzoo.plan import Plan
from ganzoo.registry import Registry
from ganzoo.training.build import plan_conditioning
from ganzoo.training.checkpoint import load_checkpoint, migrated
from ganzoo.training.run import (LoadedRun, RunPaths, plugins_used, read_plan, read_record,
                                 rebuild_generator)

#: What an exported weights file is called: ``NAME.safetensors``, its card ``NAME.card.json``.
WEIGHTS_SUFFIX = ".safetensors"
CARD_SUFFIX = ".card.json"
#: Layout of the model card; a newer one is refused with a clear message.
CARD_FORMAT = 1
#: The safetensors header's metadata: what the file is, for tools that only see it.
FILE_KIND = "ganzoo generator"


def card_path(weights: Path) -> Path:
    """The model card beside ``weights``: ``model.safetensors`` → ``model.card.json``."""
    return weights.with_suffix(CARD_SUFFIX)


def is_exported(path: Path) -> bool:
    """Whether ``path`` names an exported generator (rather than a run folder)."""
    return path.suffix.lower() == WEIGHTS_SUFFIX


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from ganzoo.plugins import get_registry

    return get_registry()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _weights(state: Mapping[str, Any], source: Path) -> dict[str, Tensor]:
    """The state dict as separate contiguous CPU tensors (safetensors stores no strides,
    e.g. channels_last, and no tensors sharing memory); non-tensor state is refused."""
    odd = [k for k, v in state.items() if not isinstance(v, Tensor)]
    if odd:
        raise GanzooError(
            f"The generator in {source} keeps non-tensor state ({', '.join(odd)}), which a "
            "safetensors file cannot hold. Its plugin must rebuild that state from its "
            "options instead of saving it."
        )
    return {k: v.detach().cpu().clone(memory_format=torch.contiguous_format)
            for k, v in state.items()}


def _evaluation(run_dir: Path) -> dict[str, Any]:
    path = RunPaths(run_dir).eval
    if not path.exists():
        return {}
    try:
        figures = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise GanzooError(f"{path} is damaged ({exc}); re-run 'ganzoo eval {run_dir}' "
                          "or remove it, then export again.") from None
    if not isinstance(figures, dict):
        raise GanzooError(f"{path} is not an eval.json that ganzoo wrote.")
    return figures


def model_card(run_dir: Path, plan: Plan, state: Mapping[str, Any], registry: Registry,
               weights_name: str, sha256: str) -> dict[str, Any]:
    """The card of the generator of ``run_dir`` (checkpoint ``state``), whose weights file
    ``weights_name`` has digest ``sha256``."""
    record = read_record(run_dir)
    request = record.get("config") or {}
    return {
        "format": CARD_FORMAT,
        "kind": FILE_KIND,
        "weights": {"file": weights_name, "sha256": sha256,
                    "average": "ema" if plan.ema_decay > 0 else "none (ema_decay 0)"},
        "plan": plan.to_dict(),
        "data": {"dataset": plan.dataset, "shape": list(plan.spec.shape),
                 "image_size": plan.image_size, "num_classes": plan.spec.num_classes,
                 "conditioning": plan.conditioning,
                 "values": "images in [-1, 1]" if plan.spec.is_image else "points"},
        "training": {"steps": int(state["step"]), "steps_asked": request.get("steps"),
                     "generator_updates": int(state["step"]),
                     "discriminator_updates": int(state["d_steps"]),
                     "images_seen": int(state["d_steps"]) * plan.batch_size,
                     "wall_time_s": round(float(state["elapsed_s"]), 3),
                     "seed": plan.seed, "device": record.get("device"),
                     "trained_with": record.get("versions", {})},
        "plugins": plugins_used(plan, registry),
        "needed_to_load": [f"{kind}:{name}" for kind, name in needed_parts(plan)],
        "evaluation": _evaluation(run_dir),
        "source": {"run": run_dir.resolve().name, "run_written": record.get("written"),
                   "exported_with": {"ganzoo": __version__, "torch": torch.__version__}},
    }


def export(run_dir: str | Path, out: str | Path, *, force: bool = False,
           registry: Registry | None = None) -> Path:
    """Write the (EMA) generator of ``run_dir`` to ``out`` (``.safetensors``) and its card
    beside it; returns the card's path.  Existing files are refused unless ``force``; the
    generator is first rebuilt from the run's plan with these weights, so files that cannot
    load are never written."""
    from safetensors.torch import save

    run_dir, out = Path(run_dir), Path(out)
    card = card_path(out)
    if not is_exported(out):
        raise GanzooError(f"Export to a {WEIGHTS_SUFFIX} file (e.g. --out model.safetensors), "
                          f"not {out.name}; its card is written beside it as NAME{CARD_SUFFIX}.")
    existing = [str(p) for p in (out, card) if p.exists()]
    if existing and not force:
        raise GanzooError(f"Will not overwrite {' and '.join(existing)}: add --force to "
                          "replace, or choose another --out.")
    if RunPaths(run_dir).owns(out) or RunPaths(run_dir).owns(card):
        raise GanzooError(f"--out {out} is inside the run's own files; write it elsewhere.")
    check_writable(out)
    registry = _registry(registry)
    plan = read_plan(run_dir, registry)
    path = RunPaths(run_dir).checkpoint
    state = migrated(load_checkpoint(path), path)
    tensors = _weights(state["ema"]["module"], path)
    rebuild_generator(plan, registry, tensors, torch.device("cpu"),
                      f"The generator saved in {path} does not fit the one its plan builds",
                      "The run folder may be damaged; it cannot be exported.")
    data = save(tensors, metadata={"kind": FILE_KIND, "card": card.name})
    info = model_card(run_dir, plan, state, registry, out.name, _sha256(data))
    atomic_write_bytes(out, data)
    atomic_write_text(card, json.dumps(info, indent=2) + "\n")
    return card


def read_card(weights: Path) -> dict[str, Any]:
    """The model card beside ``weights``, parsed and of a format this ganzoo reads."""
    path = card_path(weights)
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GanzooError(
            f"No model card beside {weights} (expected {path}). 'ganzoo export' writes the "
            "two together; keep them side by side under the same name."
        ) from None
    except ValueError as exc:
        raise GanzooError(f"The model card {path} is damaged ({exc}).") from None
    if not isinstance(card, dict) or card.get("kind") != FILE_KIND:
        raise GanzooError(f"{path} is not a ganzoo model card (written by 'ganzoo export').")
    if not isinstance(card.get("format"), int) or card["format"] > CARD_FORMAT:
        raise GanzooError(
            f"{path} has card format {card.get('format')!r}, which this ganzoo (format "
            f"{CARD_FORMAT}) does not know: upgrade ganzoo (pip install -U torch-ganzoo)."
        )
    return card


def _install_hint(info: Mapping[str, Any] | None) -> str:
    if not isinstance(info, Mapping) or not info.get("distribution"):
        return "install the plugin that provides it"
    wanted = info["distribution"] + (f"=={info['version']}" if info.get("version") else "")
    return (f"it comes from plugin {info.get('plugin')!r} of the distribution {wanted}: "
            f"pip install '{wanted}'")


def needed_parts(plan: Plan) -> list[tuple[str, str]]:
    """``(kind, name)`` of the parts that rebuild the generator: itself and the
    regularizers that may wrap it (the rest of the card's parts are provenance)."""
    return [("generator", plan.generator.name),
            *(("regularizer", r.name) for r in plan.all_regularizers)]


def check_parts(plan: Plan, card: Mapping[str, Any], registry: Registry, where: Path) -> None:
    """Refuse, naming what to ``pip install``, a part the generator needs (itself and the
    regularizers that wrap it) that no installed plugin provides."""
    plugins = card.get("plugins") or {}
    for kind, name in needed_parts(plan):
        if (kind, name) not in registry:
            raise GanzooError(
                f"The model {where} needs the {kind} {name!r}, which no installed plugin "
                f"provides; {_install_hint(plugins.get(f'{kind}:{name}'))}."
            )


def _version_notes(card: Mapping[str, Any]) -> str:
    """Which distributions differ from the versions the card names: a likely reason that
    weights do not fit."""
    diffs = set()
    for info in (card.get("plugins") or {}).values():
        if isinstance(info, Mapping) and info.get("distribution") and info.get("version"):
            try:
                installed = version(info["distribution"])
            except PackageNotFoundError:
                installed = "none"
            if installed != info["version"]:
                diffs.add(f"{info['distribution']} {info['version']} (installed: {installed})")
    return f" The card was made with {', '.join(sorted(diffs))}." if diffs else ""


def load_exported(path: str | Path, *, device: str | torch.device = "cpu",
                  registry: Registry | None = None) -> LoadedRun:
    """The generator in an exported ``.safetensors`` file, rebuilt from its card, as a
    :class:`LoadedRun` (``run_dir`` is the weights file; ``step`` the steps it trained)."""
    return _load(Path(path), device, registry)[0]


def _load(path: Path, device: str | torch.device,
          registry: Registry | None) -> tuple[LoadedRun, dict[str, Any]]:
    from safetensors import SafetensorError
    from safetensors.torch import load

    from ganzoo.distributed import resolve_device

    if not path.is_file():
        raise GanzooError(f"No exported generator at {path} (a .safetensors file that "
                          "'ganzoo export' wrote, with its .card.json beside it).")
    card = read_card(path)
    data = path.read_bytes()
    expected = (card.get("weights") or {}).get("sha256")
    if _sha256(data) != expected:
        raise GanzooError(
            f"{path} does not match its model card {card_path(path)}: its sha256 differs "
            "from the one recorded at export. The file is damaged or was replaced; export "
            "it again, or fetch both files again."
        )
    registry = _registry(registry)
    plan = Plan.from_dict(card.get("plan") or {}, f"The plan in {card_path(path)}")
    check_parts(plan, card, registry, path)
    try:
        tensors = load(data)
    except SafetensorError as exc:
        raise GanzooError(f"{path} is not a readable safetensors file ({exc}).") from None
    dev = resolve_device(str(device))
    generator = rebuild_generator(
        plan, registry, tensors, dev,
        f"The weights in {path} do not fit the generator its card's plan builds",
        "The installed plugins may build it differently from those it was exported with."
        + _version_notes(card))
    steps = (card.get("training") or {}).get("steps") or 0
    return LoadedRun(path, plan, None, plan.spec, plan_conditioning(plan), generator, dev,
                     int(steps), registry), card


class ExportedGenerator(nn.Module):
    """An exported generator, ready to call: ``model(z, cond)`` as in training, with what
    sampling needs beside it.

    ``latent_space`` says what ``z`` is (``None`` for image-to-image models); ``spec`` the
    data it makes; ``num_classes`` the classes of a class-conditional model (else 0);
    ``card`` the model card; ``sample(n, ...)`` draws as :meth:`LoadedRun.sample` (the same
    images as ``ganzoo sample`` for the same seed).  Choose the device when loading
    (``load_generator(path, device=...)``): ``sample`` draws there.
    """

    def __init__(self, run: LoadedRun, card: dict[str, Any]):
        super().__init__()
        self.module = run.generator
        self.run = run
        self.card = card
        self.plan = run.plan
        self.spec = run.spec
        self.num_classes = run.num_classes
        self.eval().requires_grad_(False)

    @property
    def latent_space(self) -> LatentSpace | None:
        return self.run.latent_space

    def forward(self, z: Tensor | None, cond: Tensor | None = None) -> Tensor:
        return self.module(z, cond)

    def sample(self, n: int, **options: Any) -> Tensor:
        """``n`` samples on the CPU (``labels=``, ``inputs=``, ``seed=``, ``truncation=``,
        ``codes=`` as :meth:`LoadedRun.sample` takes them)."""
        return self.run.sample(n, **options)


def load_generator(path: str | Path, *, device: str | torch.device = "cpu",
                   registry: Registry | None = None) -> ExportedGenerator:
    """The generator ``ganzoo export`` wrote to ``path``, in eval mode (see
    :class:`ExportedGenerator`)."""
    return ExportedGenerator(*_load(Path(path), device, registry))

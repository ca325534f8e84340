"""``ganzoo new-plugin``: a ready plugin package, with one example of each chosen kind.

The package is assembled from the plain ``string.Template`` files in ``templates/``: a
plugin is a handful of small files, so a template engine (cookiecutter, copier) would add a
dependency and a second templating language for what ``$name`` substitution does.  The
result installs with ``pip install -e .`` and passes its own tests at once; the example in
``docs/example-plugin`` is this output for the name ``example``, checked by a test.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from string import Template

from ganzoo.errors import GanzooError

TEMPLATES = Path(__file__).parent / "templates"

#: the kinds an example can be generated for, in the order they are written
KINDS = ("model", "generator", "discriminator", "loss", "regularizer", "dataset", "metric")
#: the module each kind's example lives in (the model is data in ``__init__.py``)
MODULES = {"generator": "generators", "discriminator": "discriminators", "loss": "losses",
           "regularizer": "regularizers", "dataset": "data", "metric": "metrics"}
_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")

_ENTRIES = {
    "model": "the model `{name}-rsgan` — the relativistic standard GAN (Jolicoeur-Martineau "
             "2018), with {parts} on points and ganzoo's `dcgan` parts on images",
    "generator": "the generator `{name}-mlp` — an MLP for 2-D points",
    "discriminator": "the discriminator `{name}-mlp` — an MLP for 2-D points",
    "loss": "the loss `{name}-relativistic` — RSGAN's relativistic loss",
    "regularizer": "the regularizer `{name}-instance-noise` — Gaussian noise on the "
                   "discriminator's inputs while it trains (Sønderby et al. 2016)",
    "dataset": "the dataset `{name}-spiral` — a two-armed spiral of 2-D points, generated "
               "offline",
    "metric": "the metric `{name}-energy` — the energy distance between generated and real "
              "points",
}
_FILES = {
    "generator": "the `MLPGenerator` (imports torch; loaded only when a run uses it)",
    "discriminator": "the `MLPDiscriminator`",
    "loss": "the `Relativistic` loss",
    "regularizer": "the `InstanceNoise` regularizer and its wrapped discriminator",
    "dataset": "the spiral's builder: each split from its own seed",
    "metric": "the `EnergyDistance` metric and the record of how it measured",
}


@dataclass(frozen=True)
class PluginNames:
    """Every name a generated package uses, derived from the plugin's name."""

    name: str

    @property
    def module(self) -> str:
        return "ganzoo_" + self.name.replace("-", "_")

    @property
    def distribution(self) -> str:
        return "ganzoo-" + self.name.replace("_", "-")


def parse_kinds(text: str) -> tuple[str, ...]:
    """``model,loss`` → the kinds in writing order; an unknown kind is refused."""
    asked = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in asked if k not in KINDS]
    if unknown or not asked:
        raise GanzooError(
            f"--kinds takes a comma-separated list of {', '.join(KINDS)}; "
            f"{'got unknown ' + ', '.join(map(repr, unknown)) if unknown else 'got none'}."
        )
    return tuple(k for k in KINDS if k in asked)


def check_name(name: str, taken: set[str]) -> None:
    """A plugin name fit for an entry point, a module and a distribution, and not taken."""
    if not _NAME.match(name):
        raise GanzooError(
            f"{name!r} cannot name a plugin: use lowercase letters and digits, words joined "
            "by '-' or '_', starting with a letter (e.g. demo, my-gans)."
        )
    if name in taken:
        raise GanzooError(
            f"A plugin called {name!r} is already installed, and plugin names must be "
            "unique (the second would not load). Pick another name."
        )


def _render(template: str, **values: str) -> str:
    return Template((TEMPLATES / template).read_text(encoding="utf-8")).substitute(values)


def _join(parts: list[str]) -> str:
    """Top-level blocks separated by two blank lines, one newline at the end."""
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n"


def render_plugin(name: str, kinds: tuple[str, ...]) -> dict[str, str]:
    """The package's files (relative path → text) for plugin ``name`` with ``kinds``."""
    names = PluginNames(name)
    values = {"name": name, "module": names.module, "distribution": names.distribution}
    files = {f"{names.module}/{MODULES[k]}.py": _render(f"{MODULES[k]}.py.tmpl", **values)
             for k in kinds if k in MODULES}
    files[f"{names.module}/__init__.py"] = _init_module(kinds, values)
    files[f"tests/test_{names.module.removeprefix('ganzoo_')}.py"] = _tests(kinds, values)
    summary = ", ".join(f"a {k}" for k in kinds)
    files["pyproject.toml"] = _render("pyproject.toml.tmpl", summary=summary, **values)
    files["README.md"] = _readme(kinds, summary, values)
    return dict(sorted(files.items()))


def _init_module(kinds: tuple[str, ...], values: dict[str, str]) -> str:
    name = values["name"]
    imports = ["hookimpl"]
    if "model" in kinds:
        imports += ["OptimizerSpec", "Recipe"]
    if "dataset" in kinds:
        imports += ["DataSpec", "DatasetInfo"]
    summary = textwrap.fill(f"It registers one example of each: {', '.join(kinds)}.", 88)
    blocks = [_render("init_head.py.tmpl", imports=", ".join(sorted(imports)),
                      summary=summary, **values)]
    for kind in kinds:
        extra = {}
        if kind == "model":
            extra = {
                "loss": f"{name}-relativistic" if "loss" in kinds else "non-saturating",
                "generator": f"{name}-mlp" if "generator" in kinds else "mlp",
                "discriminator": f"{name}-mlp" if "discriminator" in kinds else "mlp",
                "regularizers": f'"{name}-instance-noise",' if "regularizer" in kinds else "",
            }
        blocks.append(_render(f"init_{kind}.py.tmpl", **extra, **values))
    return _join(blocks)


def _model_dataset(kinds: tuple[str, ...], name: str) -> str:
    return f"{name}-spiral" if "dataset" in kinds else "ring8"


def _tests(kinds: tuple[str, ...], values: dict[str, str]) -> str:
    module = values["module"]
    third_party = []
    if set(kinds) & {"loss", "regularizer", "dataset", "metric"}:
        third_party.append("import torch")
    if "metric" in kinds:
        third_party.append("from torch.utils.data import TensorDataset")
    ours = ["from ganzoo.api import DataSpec, MetricTask"] if "metric" in kinds else []
    ours.append("from ganzoo.testing import contract_tests")
    for kind, cls in (("loss", "Relativistic"), ("metric", "EnergyDistance"),
                      ("regularizer", "InstanceNoise")):
        if kind in kinds:
            ours.append(f"from {module}.{MODULES[kind]} import {cls}")
    imports = "\n".join(third_party) + ("\n\n" if third_party else "") + "\n".join(ours) + "\n"
    blocks = [_render("test_head.py.tmpl", imports=imports, **values)]
    for kind in kinds:
        template = TEMPLATES / f"test_{kind}.py.tmpl"
        if template.exists():
            dataset = _model_dataset(kinds, values["name"])
            blocks.append(_render(template.name, model_dataset=dataset, **values))
    return _join(blocks)


def _readme(kinds: tuple[str, ...], summary: str, values: dict[str, str]) -> str:
    name, module = values["name"], values["module"]
    own = [f"`{name}-{part}`" for kind, part in (("generator", "mlp"),) if kind in kinds]
    parts = (f"its own MLP parts ({', '.join(own)})" if own else "ganzoo's `mlp` parts")
    entries = "\n".join(f"- {_ENTRIES[k].format(name=name, parts=parts)};" for k in kinds)
    commands = []
    if "model" in kinds:
        dataset = _model_dataset(kinds, name)
        commands += [f"$ ganzoo train {name}-rsgan --dataset {dataset} --steps 2000",
                     f"$ ganzoo train {name}-rsgan --dataset mnist-5k --steps 500"]
    if "loss" in kinds:
        commands.append(f"$ ganzoo train lsgan --dataset ring8 --loss {name}-relativistic")
    if "metric" in kinds:
        run = f"runs/{name}-rsgan-{_model_dataset(kinds, name)}" if "model" in kinds else "RUN"
        commands.append(f"$ ganzoo eval {run} --metrics {name}-energy")
    files = "".join(f"| `{module}/{MODULES[k]}.py` | {_FILES[k]} |\n" for k in kinds
                    if k in MODULES)
    return _render("README.md.tmpl", kinds=",".join(kinds), summary=summary,
                   entries=entries[:-1] + ".", commands="".join(c + "\n" for c in commands),
                   files=files, module_short=module.removeprefix("ganzoo_"), **values)


def write_plugin(name: str, kinds: tuple[str, ...], out: Path, taken: set[str]) -> list[Path]:
    """Write the package into the new folder ``out``; returns the files written."""
    check_name(name, taken)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise GanzooError(
            f"{out} already exists and is not an empty folder; nothing was written. Choose "
            "another place with --out DIR, or remove it."
        )
    written = []
    for relative, text in render_plugin(name, kinds).items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written

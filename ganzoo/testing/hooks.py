"""Contracts of trackers and of a plugin as a whole.

- A plugin loads (its hooks exist and register what they say) and its module imports
  without torch: every ``ganzoo`` command imports every plugin, so heavy imports belong in
  the modules its lazy ``"module:attr"`` targets name.
- A tracker builds with its default options (or names the package it needs) and each of
  its ``ganzoo_*`` methods is a lifecycle hook, marked ``@hookimpl``, taking only what the
  hook passes.
"""

from __future__ import annotations

import os
import subprocess
import sys

from ganzoo.errors import GanzooError
from ganzoo.lifecycle import tracker_hooks
from ganzoo.plugins import PluginInfo
from ganzoo.recipe import PartChoice
from ganzoo.registry import Entry, Registry
from ganzoo.testing.cases import ContractError, NotChecked, require
from ganzoo.training.build import build_part

_NO_TORCH = "import sys, {module}; sys.exit(3 if 'torch' in sys.modules else 0)"


def check_loads(info: PluginInfo) -> str:
    if info.status != "loaded":
        raise ContractError(f"the plugin is {info.status}: {info.error or 'disabled'}")
    return f"registered {len(info.registered)} entries"


def check_cheap_import(info: PluginInfo) -> str:
    module = info.module.partition(":")[0]
    path = os.pathsep.join(p for p in sys.path if p)  # the child finds what this process does
    done = subprocess.run([sys.executable, "-c", _NO_TORCH.format(module=module)],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": path})
    if done.returncode == 3:
        raise ContractError(
            f"importing {module} imports torch. Every ganzoo command imports every plugin, "
            "so keep torch out of the plugin module: register parts as 'module:Class' strings "
            "and import ganzoo names from ganzoo.api (it loads them lazily)")
    require(done.returncode == 0, f"importing {module} failed: "
            f"{done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    return f"{module} imports without torch"


def check_tracker(registry: Registry, entry: Entry) -> str:
    try:
        tracker = build_part(registry, "tracker", PartChoice(entry.name))
    except GanzooError as exc:  # an optional package that is not installed, say
        raise NotChecked(f"it cannot be built here: {exc}") from exc
    try:
        hooks = tracker_hooks(entry.name, tracker)
    except GanzooError as exc:
        raise ContractError(str(exc)) from exc
    require(bool(hooks), "it implements no lifecycle hook (ganzoo_run_started, "
            "ganzoo_step_logged, …), so it would never be called")
    return "hooks " + ", ".join(sorted(hooks))

"""Testing ganzoo plugins: a contract check for every entry a plugin registers.

One line in a plugin's tests runs them all (as timm parametrizes its tests over its
registry)::

    from ganzoo.testing import contract_tests

    test_contracts = contract_tests("demo")     # the plugin's entry-point name

Each registered generator, discriminator, loss, regularizer, dataset, metric, tracker,
method and model becomes one test, plus two for the plugin itself (it loads; its module
imports without torch).  ``ganzoo plugins --check NAME`` runs the same checks and prints a
table.  The pytest plugin :mod:`ganzoo.testing.pytest_plugin` (registered with pytest) adds
the fixtures ``ganzoo_plugins``, ``ganzoo_registry`` and ``train_briefly``.

This module imports neither torch nor pytest until a check runs or a test is made.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Callable

from ganzoo.plugins import ENTRY_POINT_GROUP, PluginSet, _describe, is_builtin, load_plugins

if TYPE_CHECKING:
    from ganzoo.registry import Entry, Registry
    from ganzoo.testing.cases import Check

__all__ = ["contract_checks", "contract_tests", "plugin_set", "resumes_exactly",
           "train_briefly"]

#: the check of each kind, as ``"module:function"`` (imported when the check runs)
CHECKS = {
    "generator": "networks:check_generator",
    "discriminator": "networks:check_discriminator",
    "loss": "terms:check_loss",
    "regularizer": "terms:check_regularizer",
    "dataset": "data:check_dataset",
    "metric": "data:check_metric",
    "tracker": "hooks:check_tracker",
    "method": "runs:check_method",
    "model": "runs:check_model",
}


@lru_cache(maxsize=8)
def plugin_set(*plugins: str) -> PluginSet:
    """ganzoo's built-in plugins plus the installed plugins named (by entry-point name):
    the registry a plugin is tested against, whatever else is installed."""
    eps = [ep for ep in entry_points(group=ENTRY_POINT_GROUP)
           if ep.name in plugins or is_builtin(_describe(ep)[0])]
    return load_plugins(eps)


def _check_function(kind: str) -> Callable[["Registry", "Entry"], str]:
    from importlib import import_module

    module, _, function = CHECKS[kind].partition(":")
    return getattr(import_module(f"ganzoo.testing.{module}"), function)


def contract_checks(plugin: str, plugins: PluginSet | None = None) -> list["Check"]:
    """The checks of ``plugin`` and of every entry it registered in ``plugins`` (default:
    the built-ins plus ``plugin``).  A plugin that is not installed gets one failing check."""
    from ganzoo.testing.cases import Check
    from ganzoo.testing.hooks import check_cheap_import, check_loads

    plugins = plugins or plugin_set(plugin)
    info = next((p for p in plugins.plugins if p.name == plugin), None)
    if info is None:
        found = ", ".join(sorted(p.name for p in plugins.plugins))

        def missing() -> str:
            from ganzoo.testing.cases import ContractError

            raise ContractError(
                f"no installed plugin is called {plugin!r} (plugins found: {found}). Install "
                "the package (pip install -e .) and use the name of its entry point in the "
                "'ganzoo' group")

        return [Check("plugin", plugin, plugin, missing)]
    checks = [Check("plugin", f"{plugin}/loads", plugin, lambda: check_loads(info)),
              Check("plugin", f"{plugin}/imports-without-torch", plugin,
                    lambda: check_cheap_import(info))]
    registry = plugins.registry
    for entry in info.registered:
        check = _check_function(entry.kind)
        checks.append(Check(entry.kind, entry.name, plugin,
                            lambda check=check, entry=entry: check(registry, entry)))
    return checks


def contract_tests(*plugins: str) -> Any:
    """A pytest test function parametrized over the contract checks of ``plugins``;
    assign it to a ``test_…`` name in a test module."""
    import pytest

    from ganzoo.testing.cases import FAILED, NOT_CHECKED, run_check

    checks = [check for plugin in plugins for check in contract_checks(plugin)]

    @pytest.mark.parametrize("check", checks, ids=[check.id for check in checks])
    def test_contract(check: "Check") -> None:
        outcome = run_check(check)
        if outcome.status == NOT_CHECKED:
            pytest.skip(outcome.message)
        if outcome.status == FAILED:
            pytest.fail(f"{check.kind} {check.name!r} of plugin {check.plugin!r}: "
                        f"{outcome.message}\n{outcome.traceback}", pytrace=False)

    return test_contract


def train_briefly(*args: Any, **kwargs: Any) -> Any:
    """See :func:`ganzoo.testing.runs.train_briefly`."""
    from ganzoo.testing.runs import train_briefly as train

    return train(*args, **kwargs)


def resumes_exactly(*args: Any, **kwargs: Any) -> Any:
    """See :func:`ganzoo.testing.runs.resumes_exactly`."""
    from ganzoo.testing.runs import resumes_exactly as resumes

    return resumes(*args, **kwargs)

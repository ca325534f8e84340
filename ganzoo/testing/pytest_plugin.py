"""ganzoo's pytest plugin, registered through pytest's ``pytest11`` entry point: fixtures
for a plugin's own tests.

- ``ganzoo_plugins``: ganzoo's built-in plugins plus those named by the ini option
  ``ganzoo_plugins`` (e.g. ``ganzoo_plugins = ["demo"]`` under
  ``[tool.pytest.ini_options]``), whatever else is installed;
- ``ganzoo_registry``: its registry;
- ``train_briefly(model, dataset, steps=2, **settings)``: a few training steps into a
  temporary folder with that registry; returns the run's result.

It imports nothing heavy until a fixture is used, since pytest loads it in every session.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("ganzoo_plugins", type="linelist", default=[],
                  help="ganzoo plugins (entry-point names) the ganzoo_plugins fixture loads "
                       "beside the built-in ones")


@pytest.fixture(scope="session")
def ganzoo_plugins(pytestconfig: pytest.Config) -> Any:
    from ganzoo.testing import plugin_set

    return plugin_set(*pytestconfig.getini("ganzoo_plugins"))


@pytest.fixture(scope="session")
def ganzoo_registry(ganzoo_plugins: Any) -> Any:
    return ganzoo_plugins.registry


@pytest.fixture
def train_briefly(ganzoo_registry: Any, tmp_path: Path) -> Callable[..., Any]:
    from ganzoo.testing.runs import train_briefly as train

    def run(model: str, dataset: str, steps: int = 2, **settings: Any) -> Any:
        settings.setdefault("out", tmp_path / f"{model}-{dataset}")
        return train(model, dataset, steps=steps, registry=ganzoo_registry, **settings)

    return run

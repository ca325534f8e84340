"""Shared fixtures: fresh plugin loading, throw-away plugin modules and distributions, and
running the CLI in-process or in a subprocess without touching the user's environment."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

from ganzoo.plugins import default_plugins


@pytest.fixture
def fresh_plugins() -> Iterator[None]:
    """Reload the installed plugins in this test (and again after it)."""
    default_plugins.cache_clear()
    yield
    default_plugins.cache_clear()


@pytest.fixture
def site_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary directory at the front of ``sys.path``; modules imported from it are
    forgotten afterwards so tests cannot see each other's fakes."""
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    before = set(sys.modules)
    yield site
    for name in set(sys.modules) - before:
        module_file = getattr(sys.modules[name], "__file__", None) or ""
        if module_file.startswith(str(site)):
            del sys.modules[name]


WriteModule = Callable[[str, str], Path]


@pytest.fixture
def write_module(site_dir: Path) -> WriteModule:
    """``write_module("pkg.mod", source)`` writes a module (dedented) into ``site_dir``."""

    def write(name: str, source: str) -> Path:
        *packages, leaf = name.split(".")
        folder = site_dir.joinpath(*packages)
        folder.mkdir(parents=True, exist_ok=True)
        for depth in range(len(packages)):
            init = site_dir.joinpath(*packages[: depth + 1], "__init__.py")
            if not init.exists():
                init.write_text("")
        path = folder / f"{leaf}.py"
        path.write_text(textwrap.dedent(source))
        return path

    return write


def write_dist_info(site: Path, name: str, version: str, plugins: dict[str, str]) -> Path:
    """A minimal installed distribution whose ``ganzoo`` entry points are ``plugins``:
    what ``pip install`` would leave in site-packages, without running pip."""
    dist = site / f"{name.replace('-', '_')}-{version}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    )
    lines = "".join(f"{plugin} = {target}\n" for plugin, target in plugins.items())
    (dist / "entry_points.txt").write_text(f"[ganzoo]\n{lines}")
    return dist


@pytest.fixture(scope="session")
def dist_info() -> Callable[..., Path]:
    return write_dist_info


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``ganzoo ARGS`` in this process; returns exit code, stdout and stderr."""
    from ganzoo.cli.main import main

    def run(*args: str) -> Result:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def run_ganzoo() -> Callable[..., Result]:
    """Run ``ganzoo ARGS`` in a fresh interpreter, optionally with extra ``sys.path``
    entries (where fake distributions live) — the user's environment stays untouched."""

    def run(*args: str, path: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> Result:
        full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
        if path is not None:
            full_env["PYTHONPATH"] = os.pathsep.join(
                p for p in (str(path), os.environ.get("PYTHONPATH")) if p
            )
        proc = subprocess.run(
            [sys.executable, "-m", "ganzoo.cli.main", *args],
            capture_output=True, text=True, env=full_env, timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run


@pytest.fixture(autouse=True, scope="session")
def one_thread() -> Iterator[None]:
    """Tiny test nets train fastest on one thread, and don't stall when the CPU is shared."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def no_lock_is_left_held() -> Iterator[None]:
    """Every test releases the folder locks it took (they are re-entrant within a process,
    so a leaked one would go unnoticed by in-process tests)."""
    from ganzoo import locking

    yield
    assert not locking._held, f"folder locks left held: {sorted(map(str, locking._held))}"


@pytest.fixture(scope="module")
def dcgan_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dcgan trained 2 steps on 8×8 digits with 4-channel nets, once per test module."""
    from ganzoo.api import train

    tiny = {"base_channels": 4}
    out = tmp_path_factory.mktemp("runs") / "dcgan-digits"
    train("dcgan", "digits", steps=2, out=out, batch_size=8, generator_options=tiny,
          discriminator_options=tiny)
    return out

"""``ganzoo new-plugin``: the package it writes installs and passes its own tests at once,
the docs' example package is exactly its output, and bad requests are refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ganzoo.scaffold import KINDS, render_plugin

EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-plugin"


def test_the_docs_example_is_what_new_plugin_writes() -> None:
    expected = render_plugin("example", KINDS)
    tracked = subprocess.run(["git", "ls-files", "."], cwd=EXAMPLE, capture_output=True,
                             text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout: the example's files cannot be told from build output")
    found = {name: (EXAMPLE / name).read_text(encoding="utf-8")
             for name in tracked.stdout.split()}
    assert found.keys() == expected.keys()
    for path, text in expected.items():
        assert found[path] == text, (
            f"docs/example-plugin/{path} differs from what 'ganzoo new-plugin example' writes: "
            "regenerate it (rm -r docs/example-plugin && ganzoo new-plugin example --out "
            "docs/example-plugin) or change the templates in ganzoo/scaffold/templates")


def test_new_plugin_installs_and_passes_its_own_tests(tmp_path: Path, run_ganzoo) -> None:
    """new-plugin + pip install -e + pytest, in a virtual environment that sees this one's
    packages (torch, ganzoo) but keeps the new plugin out of it."""
    made = run_ganzoo("new-plugin", "demo", "--out", str(tmp_path / "demo"))
    assert made.code == 0, made.err
    assert "pip install -e" in made.out
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip",
                    str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps",
                              "--no-build-isolation", "-e", str(tmp_path / "demo")],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    tests = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=tmp_path / "demo", capture_output=True, text=True, timeout=600)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert "passed" in tests.stdout and "failed" not in tests.stdout
    checked = subprocess.run([str(python), "-m", "ganzoo.cli.main", "plugins", "--check", "demo",
                              "--json"], capture_output=True, text=True, timeout=300)
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert '"name": "demo-spiral"' in checked.stdout


@pytest.mark.parametrize("kinds", ["model,loss", "dataset", "generator,discriminator",
                                   "metric,regularizer"])
def test_any_selection_of_kinds_renders_importable_code(kinds: str) -> None:
    files = render_plugin("demo", tuple(kinds.split(",")))
    for path, text in files.items():
        if path.endswith(".py"):
            compile(text, path, "exec")  # valid Python, whatever was left out
    init = files["ganzoo_demo/__init__.py"]
    assert init.count("@hookimpl") == len(kinds.split(","))
    if kinds == "model,loss":  # the recipe uses the plugin's own loss and ganzoo's mlp parts
        assert 'loss="demo-relativistic"' in init and '"points": "mlp"' in init


@pytest.mark.parametrize("args, message", [
    (["new-plugin", "Bad Name"], "cannot name a plugin"),
    (["new-plugin", "dcgan"], "already installed"),
    (["new-plugin", "demo", "--kinds", "model,gan"], "got unknown 'gan'"),
])
def test_bad_requests_are_refused(run_cli, tmp_path: Path, args: list[str], message: str) -> None:
    result = run_cli(*args, "--out", str(tmp_path / "x"))
    assert result.code == 2 and message in result.err
    assert not (tmp_path / "x").exists()


def test_an_existing_folder_is_never_overwritten(run_cli, tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "notes.txt").write_text("mine")
    result = run_cli("new-plugin", "demo", "--out", str(tmp_path / "demo"))
    assert result.code == 2 and "already exists" in result.err
    assert [p.name for p in (tmp_path / "demo").iterdir()] == ["notes.txt"]

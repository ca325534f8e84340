"""The docs keep up with the code, and the example plugin package works as documented.

The example package is discovered through a real entry point without touching the user's
environment: a dist-info (what pip would write) and a link to the package go into a
temporary directory that only the subprocesses of these tests see on their path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ganzoo.cli.main import COMMANDS
from ganzoo.hookspecs import HOOK_NAMES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLE = DOCS / "example-plugin"


def test_every_hook_is_documented_for_plugin_authors() -> None:
    guide = (DOCS / "plugin-guide.md").read_text()
    missing = [hook for hook in HOOK_NAMES if f"`{hook}(" not in guide]
    assert not missing, f"plugin-guide.md does not document: {missing}"


def test_every_command_is_in_the_user_guide() -> None:
    guide = (DOCS / "user-guide.md").read_text()
    missing = [cmd for cmd in COMMANDS if f"ganzoo {cmd}" not in guide]
    assert not missing, f"user-guide.md does not show: {missing}"


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e . && ganzoo bench --models dcgan,wgan" in readme
    test_command = "pip install -e '.[test]' && python -m pytest"
    assert test_command in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci
    assert "python -m pip install -e '.[test]'" in ci
    assert re.search(r"^python -m pytest\s*$", ci, re.MULTILINE)


@pytest.mark.parametrize("page", ["README.md", "docs/user-guide.md", "docs/plugin-guide.md",
                                  "docs/example-plugin/README.md"])
def test_relative_links_point_to_files(page: str) -> None:
    path = ROOT / page
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
        assert (path.parent / target).exists(), f"{page} links to missing {target}"


# ---------------------------------------------------------------- the example plugin


def example_project() -> dict:
    """The ``[project]`` table of the example's pyproject.toml."""
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    return tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def example_site(tmp_path_factory: pytest.TempPathFactory, dist_info) -> Path:
    """The example package as pip would install it, on a path entry of its own."""
    project = example_project()
    site = tmp_path_factory.mktemp("example-site")
    dist_info(site, project["name"], project["version"], project["entry-points"]["ganzoo"])
    try:
        (site / "ganzoo_example").symlink_to(EXAMPLE / "ganzoo_example")
    except OSError:  # no symlinks here: a copy does as well
        shutil.copytree(EXAMPLE / "ganzoo_example", site / "ganzoo_example")
    return site


def test_example_declares_its_entry_point() -> None:
    project = example_project()
    assert project["entry-points"]["ganzoo"] == {"example": "ganzoo_example"}


def test_plugins_are_told_to_depend_on_torch_ganzoo() -> None:
    """The PyPI name 'ganzoo' belongs to an unrelated package: plugins depend on
    torch-ganzoo, and the docs say so where a plugin author or a user looks."""
    deps = [re.split(r"[\s\[<>=!~;]", d, maxsplit=1)[0] for d in example_project()["dependencies"]]
    assert "torch-ganzoo" in deps and "ganzoo" not in deps
    for page in ("README.md", "docs/user-guide.md", "docs/plugin-guide.md"):
        text = " ".join((ROOT / page).read_text().split())
        assert "depend on `torch-ganzoo`, never on `ganzoo`" in text, page
    assert 'dependencies = ["torch-ganzoo"]' in (DOCS / "plugin-guide.md").read_text()


def test_example_shows_in_list_and_plugins(example_site: Path, run_ganzoo) -> None:
    listed = run_ganzoo("list", "--json", path=example_site)
    assert listed.code == 0, listed.err
    rows = {(r["kind"], r["name"]): r for r in json.loads(listed.out)}
    for key in (("model", "example-rsgan"), ("loss", "example-relativistic"),
                ("dataset", "example-spiral"), ("metric", "example-energy")):
        assert (rows[key]["plugin"], rows[key]["distribution"]) == ("example", "ganzoo-example")
    assert ("model", "gan") in rows  # ganzoo's own plugins are still there

    plugins = {p["name"]: p for p in json.loads(
        run_ganzoo("plugins", "--json", path=example_site).out)}
    example = plugins["example"]
    assert (example["status"], example["version"]) == ("loaded", "0.1.0")
    assert example["registered"] == {
        "model": ["example-rsgan"], "generator": ["example-mlp"],
        "discriminator": ["example-mlp"], "loss": ["example-relativistic"],
        "regularizer": ["example-instance-noise"], "dataset": ["example-spiral"],
        "metric": ["example-energy"]}


def test_example_recipe_reuses_ganzoo_parts(example_site: Path, run_ganzoo) -> None:
    (rsgan,) = json.loads(run_ganzoo("info", "example-rsgan", "--json", path=example_site).out)
    assert rsgan["loss"] == "example-relativistic"
    assert rsgan["generator"] == {"points": "example-mlp", "image": "dcgan"}
    assert "Jolicoeur-Martineau 2018" in rsgan["paper"]


def test_example_can_be_disabled(example_site: Path, run_ganzoo) -> None:
    result = run_ganzoo("list", "models", "--json", path=example_site,
                        env={"GANZOO_DISABLE_PLUGINS": "example"})
    assert "example-rsgan" not in {r["name"] for r in json.loads(result.out)}


def test_example_packages_own_tests_pass(example_site: Path) -> None:
    """The example's tests: the contract suite over everything it registers, its loss's
    formula, its dataset and metric, and a short run through ganzoo's training loop."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(example_site), os.environ.get("PYTHONPATH")) if p)}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        capture_output=True, text=True, env=env, cwd=EXAMPLE, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


# ---------------------------------------------------------------- the guide's pictures

def _guide_pictures():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "guide_pictures", ROOT / "benchmarks" / "guide_pictures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_the_guide_shows_each_picture_beside_its_command() -> None:
    guide = (DOCS / "user-guide.md").read_text()
    for picture, command in _guide_pictures().PICTURES:
        assert f"`{command}` | ![" in guide and f"](images/{picture}) |" in guide, command
        assert (DOCS / "images" / picture).stat().st_size > 0


def test_every_guide_command_still_draws_its_picture(tmp_path: Path) -> None:
    """The script the committed pictures come from, at 2 steps per run."""
    from PIL import Image

    pictures = _guide_pictures()
    made = pictures.make(tmp_path, steps=2)
    assert [p.name for p in made] == [name for name, _ in pictures.PICTURES]
    for path in made:
        with Image.open(path) as image:
            assert min(image.size) >= 28, path.name
            frames = getattr(image, "n_frames", 1)
            assert (frames > 1) == (path.suffix == ".gif"), path.name

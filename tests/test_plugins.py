"""Plugin loading in isolation: whatever one plugin does wrong, the others keep working.

Fake plugins are modules written into a temporary ``sys.path`` entry and found through
``importlib.metadata.EntryPoint`` objects (or, for the CLI, a real dist-info), so the
user's installed environment is never touched.
"""

from __future__ import annotations

import json
import re
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from ganzoo.plugins import DISABLE_ENV, PluginSet, load_plugins

GOOD = """
from ganzoo.hookspecs import hookimpl

@hookimpl
def ganzoo_register_losses(registry):
    registry.add("loss", "good-loss", "good_plugin.impl:Loss", summary="fine")
"""


def ep(name: str, module: str) -> EntryPoint:
    return EntryPoint(name, module, "ganzoo")


def by_name(plugins: PluginSet) -> dict:
    return {p.name: p for p in plugins.plugins}


@pytest.fixture
def good(write_module) -> EntryPoint:
    write_module("good_plugin", GOOD)
    return ep("good", "good_plugin")


def test_good_plugin_registers_lazily(good: EntryPoint) -> None:
    plugins = load_plugins([good])
    info = by_name(plugins)["good"]
    assert info.status == "loaded" and info.error is None
    assert info.hooks == ["ganzoo_register_losses"]
    entry = plugins.registry.get("loss", "good-loss")
    assert (entry.plugin, entry.target) == ("good", "good_plugin.impl:Loss")
    assert "good_plugin.impl" not in sys.modules  # the target is imported only when used


def test_plugin_raising_on_import_fails_alone(write_module, good: EntryPoint) -> None:
    write_module("boom_plugin", "raise RuntimeError('cannot import me')")
    plugins = load_plugins([ep("boom", "boom_plugin"), good])
    info = by_name(plugins)
    assert info["boom"].status == "failed"
    assert info["boom"].error == "RuntimeError: cannot import me"
    assert "Traceback" in info["boom"].traceback
    assert info["good"].status == "loaded"
    assert ("loss", "good-loss") in plugins.registry
    assert plugins.failed == [info["boom"]]


def test_plugin_exiting_on_import_fails_alone(write_module, good: EntryPoint) -> None:
    write_module("exit_plugin", "import sys; sys.exit(3)")
    plugins = load_plugins([ep("exit", "exit_plugin"), good])
    assert by_name(plugins)["exit"].status == "failed"
    assert by_name(plugins)["good"].status == "loaded"


def test_plugin_raising_in_a_hook_leaves_nothing_behind(write_module, good: EntryPoint) -> None:
    write_module("half_plugin", """
        from ganzoo.hookspecs import hookimpl

        @hookimpl
        def ganzoo_register_generators(registry):
            registry.add("generator", "half-g", "half_plugin:G")

        @hookimpl
        def ganzoo_register_losses(registry):
            registry.add("loss", "half-loss", "half_plugin:L")
            raise ValueError("broken half-way")
    """)
    plugins = load_plugins([ep("half", "half_plugin"), good])
    info = by_name(plugins)["half"]
    assert info.status == "failed" and info.error == "ValueError: broken half-way"
    assert info.registered == []
    assert ("generator", "half-g") not in plugins.registry
    assert ("loss", "half-loss") not in plugins.registry
    assert [e.plugin for e in plugins.registry] == ["good"]


def test_misspelled_hook_is_reported(write_module, good: EntryPoint) -> None:
    write_module("typo_plugin", """
        from ganzoo.hookspecs import hookimpl

        @hookimpl
        def ganzoo_register_model(registry):
            registry.add("model", "typo", object())
    """)
    plugins = load_plugins([ep("typo", "typo_plugin"), good])
    info = by_name(plugins)["typo"]
    assert info.status == "failed"
    assert "unknown hook(s) ganzoo_register_model" in info.error
    assert "did you mean ganzoo_register_models?" in info.error
    assert ("model", "typo") not in plugins.registry
    assert by_name(plugins)["good"].status == "loaded"


def test_hook_without_marker_is_reported(write_module) -> None:
    write_module("unmarked_plugin", """
        def ganzoo_register_losses(registry):
            registry.add("loss", "never", "x:Y")
    """)
    info = by_name(load_plugins([ep("unmarked", "unmarked_plugin")]))["unmarked"]
    assert info.status == "failed" and "lack(s) the @hookimpl marker" in info.error


def test_hook_with_wrong_arguments_is_reported(write_module) -> None:
    write_module("args_plugin", """
        from ganzoo.hookspecs import hookimpl

        @hookimpl
        def ganzoo_register_losses(registry, extra):
            pass
    """)
    info = by_name(load_plugins([ep("args", "args_plugin")]))["args"]
    assert info.status == "failed" and "extra" in info.error


def test_submodules_named_like_hooks_are_not_hooks(write_module) -> None:
    write_module("ganzoo_helper", "")
    write_module("reuse_plugin", "import ganzoo_helper\n" + GOOD.replace("good-loss", "reuse"))
    assert by_name(load_plugins([ep("reuse", "reuse_plugin")]))["reuse"].status == "loaded"


def test_duplicate_names_are_refused_naming_both(write_module, good: EntryPoint) -> None:
    write_module("rival_plugin", """
        from ganzoo.hookspecs import hookimpl

        @hookimpl
        def ganzoo_register_losses(registry):
            registry.add("loss", "rival-only", "rival_plugin:Other")
            registry.add("loss", "good-loss", "rival_plugin:Loss")
    """)
    plugins = load_plugins([good, ep("rival", "rival_plugin")])
    info = by_name(plugins)["rival"]
    assert info.status == "failed"
    assert "by plugin 'good' and by plugin 'rival'" in info.error
    assert plugins.registry.get("loss", "good-loss").plugin == "good"
    assert ("loss", "rival-only") not in plugins.registry


def test_disabled_plugins_are_not_imported(
    write_module, good: EntryPoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module("off_plugin", "raise RuntimeError('must not be imported')")
    monkeypatch.setenv(DISABLE_ENV, " off, good ,")
    plugins = load_plugins([ep("off", "off_plugin"), good, ep("on", "good_plugin")])
    status = {p.name: p.status for p in plugins.plugins}
    assert status == {"good": "disabled", "off": "disabled", "on": "loaded"}
    assert plugins.registry.get("loss", "good-loss").plugin == "on"


def test_same_plugin_name_from_two_distributions(
    site_dir: Path, write_module, dist_info
) -> None:
    write_module("first_plugin", GOOD)
    write_module("second_plugin", GOOD.replace("good-loss", "second-loss"))
    dist_info(site_dir, "ganzoo-first", "1.0", {"twin": "first_plugin"})
    dist_info(site_dir, "ganzoo-second", "2.0", {"twin": "second_plugin"})
    plugins = load_plugins()  # discovered through importlib.metadata, as when installed
    twins = [p for p in plugins.plugins if p.name == "twin"]
    assert [p.status for p in twins] == ["loaded", "failed"]
    assert "already taken by distribution" in twins[1].error
    assert {twins[0].distribution, twins[1].distribution} == {"ganzoo-first", "ganzoo-second"}


def test_entry_points_are_discovered_with_distribution_and_version(
    site_dir: Path, write_module, dist_info
) -> None:
    write_module("good_plugin", GOOD)
    dist_info(site_dir, "ganzoo-good", "1.2.3", {"good": "good_plugin"})
    plugins = load_plugins()
    info = by_name(plugins)["good"]
    assert (info.distribution, info.version, info.status) == ("ganzoo-good", "1.2.3", "loaded")
    assert plugins.registry.get("loss", "good-loss").distribution == "ganzoo-good"


# ---------------------------------------------------------------- a real broken package


FAILED_BROKEN = r"plugin\(s\) failed to load \([^)]*\bbroken\b"


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory: pytest.TempPathFactory, dist_info) -> Path:
    """A package that raises on import, installed as a dist-info on its own path entry."""
    site = tmp_path_factory.mktemp("broken-site")
    (site / "broken_pkg").mkdir()
    (site / "broken_pkg" / "__init__.py").write_text(
        "raise ImportError('broken_pkg is broken on purpose')\n")
    dist_info(site, "broken_pkg", "0.1", {"broken": "broken_pkg"})
    return site


def test_cli_plugins_reports_the_broken_package(broken_site: Path, run_ganzoo) -> None:
    result = run_ganzoo("plugins", "--json", path=broken_site)
    assert result.code == 0, result.err
    plugins = {p["name"]: p for p in json.loads(result.out)}
    broken = plugins["broken"]
    assert (broken["status"], broken["distribution"], broken["version"]) == (
        "failed", "broken_pkg", "0.1")
    assert broken["error"] == "ImportError: broken_pkg is broken on purpose"
    assert plugins["gan"]["status"] == "loaded"

    table = run_ganzoo("plugins", path=broken_site)
    assert table.code == 0
    assert "broken failed: ImportError: broken_pkg is broken on purpose" in table.out
    assert "Traceback" not in table.out + table.err


def test_cli_list_works_beside_the_broken_package(broken_site: Path, run_ganzoo) -> None:
    result = run_ganzoo("list", "--json", path=broken_site)
    assert result.code == 0, result.err
    names = {(row["kind"], row["name"]) for row in json.loads(result.out)}
    assert {("model", "gan"), ("dataset", "ring8"), ("dataset", "grid25")} <= names
    assert "broken" in result.err and "ganzoo plugins" in result.err


def test_cli_unknown_name_points_at_the_failed_plugin(broken_site: Path, run_ganzoo) -> None:
    result = run_ganzoo("info", "gann", path=broken_site)
    assert result.code == 2
    assert "Did you mean 'gan'" in result.err
    assert re.search(FAILED_BROKEN, result.err)


def test_cli_debug_shows_the_broken_traceback(broken_site: Path, run_ganzoo) -> None:
    result = run_ganzoo("--debug", "plugins", path=broken_site)
    assert result.code == 0
    assert "Traceback (most recent call last)" in result.out
    assert "broken_pkg is broken on purpose" in result.out


def test_cli_train_works_beside_the_broken_package(
    broken_site: Path, monkeypatch: pytest.MonkeyPatch, fresh_plugins: None, run_cli,
    tmp_path: Path,
) -> None:
    # in this process (torch is loaded once for the whole suite); discovery is as real
    monkeypatch.syspath_prepend(str(broken_site))
    typo = run_cli("train", "gann", "--dataset", "ring8")
    assert typo.code == 2
    assert "Did you mean 'gan'" in typo.err and "Traceback" not in typo.err
    assert re.search(FAILED_BROKEN, typo.err)  # the failed plugin is named

    run_dir = tmp_path / "run"
    result = run_cli("train", "gan", "--dataset", "ring8", "--steps", "3",
                     "--batch-size", "16", "--sample-every", "3", "--no-progress",
                     "--out", str(run_dir))
    assert result.code == 0, result.err
    assert (run_dir / "checkpoints" / "last.pt").exists()

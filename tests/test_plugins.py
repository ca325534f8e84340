"""Plugin loading in isolation: whatever one plugin does wrong, the others keep working.

Fake plugins are modules written into a temporary ``sys.path`` entry and found through
``importlib.metadata.EntryPoint`` objects (or, for the CLI, a real dist-info), so the
user's installed environment is never touched.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import EntryPoint, packages_distributions
from pathlib import Path

import pytest
import torch
from torch.utils.data import TensorDataset

from ganzoo import DISTRIBUTION, __version__
from ganzoo.data.spec import DataSpec
from ganzoo.hookspecs import hookimpl
from ganzoo.metrics.base import Measurement, Metric, MetricNotApplicableError, MetricTask
from ganzoo.metrics.evaluate import evaluate, resolve_metrics
from ganzoo.plugins import DISABLE_ENV, PluginSet, is_builtin, load_plugins

ROOT = Path(__file__).resolve().parents[1]

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
    assert "by plugin 'good', which keeps it, and by plugin 'rival'" in info.error
    assert "GANZOO_DISABLE_PLUGINS=rival" in info.error
    assert plugins.registry.get("loss", "good-loss").plugin == "good"
    assert ("loss", "rival-only") not in plugins.registry


THIRD_PARTY = """
from ganzoo.hookspecs import hookimpl
from ganzoo.recipe import Recipe

@hookimpl
def ganzoo_register_losses(registry):
    registry.add("loss", "aaa-only", "aaa_plugin:Other")
    registry.add("loss", "hinge", "aaa_plugin:Hinge")          # ganzoo's own name

@hookimpl
def ganzoo_register_models(registry):
    registry.add_model(Recipe(name="impostor", summary="", paper="", loss="hinge",
                              generator={}, discriminator={}))
"""


def test_builtin_names_cannot_be_taken_by_a_third_party(
    site_dir: Path, write_module, dist_info
) -> None:
    """A third party sorting first ('aaa' < 'losses'), or even calling its plugin like a
    built-in one ('dcgan'), fails alone; ganzoo's own plugins keep their names."""
    write_module("aaa_plugin", THIRD_PARTY)
    dist_info(site_dir, "ganzoo-aaa", "1.0", {"aaa": "aaa_plugin", "dcgan": "aaa_plugin"})
    plugins = load_plugins()
    info = {(p.name, p.distribution): p for p in plugins.plugins}

    aaa = info["aaa", "ganzoo-aaa"]
    assert aaa.status == "failed"
    assert "by plugin 'losses' (distribution torch-ganzoo), which keeps it" in aaa.error
    assert "by plugin 'aaa' (distribution ganzoo-aaa), which was therefore not loaded" \
        in aaa.error
    assert "GANZOO_DISABLE_PLUGINS=aaa" in aaa.error
    assert ("loss", "aaa-only") not in plugins.registry  # only that plugin is rolled back
    assert info["losses", DISTRIBUTION].status == "loaded"
    assert plugins.registry.get("loss", "hinge").plugin == "losses"
    assert plugins.registry.get("loss", "losses:hinge").target == "ganzoo_losses.losses:Hinge"

    assert info["dcgan", "ganzoo-aaa"].status == "failed"
    assert info["dcgan", DISTRIBUTION].status == "loaded"
    assert plugins.registry.get("model", "dcgan:dcgan").plugin == "dcgan"
    assert plugins.plugins.index(info["dcgan", DISTRIBUTION]) < plugins.plugins.index(aaa)


def test_builtin_plugins_come_from_the_torch_ganzoo_distribution() -> None:
    assert DISTRIBUTION == "torch-ganzoo"
    assert set(packages_distributions()["ganzoo"]) == {DISTRIBUTION}  # what pip installed
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == DISTRIBUTION
    assert is_builtin("torch-ganzoo") and is_builtin("Torch_Ganzoo") and not is_builtin("ganzoo")
    plugins = load_plugins()
    builtin = [p.name for p in plugins.plugins if is_builtin(p.distribution)]
    assert set(pyproject["project"]["entry-points"]["ganzoo"]) == set(builtin)


def test_python_dash_m_ganzoo_runs_the_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "ganzoo", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"ganzoo, version {__version__}"


def test_cli_info_takes_a_qualified_name(run_cli) -> None:
    result = run_cli("info", "dcgan:dcgan", "--json")
    assert result.code == 0, result.err
    entries = json.loads(result.out)
    assert {e["kind"] for e in entries} == {"model", "generator", "discriminator"}
    assert {(e["name"], e["plugin"]) for e in entries} == {("dcgan", "dcgan")}
    wrong = run_cli("info", "wgan:dcgan")
    assert wrong.code == 2 and "'dcgan' comes from plugin(s) dcgan" in wrong.err


def test_wrong_typed_registration_fails_the_plugin_alone(
    write_module, good: EntryPoint
) -> None:
    write_module("sloppy_plugin", """
        from ganzoo.hookspecs import hookimpl

        @hookimpl
        def ganzoo_register_losses(registry):
            registry.add("loss", "sloppy-loss", "sloppy_plugin:Loss")

        @hookimpl
        def ganzoo_register_models(registry):
            registry.add("model", "sloppy", "sloppy_plugin:RECIPE")   # must be a Recipe
    """)
    plugins = load_plugins([ep("sloppy", "sloppy_plugin"), good])
    info = by_name(plugins)["sloppy"]
    assert info.status == "failed" and info.registered == []
    assert info.error.startswith(
        "RegistrationError: Plugin 'sloppy' cannot register the model 'sloppy'")
    assert "expected a ganzoo.recipe.Recipe object" in info.error
    assert ("loss", "sloppy-loss") not in plugins.registry
    assert by_name(plugins)["good"].status == "loaded"


def test_disabled_plugins_are_not_imported(
    write_module, good: EntryPoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_module("off_plugin", "raise RuntimeError('must not be imported')")
    monkeypatch.setenv(DISABLE_ENV, " off, good ,extra")
    plugins = load_plugins([ep("off", "off_plugin"), good, ep("on", "good_plugin")],
                           extra=[("extra", object())])
    status = {p.name: p.status for p in plugins.plugins}
    assert status == {"good": "disabled", "off": "disabled", "on": "loaded", "extra": "disabled"}
    assert plugins.registry.get("loss", "good-loss").plugin == "on"
    assert all(plugins.manager.is_blocked(name) for name in ("off", "good", "extra"))


def test_unknown_disabled_name_is_warned_about(
    good: EntryPoint, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(DISABLE_ENV, "goood,xyz-nothing-like-it,good")
    load_plugins([good, ep("gold", "good_plugin")])
    err = capsys.readouterr().err
    assert "GANZOO_DISABLE_PLUGINS names 'goood', which is not an installed plugin" in err
    assert "Did you mean 'good' or 'gold'?" in err
    assert "names 'xyz-nothing-like-it'" in err and "Installed plugins: gold, good." in err
    assert "names 'good'" not in err


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
    loaded, refused = twins
    other = "ganzoo-second 2.0" if loaded.distribution == "ganzoo-first" else "ganzoo-first 1.0"
    error = refused.error
    assert error.startswith("DuplicateNameError: The plugin name 'twin' is used by two")
    assert f"{loaded.distribution} {loaded.version}, whose plugin is the one used" in error
    assert f"{other}, whose plugin was therefore not loaded" in error
    assert f"pip uninstall {refused.distribution}" in error and "rename its entry point" in error
    assert {loaded.distribution, refused.distribution} == {"ganzoo-first", "ganzoo-second"}


# ---------------------------------------------------------------- metrics in isolation


class FineMetric(Metric):
    figures = {"mean": "lower"}

    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        return True

    def compute(self, task: MetricTask) -> Measurement:
        return Measurement({"mean": float(task.samples(4).mean())}, task.record())


class ConfusedMetric(FineMetric):
    def applies_to(self, spec: DataSpec, conditioning: str) -> bool:
        raise RuntimeError("cannot tell")


class FinePlugin:
    @hookimpl
    def ganzoo_register_metrics(self, registry) -> None:
        registry.add("metric", "fine", FineMetric)


class ShakyPlugin:
    @hookimpl
    def ganzoo_register_metrics(self, registry) -> None:
        registry.add("metric", "confused", ConfusedMetric)
        registry.add("metric", "missing", "no_such_metrics_module:Metric")


def test_metric_that_cannot_say_where_it_applies_is_skipped(
    capsys: pytest.CaptureFixture[str],
) -> None:
    registry = load_plugins(eps=[], extra=[("fine-metrics", FinePlugin()),
                                           ("shaky-metrics", ShakyPlugin())]).registry
    spec = DataSpec((2,))
    chosen = resolve_metrics(registry, None, spec, "none", "test data")
    assert [name for name, _ in chosen] == ["fine"]
    err = " ".join(capsys.readouterr().err.split())
    assert "metric 'confused' of plugin 'shaky-metrics'" in err and "cannot tell" in err
    assert "metric 'missing' of plugin 'shaky-metrics'" in err

    task = MetricTask(sampler=lambda n: torch.zeros(n, 2),
                      reference=TensorDataset(torch.zeros(4, 2)), spec=spec)
    assert evaluate(task, chosen)["fine"].values == {"mean": 0.0}  # the others still run
    with pytest.raises(MetricNotApplicableError, match="Metrics that apply: fine"):
        resolve_metrics(registry, ["confused"], spec, "none", "test data")


# ---------------------------------------------------------------- chatty plugins


CHATTY = """
print("chatty: importing")
from ganzoo.hookspecs import hookimpl

@hookimpl
def ganzoo_register_losses(registry):
    print("chatty: registering")
    registry.add("loss", "chatty-loss", "chatty_loss:ChattyLoss")
"""


def test_cli_json_survives_a_plugin_that_prints(
    site_dir: Path, write_module, dist_info, run_ganzoo
) -> None:
    write_module("chatty_plugin", CHATTY)
    write_module("chatty_loss", 'print("chatty: loading the loss")\n\n'
                                'class ChattyLoss:\n    """Talks a lot."""\n')
    dist_info(site_dir, "ganzoo-chatty", "1.0", {"chatty": "chatty_plugin"})
    for args in (["list", "--json"], ["plugins", "--json"], ["info", "chatty-loss", "--json"]):
        result = run_ganzoo(*args, path=site_dir)
        assert result.code == 0, result.err
        assert "chatty" in json.dumps(json.loads(result.out))  # stdout is JSON, nothing else
        assert "chatty: importing" in result.err and "chatty: registering" in result.err
    assert "chatty: loading the loss" in result.err


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

"""The CLI shell and the read-only commands: --version, --help, list, info, plugins, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ganzoo import DISTRIBUTION, __version__
from ganzoo.cli.listing import describe_entry
from ganzoo.cli.main import COMMANDS
from ganzoo.hookspecs import hookimpl
from ganzoo.metrics.base import Metric
from ganzoo.plugins import load_plugins


def test_version(run_cli) -> None:
    result = run_cli("--version")
    assert result.code == 0 and result.out.strip() == f"ganzoo, version {__version__}"


def test_help_lists_every_command(run_cli) -> None:
    result = run_cli("--help")
    assert result.code == 0
    commands = result.out.split("Commands:")[1]
    for name in COMMANDS:
        assert f"  {name} " in commands


def test_list_shows_everything_with_its_plugin(run_cli) -> None:
    result = run_cli("list")
    assert result.code == 0
    rows = {tuple(cell.strip() for cell in line.strip("│ ").split("│")[:3])
            for line in result.out.splitlines() if line.startswith("│")}
    assert {("model", "gan", "gan"), ("dataset", "ring8", "toy"),
            ("dataset", "grid25", "toy"), ("loss", "hinge", "losses")} <= rows


def list_json(run_cli, *args: str) -> list[dict]:
    result = run_cli("list", *args, "--json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_list_json_rows(run_cli) -> None:
    rows = list_json(run_cli)
    gan = next(r for r in rows if r["name"] == "gan")
    assert gan == {"kind": "model", "name": "gan", "plugin": "gan",
                   "distribution": DISTRIBUTION, "summary": gan["summary"]}
    assert gan["summary"]


@pytest.mark.parametrize("kind", ["model", "models", "recipes"])
def test_list_one_kind(run_cli, kind: str) -> None:
    rows = list_json(run_cli, kind)
    assert rows and {r["kind"] for r in rows} == {"model"}
    assert "gan" in {r["name"] for r in rows}


def test_list_kind_and_glob(run_cli) -> None:
    assert [r["name"] for r in list_json(run_cli, "loss", "n*")] == ["non-saturating"]
    assert list_json(run_cli, "losses", "z*") == []
    assert "No losses match 'z*'" in run_cli("list", "loss", "z*").out


def test_list_lone_pattern_searches_every_kind(run_cli) -> None:
    rows = list_json(run_cli, "mlp")
    assert [r["kind"] for r in rows] == ["generator", "discriminator"]
    assert {r["name"] for r in list_json(run_cli, "*ring*")} >= {"ring8"}


def test_list_unknown_kind_is_a_clear_error(run_cli) -> None:
    result = run_cli("list", "gadgets", "*")
    assert result.code == 2
    assert "Unknown kind 'gadgets'" in result.err and "Kinds are: model," in result.err
    assert "Traceback" not in result.err


def test_list_typo_suggests_kind_or_name(run_cli) -> None:
    assert "Did you mean 'model'?" in run_cli("list", "modle").err
    result = run_cli("list", "rign8")
    assert result.code == 2 and "Did you mean 'ring8' (dataset)" in result.err


def test_info_model_shows_its_recipe(run_cli) -> None:
    result = run_cli("info", "gan")
    assert result.code == 0
    for text in ("Goodfellow et al. 2014", "non-saturating", "points: mlp",
                 "adam lr=0.0002", "n critic", "plugin", DISTRIBUTION):
        assert text in result.out


def test_info_json_of_a_model(run_cli) -> None:
    (gan,) = json.loads(run_cli("info", "gan", "--json").out)
    assert (gan["kind"], gan["plugin"], gan["distribution"]) == ("model", "gan", DISTRIBUTION)
    assert gan["loss"] == "non-saturating" and gan["n_critic"] == 1
    assert gan["generator"] == {"points": "mlp",
                                "image": "mlp(hidden=1200, depth=2, norm=batch)"}
    assert gan["version"] == __version__


def test_info_dataset(run_cli) -> None:
    (ring,) = json.loads(run_cli("info", "ring8", "--json").out)
    assert ring["shape"] == [2] and ring["classes"] == 8 and ring["offline"] is True
    assert ring["builder"] == "ganzoo_toy.mixtures:ring8"
    assert "train" in ring["splits"]


def test_info_shared_name_shows_every_kind_with_options(run_cli) -> None:
    details = json.loads(run_cli("info", "mlp", "--json").out)
    assert [d["kind"] for d in details] == ["generator", "discriminator"]
    generator_options = details[0]["options"]
    assert any(o.startswith("hidden") for o in generator_options)
    assert not any(o.startswith(("spec", "latent_dim", "conditioning"))
                   for o in generator_options)
    (only,) = json.loads(run_cli("info", "mlp", "--kind", "discriminators", "--json").out)
    assert only["kind"] == "discriminator"


class _Gap(Metric):
    """Distance between means.

    Lower is
    better."""

    figures = {"gap": "lower"}

    def __init__(self, samples: int = 100) -> None:
        self.samples = samples


class _GapPlugin:
    @hookimpl
    def ganzoo_register_metrics(self, registry) -> None:
        registry.add("metric", "gap", _Gap, summary="mean gap")


def test_describe_a_part_from_its_code() -> None:
    plugins = load_plugins(eps=[], extra=[("gapper", _GapPlugin())])
    details = describe_entry(plugins.registry.get("metric", "gap"), plugins)
    assert details["doc"] == "Distance between means.\n\nLower is better."
    assert details["options"] == ["samples: int = 100"]
    assert details["figures"] == {"gap": "lower"}
    assert (details["plugin"], details["summary"]) == ("gapper", "mean gap")


def test_describe_a_broken_entry_shows_the_error() -> None:
    plugins = load_plugins(eps=[], extra=[])
    entry = plugins.registry.add("loss", "ghost", "no_such_module_here:Loss", plugin="ghost")
    details = describe_entry(entry, plugins)
    assert ("loss 'ghost' of plugin 'ghost' could not be loaded from 'no_such_module_here:Loss': "
            "ModuleNotFoundError") in details["error"]


def test_info_part_table(run_cli) -> None:
    result = run_cli("info", "hinge")
    assert result.code == 0
    assert "ganzoo_losses.losses:Hinge" in result.out and "losses" in result.out


def test_info_unknown_name_is_one_paragraph(run_cli) -> None:
    result = run_cli("info", "gann")
    assert result.code == 2
    assert result.out == ""
    assert "Did you mean 'gan' (model)" in result.err
    assert "Traceback" not in result.err
    assert result.err.strip().count("\n") == 0  # one paragraph


def test_debug_shows_the_traceback(run_cli) -> None:
    result = run_cli("--debug", "info", "gann")
    assert result.code == 2
    assert "Traceback (most recent call last)" in result.err
    assert "UnknownNameError" in result.err


def test_subprocess_error_exit_and_message(run_ganzoo) -> None:
    result = run_ganzoo("info", "gann")
    assert result.code == 2
    assert "Did you mean 'gan'" in result.err and "Traceback" not in result.err


def test_plugins_json_lists_builtins_with_versions(run_cli) -> None:
    result = run_cli("plugins", "--json")
    assert result.code == 0
    plugins = {p["name"]: p for p in json.loads(result.out)}
    for name in ("gan", "losses", "toy"):
        p = plugins[name]
        assert (p["status"], p["distribution"], p["version"]) == (
            "loaded", DISTRIBUTION, __version__)
    assert plugins["gan"]["registered"] == {
        "model": ["gan"], "generator": ["mlp"], "discriminator": ["mlp"]}
    assert "ganzoo_register_models" in plugins["gan"]["hooks"]


def test_plugins_table(run_cli) -> None:
    result = run_cli("plugins")
    assert result.code == 0
    assert "toy" in result.out and "4 datasets" in result.out and "loaded" in result.out


def test_read_only_commands_do_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from ganzoo.cli.main import main\n"
        "for args in (['list'], ['plugins'], ['info', 'gan'], ['info', 'ring8']):\n"
        "    try:\n"
        "        main(args)\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, exc\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_ganzoo_warnings_print_as_one_line(capsys):
    import warnings

    from ganzoo.cli.main import _one_line_warnings
    from ganzoo.errors import GanzooWarning

    with _one_line_warnings(), warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("the data changed", GanzooWarning)
    err = capsys.readouterr().err
    assert "Warning: the data changed" in err and ".py:" not in err and "UserWarning" not in err

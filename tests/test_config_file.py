"""`ganzoo train --config FILE`: request files (TOML, YAML, JSON) with flags over them, and
a run's recorded plan trained again exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml

from ganzoo.training.checkpoint import load_checkpoint

TINY = ["--steps", "4", "--batch-size", "16", "--g-opt", "hidden=8", "--d-opt", "hidden=8",
        "--no-progress"]

REQUEST_TOML = """\
model = "gan"
dataset = "ring8"
steps = 4
batch-size = 16
seed = 3
loss = "hinge"
reg = []
d_opt = ["hidden=8"]

[g-opt]
hidden = 8
depth = 2
"""


def toml_value(value: Any) -> str:
    """Enough TOML for a plan: inline tables and arrays; null has no TOML spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(map(toml_value, value)) + "]"
    return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()
                           if v is not None) + "}"


def to_toml(data: dict[str, Any]) -> str:
    return "".join(f"{k} = {toml_value(v)}\n" for k, v in data.items() if v is not None)


def record(run_dir: Path) -> dict[str, Any]:
    return json.loads((run_dir / "config.json").read_text())


def printed(run_cli, *args: str) -> dict[str, Any]:
    """What ``ganzoo train ... --print-config`` prints: the request and its plan."""
    result = run_cli("train", *args, "--print-config")
    assert result.code == 0, result.err
    return json.loads(result.out)


def trained(run_cli, *args: str) -> None:
    result = run_cli("train", *args)
    assert result.code == 0, result.err


def generator_weights(run_dir: Path) -> dict[str, torch.Tensor]:
    return load_checkpoint(run_dir / "checkpoints/last.pt")["networks"]["generator"]


def test_a_toml_request_trains_with_its_settings(run_cli, tmp_path):
    path = tmp_path / "request.toml"
    path.write_text(f"out = '{tmp_path / 'run'}'\n" + REQUEST_TOML)  # before the tables
    trained(run_cli, "--config", str(path), "--no-progress")

    saved = record(tmp_path / "run")
    plan = saved["plan"]
    assert (plan["model"], plan["loss"]["name"], plan["seed"], plan["batch_size"]) == (
        "gan", "hinge", 3, 16)
    assert plan["generator"]["options"] == {"hidden": 8, "depth": 2, "norm": "batch"}
    assert plan["discriminator"]["options"]["hidden"] == 8 and plan["regularizers"] == []
    assert saved["config"]["steps"] == 4
    assert load_checkpoint(tmp_path / "run/checkpoints/last.pt")["step"] == 4


def test_flags_given_override_the_file_and_defaults_do_not(run_cli, tmp_path):
    path = tmp_path / "request.toml"
    path.write_text(REQUEST_TOML)
    shown = printed(run_cli, "wgan", "--config", str(path), "--seed", "5",
                    "--g-opt", "hidden=12", "--reg", "weight-clipping")
    assert shown["plan"]["model"] == "wgan"  # MODEL on the command line wins
    assert shown["plan"]["seed"] == 5
    assert shown["plan"]["generator"]["options"] == {"hidden": 12, "depth": 2, "norm": "none"}
    assert [r["name"] for r in shown["plan"]["regularizers"]] == ["weight-clipping"]
    # flags left at their defaults keep the file's values
    assert shown["config"]["steps"] == 4 and shown["plan"]["loss"]["name"] == "hinge"
    assert shown["plan"]["batch_size"] == 16


def write_request(path: Path) -> None:
    request = {"model": "gan", "dataset": "ring8", "batch-size": 16, "lr_g": 1e-4,
               "g-opt": {"hidden": 8}, "tracker": [], "n-critic": 2}
    if path.suffix == ".json":
        path.write_text(json.dumps(request))
    elif path.suffix == ".yaml":
        path.write_text(yaml.safe_dump(request))
    else:
        path.write_text(to_toml(request))


@pytest.mark.parametrize("name", ["request.toml", "request.yaml", "request.json"])
def test_each_format_gives_the_same_request(run_cli, tmp_path, name):
    write_request(tmp_path / name)
    plan = printed(run_cli, "--config", str(tmp_path / name))["plan"]
    assert plan["g_optimizer"]["lr"] == 1e-4 and plan["n_critic"] == 2
    assert plan["generator"]["options"]["hidden"] == 8 and plan["batch_size"] == 16


def test_yaml_reads_1e_4_as_a_number(run_cli, tmp_path):
    path = tmp_path / "request.yml"
    path.write_text("model: gan\ndataset: ring8\nlr-d: 1e-4\n")  # YAML 1.1: a string
    assert printed(run_cli, "--config", str(path))["plan"]["d_optimizer"]["lr"] == 1e-4


@pytest.mark.parametrize("name, text, expected", [
    ("a.toml", 'model = "gan"\nstpes = 4\n', ["unknown setting 'stpes'", "Did you mean 'steps'",
                                             "batch-size", "g-opt"]),
    ("a.toml", 'model = "gan"\nsteps = "abc"\n', ["steps should be an integer, not 'abc'"]),
    ("a.toml", 'model = "gan"\nsteps = 0\n', ["steps = 0 is out of range"]),
    ("a.yaml", "model: gan\ng-opt: [hidden]\n", ["a.yaml, g-opt expects key=value"]),
    ("a.toml", 'model = "gan"\nsteps = \n', ["a.toml", "line 2"]),
    ("a.yaml", "model: gan\nsteps: [4\n", ["a.yaml", "line 3"]),
    ("a.json", '{"model": "gan",\n "steps": }', ["a.json", "line 2"]),
    ("a.yaml", "- gan\n", ["a.yaml should hold settings"]),
    ("a.ini", "model = gan\n", ["*.toml, *.yaml (*.yml) or *.json"]),
    ("a.toml", 'reg = "none"\nregularizers = []\n', ["sets reg twice"]),
])
def test_bad_files_are_refused_in_one_paragraph(run_cli, tmp_path, name, text, expected):
    (tmp_path / name).write_text(text)
    result = run_cli("train", "--config", str(tmp_path / name), "--dataset", "ring8")
    assert result.code == 2 and "Traceback" not in result.err
    for words in expected:
        assert words in " ".join(result.err.split())


def test_a_missing_file_or_model_is_named(run_cli, tmp_path):
    missing = run_cli("train", "--config", str(tmp_path / "nope.toml"))
    assert missing.code == 2 and "nope.toml" in missing.err
    (tmp_path / "a.toml").write_text('dataset = "ring8"\n')
    no_model = run_cli("train", "--config", str(tmp_path / "a.toml"))
    assert no_model.code == 2 and "Which model" in no_model.err


@pytest.fixture
def original(run_cli, tmp_path) -> Path:
    """A finished tiny run, started from flags."""
    run_dir = tmp_path / "original"
    trained(run_cli, "gan", "--dataset", "ring8", "--seed", "2", "--out", str(run_dir), *TINY)
    return run_dir


def test_a_runs_config_json_trains_the_same_plan_to_the_same_weights(run_cli, tmp_path,
                                                                      original):
    again = tmp_path / "again"
    trained(run_cli, "--config", str(original / "config.json"), "--out", str(again),
            "--no-progress")

    assert record(again)["plan"] == record(original)["plan"]
    assert record(again)["config"]["steps"] == 4  # the run settings came along
    first, second = generator_weights(original), generator_weights(again)
    assert first.keys() == second.keys()
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_a_recorded_plan_is_not_re_resolved(run_cli, tmp_path, original):
    plan = record(original)["plan"]
    plan["generator"]["options"]["depth"] = 2  # not what gan's recipe resolves to
    plan["ema_decay"] = 0.5
    copy = tmp_path / "plan.yaml"
    copy.write_text(yaml.safe_dump(plan))
    again = tmp_path / "again"
    trained(run_cli, "--config", str(copy), "--out", str(again), "--steps", "2",
            "--no-progress")
    assert record(again)["plan"] == plan


def test_a_plan_saved_as_toml_reads_back_whole(run_cli, original):
    plan = record(original)["plan"]
    copy = original.parent / "plan.toml"
    copy.write_text(to_toml(plan))  # a bare plan; TOML drops its nulls (image_size)
    assert printed(run_cli, "--config", str(copy))["plan"] == plan


def test_a_recorded_plan_refuses_flags_that_would_change_it(run_cli, tmp_path, original):
    result = run_cli("train", "--config", str(original), "--out", str(tmp_path / "b"),
                     "--lr-g", "0.1", "--reg", "none", "--steps", "2")
    err = " ".join(result.err.split())
    assert result.code == 2 and "recorded plan" in err
    assert "--lr-g, --reg would change it" in err and "request" in err
    assert not (tmp_path / "b").exists()

    same_model = run_cli("train", "gan", "--config", str(original), "--print-config")
    assert same_model.code == 0, same_model.err
    other_model = run_cli("train", "wgan", "--config", str(original), "--print-config")
    assert other_model.code == 2 and "MODEL would change it" in other_model.err


def test_a_recorded_plan_keeps_the_run_folder_rules(run_cli, tmp_path, original):
    same_folder = run_cli("train", "--config", str(original / "config.json"))
    assert same_folder.code == 2 and "--out" in same_folder.err

    again = tmp_path / "again"
    config = str(original / "config.json")
    trained(run_cli, "--config", config, "--out", str(again), "--steps", "2", "--no-progress")
    trained(run_cli, "--config", config, "--out", str(again), "--resume", "--no-progress")
    assert load_checkpoint(again / "checkpoints/last.pt")["step"] == 4

    plan = record(original)["plan"]
    plan["ema_decay"] = 0.5
    (tmp_path / "other.json").write_text(json.dumps({"plan": plan}))
    other = run_cli("train", "--config", str(tmp_path / "other.json"), "--out", str(again),
                    "--steps", "6", "--resume")
    assert other.code == 2 and "another plan" in other.err


def test_train_help_shows_a_config_example(run_cli):
    result = run_cli("train", "--help")
    assert result.code == 0 and "--config wgan-gp.toml" in result.out

"""Lifecycle hooks: when they fire during a run and a bench, trackers on them, isolation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ganzoo.api import RunInfo, hookimpl, train
from ganzoo.bench.cells import Settings
from ganzoo.bench.runner import BenchRequest, run_bench
from ganzoo.plugins import load_plugins

EVENTS: list[tuple[str, Any]] = []


class Recorder:
    """A plugin that records every lifecycle hook it sees."""

    @staticmethod
    @hookimpl
    def ganzoo_run_started(run: RunInfo) -> None:
        EVENTS.append(("run_started", (run.plan.model, run.start_step, run.steps, run.resumed)))

    @staticmethod
    @hookimpl
    def ganzoo_step_logged(step: int, values: dict[str, float]) -> None:
        EVENTS.append(("step_logged", (step, sorted(values))))

    @staticmethod
    @hookimpl
    def ganzoo_samples_drawn(step: int, path: Path) -> None:
        EVENTS.append(("samples_drawn", (step, path.name, path.exists())))

    @staticmethod
    @hookimpl
    def ganzoo_checkpoint_saved(step: int, path: Path) -> None:
        EVENTS.append(("checkpoint_saved", (step, path.exists())))

    @staticmethod
    @hookimpl
    def ganzoo_run_finished(run: RunInfo, result: Any) -> None:
        EVENTS.append(("run_finished", (result.steps, result.interrupted)))

    @staticmethod
    @hookimpl
    def ganzoo_bench_cell_finished(row: dict[str, Any]) -> None:
        EVENTS.append(("bench_cell_finished", (row["cell"], row["status"])))

    @staticmethod
    @hookimpl
    def ganzoo_bench_finished(out: Path, rows: list[dict[str, Any]]) -> None:
        EVENTS.append(("bench_finished", ((out / "report.md").exists(), len(rows))))


class Broken:
    """A plugin whose step hook raises: it must not stop the run or the other plugins."""

    calls = 0

    @staticmethod
    @hookimpl
    def ganzoo_step_logged(step: int) -> None:
        Broken.calls += 1
        raise RuntimeError("tracker server unreachable")


class TagTracker:
    """A tracker (a registry entry, chosen per run) that records with a tag option."""

    def __init__(self, tag: str = "none"):
        self.tag = tag

    @hookimpl
    def ganzoo_step_logged(self, step: int) -> None:
        EVENTS.append(("tracker", (self.tag, step)))

    def close(self) -> None:
        EVENTS.append(("tracker_closed", self.tag))


class MisspelledTracker:
    @hookimpl
    def ganzoo_step_loged(self, step: int) -> None:  # one "g" short
        EVENTS.append(("misspelled", step))


class WrongArgumentTracker:
    @hookimpl
    def ganzoo_step_logged(self, stepp: int) -> None:  # the hook passes "step"
        EVENTS.append(("wrong-argument", stepp))


class FailsToStart:
    """A tracker whose server is down: it fails at run start and must then be left alone."""

    calls = 0

    @hookimpl
    def ganzoo_run_started(self) -> None:
        FailsToStart.calls += 1
        raise ConnectionError("server down")

    @hookimpl
    def ganzoo_step_logged(self) -> None:
        FailsToStart.calls += 1
        raise AssertionError("called after it failed to start")


class TrackerPlugin:
    @staticmethod
    @hookimpl
    def ganzoo_register_trackers(registry: Any) -> None:
        registry.add("tracker", "tag", TagTracker, summary="test: records steps with a tag")
        registry.add("tracker", "misspelled", MisspelledTracker, summary="test: a typo")
        registry.add("tracker", "wrong-argument", WrongArgumentTracker, summary="test")
        registry.add("tracker", "down", FailsToStart, summary="test: fails to start")


@pytest.fixture
def plugins() -> Any:
    EVENTS.clear()
    Broken.calls = 0
    loaded = load_plugins(extra=[("recorder", Recorder), ("broken", Broken),
                                 ("tag-tracker", TrackerPlugin)])
    assert not [p.error for p in loaded.failed if p.name in ("recorder", "broken", "tag-tracker")]
    return loaded


def _train(plugins: Any, out: Path, **settings: Any) -> Any:
    settings = {"steps": 4, "batch_size": 16, "generator_options": {"hidden": 8},
                "discriminator_options": {"hidden": 8}, "log_every": 2, "sample_every": 4,
                "checkpoint_every": 4, **settings}
    return train("gan", "ring8", out=out, registry=plugins.registry, hooks=plugins.manager,
                 **settings)


def test_run_hooks_fire_in_order_and_a_raising_one_is_isolated(plugins, tmp_path, capsys):
    result = _train(plugins, tmp_path / "run")
    assert result.steps == 4 and not result.interrupted
    names = [name for name, _ in EVENTS]
    assert names == ["run_started", "step_logged", "step_logged", "samples_drawn",
                     "checkpoint_saved", "samples_drawn", "run_finished"]
    assert EVENTS[0][1] == ("gan", 0, 4, False)
    assert EVENTS[1][1] == (2, ["d_loss", "elapsed_s", "g_loss", "images_per_s"])
    assert EVENTS[3][1] == (4, "step-000004.png", True)
    assert EVENTS[5][1] == (4, "final.png", True)
    assert EVENTS[-1][1] == (4, False)
    assert Broken.calls == 1  # skipped after its first failure
    err = capsys.readouterr().err
    assert "plugin 'broken' failed in ganzoo_step_logged" in err
    assert "tracker server unreachable" in err
    assert (tmp_path / "run/metrics.jsonl").read_text().count("\n") == 2


def test_a_resumed_run_says_so(plugins, tmp_path):
    _train(plugins, tmp_path / "run")
    EVENTS.clear()
    _train(plugins, tmp_path / "run", steps=6, resume=True)
    assert EVENTS[0] == ("run_started", ("gan", 4, 6, True))


def test_a_chosen_tracker_gets_hooks_for_its_run_only_and_is_closed(plugins, tmp_path):
    _train(plugins, tmp_path / "run", trackers=("tag:tag=blue",))
    assert [e for e in EVENTS if e[0].startswith("tracker")] == [
        ("tracker", ("blue", 2)), ("tracker", ("blue", 4)), ("tracker_closed", "blue")]
    EVENTS.clear()
    _train(plugins, tmp_path / "other")
    assert not [e for e in EVENTS if e[0].startswith("tracker")]


def test_bench_hooks_fire_per_cell_and_at_the_end(plugins, tmp_path):
    request = BenchRequest(models=["gan"], datasets=["ring8"], seeds=1,
                           settings=Settings(steps=2, batch_size=16, num_samples=100,
                                             metrics=("mode-coverage",),
                                             generator_options={"hidden": 8},
                                             discriminator_options={"hidden": 8}),
                           out=tmp_path / "bench", references=False, trackers=("tag:tag=b",))
    run_bench(request, registry=plugins.registry, hooks=plugins.manager, progress=False)
    bench = [e for e in EVENTS if e[0].startswith("bench")]
    assert bench == [("bench_cell_finished", ("gan-ring8-seed0", "ok")),
                     ("bench_finished", (True, 1))]
    assert ("tracker_closed", "b") in EVENTS


@pytest.mark.parametrize("tracker, message", [
    ("misspelled", "ganzoo_step_loged is not a lifecycle hook (did you mean ganzoo_step_logged?)"),
    ("wrong-argument", "ganzoo_step_logged takes stepp, which the hook does not pass"),
])
def test_a_tracker_with_a_bad_hook_is_refused_before_anything_is_written(
        plugins, tmp_path, tracker, message):
    from ganzoo.errors import GanzooError

    with pytest.raises(GanzooError) as info:
        _train(plugins, tmp_path / "run", trackers=(tracker,))
    assert message in str(info.value)
    assert not (tmp_path / "run").exists()
    assert not EVENTS
    assert _train(plugins, tmp_path / "run", trackers=("tag",)).steps == 4  # nothing leaked


def test_a_tracker_that_fails_to_start_is_skipped_for_the_whole_run(plugins, tmp_path, capsys):
    FailsToStart.calls = 0
    assert _train(plugins, tmp_path / "run", trackers=("down", "tag:tag=t")).steps == 4
    assert FailsToStart.calls == 1
    assert capsys.readouterr().err.count("tracker 'down' failed") == 1
    assert ("tracker_closed", "t") in EVENTS

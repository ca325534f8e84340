"""Seed statistics and protocol columns of the bench's tables, on hand-made rows whose answer
is known: intervals, significance marks against the best model, and one protocol per column."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

import pytest
from rich.console import Console
from scipy import stats as scipy_stats

from ganzoo.bench.cells import REAL, TRAINED, UNTRAINED
from ganzoo.bench.report import results_csv
from ganzoo.bench.runner import figure_metrics, flatten
from ganzoo.bench.summary import (
    BEST, SAME, Column, Stat, group_rows, statistics_note, summary_csv, summary_table, welch_p)
from ganzoo.bench.table import print_tables


def _row(model: str, seed: int, fid: float | None, *, status: str = "ok",
         kind: str = TRAINED, protocol: str | None = None, better: str = "lower",
         figure: str = "fid") -> dict[str, Any]:
    """A finished (or failed) cell measuring ``figure`` with metric ``fid-metric``, under
    ``protocol`` when given (rows without a protocol look like points metrics or old rows)."""
    how: dict[str, Any] = {"num_samples": 500}
    if protocol:
        how["protocol"] = protocol
    return {"cell": f"{model}-d-seed{seed}-{protocol}", "kind": kind, "label": model,
            "model": model, "dataset": "d", "seed": seed, "status": status, "error": None,
            "figures": {} if fid is None else {figure: fid, "fid_std": 0.1},
            "better": {figure: better, "fid_std": ""},
            "measured_with": {"fid-metric": how} if fid is not None else {},
            "figure_metric": {figure: "fid-metric", "fid_std": "fid-metric"},
            "budget": {"generator_updates": 10, "discriminator_updates": 10,
                       "wall_time_s": 1.0},
            "images_per_s": 100.0, "params": {"generator": 10, "discriminator": 10}}


def _model(name: str, values: list[float | None], **kwargs: Any) -> list[dict[str, Any]]:
    return [_row(name, seed, v, status="ok" if v is not None else "failed", **kwargs)
            for seed, v in enumerate(values)]


def _fid_cells(rows: list[dict[str, Any]]) -> dict[str, str]:
    header, lines = summary_table(group_rows(rows))
    return {line[0]: line[header.index("fid ↓")] for line in lines}


def test_interval_is_students_t_over_seeds() -> None:
    stat = Stat.of([10.0, 11.0, 12.0])
    assert stat is not None and stat.n == 3 and stat.std == pytest.approx(1.0)
    half = 4.302652729911275 / math.sqrt(3)  # t(0.975, 2 degrees of freedom)
    assert stat.interval == (pytest.approx(11 - half), pytest.approx(11 + half))
    assert stat.format() == "11 ± 1 [8.516, 13.48]"
    assert stat.format(wrap=True) == "11 ± 1\n[8.516, 13.48]"
    assert Stat.of([10.0, 12.0]).interval is None  # type: ignore[union-attr]


def test_welch_p_matches_scipy_on_the_seeds_and_handles_identical_seeds() -> None:
    a, b = [10.0, 10.5, 11.2, 9.8], [12.0, 13.1, 12.4]
    expected = scipy_stats.ttest_ind(a, b, equal_var=False).pvalue
    assert welch_p(Stat.of(a), Stat.of(b)) == pytest.approx(expected)  # type: ignore[arg-type]
    same = Stat.of([5.0, 5.0, 5.0])
    assert welch_p(same, same) == 1.0  # type: ignore[arg-type]
    assert welch_p(same, Stat.of([6.0, 6.0, 6.0])) == 0.0  # type: ignore[arg-type]


def test_clearly_separated_models_mark_only_the_best() -> None:
    rows = _model("a", [10.0, 10.2, 9.9]) + _model("b", [20.0, 20.3, 19.8])
    cells = _fid_cells(rows)
    assert cells["a"].endswith(BEST) and "[" in cells["a"]
    assert not cells["b"].endswith((BEST, SAME)) and "[" in cells["b"]


def test_overlapping_models_are_marked_not_significantly_different() -> None:
    rows = (_model("a", [10.0, 14.0, 12.0]) + _model("b", [11.0, 15.0, 13.0])
            + _model("c", [30.0, 30.5, 29.5]))
    cells = _fid_cells(rows)
    assert cells["a"].endswith(BEST)
    assert cells["b"].endswith(SAME)
    assert not cells["c"].endswith((BEST, SAME))


def test_higher_is_better_picks_the_largest_mean() -> None:
    rows = (_model("a", [0.5, 0.52, 0.49], better="higher", figure="precision")
            + _model("b", [0.9, 0.91, 0.89], better="higher", figure="precision"))
    header, lines = summary_table(group_rows(rows))
    column = header.index("precision ↑")
    assert [line[column][-1] for line in lines] == ["]", BEST]  # a: interval, no mark


def test_two_seeds_give_neither_interval_nor_marks() -> None:
    rows = _model("a", [10.0, 10.1]) + _model("b", [20.0, 20.1])
    cells = _fid_cells(rows)
    assert cells == {"a": "10.05 ± 0.071", "b": "20.05 ± 0.071"}
    assert "No confidence interval" in statistics_note(group_rows(rows))


def test_a_failed_seed_leaves_n_smaller_and_takes_the_model_out_of_the_test() -> None:
    rows = (_model("a", [10.0, 10.2, 9.9]) + _model("b", [20.0, 20.3, None])
            + _model("c", [30.0, 30.5, 29.5]))
    groups = group_rows(rows)
    assert groups[1].seeds == "2/3" and groups[1].figure("fid").n == 2  # type: ignore[union-attr]
    cells = _fid_cells(rows)
    assert cells["b"] == "20.15 ± 0.21"  # no interval, no mark: not tested
    assert cells["a"].endswith(BEST) and not cells["c"].endswith((BEST, SAME))
    lines = list(csv.DictReader(io.StringIO(summary_csv(groups))))
    fid = {line["model"]: line for line in lines if line["figure"] == "fid"}
    assert fid["b"]["n"] == "2" and fid["b"]["ci_low"] == "" and fid["b"]["p_vs_best"] == ""
    assert fid["a"]["mark"] == BEST and fid["a"]["p_vs_best"] == ""
    assert float(fid["c"]["p_vs_best"]) < 0.05 and fid["c"]["mark"] == ""
    assert float(fid["c"]["ci_low"]) < 30 < float(fid["c"]["ci_high"])


def test_real_data_and_untrained_generators_are_never_marked() -> None:
    rows = (_model("a", [10.0, 10.2, 9.9]) + _model("b", [20.0, 20.3, 19.8])
            + [_row("real data", 0, 1.0, kind=REAL)]
            + _model("a (untrained)", [300.0, 301.0, 299.0], kind=UNTRAINED))
    cells = _fid_cells(rows)
    assert cells["real data"] == "1"
    assert cells["a (untrained)"].endswith("]") and cells["a"].endswith(BEST)


def test_a_single_model_gets_an_interval_but_no_mark() -> None:
    assert _fid_cells(_model("a", [10.0, 10.2, 9.9])) == {"a": "10.03 ± 0.15 [9.654, 10.41]"}


def test_two_protocols_of_one_figure_get_two_columns() -> None:
    rows = (_model("a", [10.0, 10.2, 9.9], protocol="offline-domain")
            + _model("b", [20.0, 20.3, 19.8], protocol="offline-domain")
            + _model("b", [5.0, 5.5, 4.5], protocol="clean"))
    header, lines = summary_table(group_rows(rows))
    assert header[2:4] == ["fid [offline-domain] ↓", "fid [clean] ↓"]
    a, b = lines
    assert a[2].endswith(BEST) and a[3] == "–"  # a was never measured under clean
    assert b[2].startswith("20.03") and not b[3].endswith(BEST)  # one model: no test
    assert b[3].startswith("5 ± 0.5")
    assert "[name]" in statistics_note(group_rows(rows))
    csv_header = next(csv.reader(io.StringIO(results_csv(rows))))
    assert {"fid [offline-domain]", "fid [clean]"} <= set(csv_header) and "fid" not in csv_header


def test_one_protocol_gives_one_column_named_in_the_header() -> None:
    rows = (_model("a", [10.0, 10.2, 9.9], protocol="offline-domain")
            + _model("b", [20.0, 20.3, 19.8], protocol="offline-domain"))
    header, _ = summary_table(group_rows(rows))
    assert [h for h in header if h.startswith("fid")] == ["fid [offline-domain] ↓"]


def test_rows_without_a_protocol_keep_todays_columns() -> None:
    old = _model("a", [10.0, 10.2, 9.9])
    for row in old:
        del row["figure_metric"]  # written before figures recorded their metric
    header, _ = summary_table(group_rows(old + _model("b", [20.0, 20.3, 19.8])))
    assert header[2] == "fid ↓" and len([h for h in header if "fid" in h]) == 1
    assert "[name]" not in statistics_note(group_rows(old))
    assert group_rows(old)[0].columns() == [Column("fid"), Column("fid_std")]


def test_flatten_records_the_metric_behind_each_figure() -> None:
    evaluation = {
        "fid": {"values": {"fid": 3.0}, "measured_with": {"protocol": "clean"}},
        "kid": {"values": {"kid_mean": 0.1, "std": 0.01}, "measured_with": {}},
        "is": {"values": {"is_mean": 2.0, "std": 0.2}, "measured_with": {}},
    }
    figures, _, _ = flatten(evaluation, {})
    mapping = figure_metrics(evaluation)
    assert set(mapping) == set(figures)
    assert mapping == {"fid": "fid", "kid_mean": "kid", "kid/std": "kid", "is_mean": "is",
                       "is/std": "is"}


def test_console_table_explains_the_marks_under_it() -> None:
    rows = (_model("a", [10.0, 10.2, 9.9], protocol="offline-domain")
            + _model("b", [10.1, 10.3, 9.8], protocol="offline-domain"))
    console = Console(file=io.StringIO(), width=200)
    print_tables(console, rows, caption="mean ± std over seeds")
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "fid [offline-domain] ↓" in text and BEST in text and SAME in text
    assert "Welch's t-test" in text and "95% confidence interval" in text
    assert "fewer than 3 finished seeds" in text

"""How a run's logged values and its plan are named in every tracker, so that the same
figure has the same name in TensorBoard, MLflow and W&B."""

from __future__ import annotations

import json
from typing import Any, Mapping

_GROUPS = {"images_per_s": "speed", "elapsed_s": "time"}


def metric_name(key: str) -> str:
    """``d_loss`` → ``loss/d_loss``, ``images_per_s`` → ``speed/images_per_s``; regularizer
    and extra terms (``gradient-penalty``, ``l1``) go under ``terms/``. Dashboards group
    charts by the part before the slash."""
    group = "loss" if key.endswith("loss") else _GROUPS.get(key, "terms")
    return f"{group}/{key}"


def evaluation_values(figures: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """Figures measured during training (``{metric: {figure: value}}``) under ``eval/``:
    ``eval/fid``, ``eval/kid/kid_mean`` (the metric's name once when it names its figure)."""
    return {f"eval/{metric}" if figure == metric else f"eval/{metric}/{figure}": value
            for metric, values in figures.items() for figure, value in values.items()}


def plan_params(plan: Mapping[str, Any], max_length: int = 500) -> dict[str, str]:
    """The plan flattened to ``{"generator.options.base_channels": "32", ...}``.

    Values are JSON text (empty lists and mappings kept, so "no regularizers" shows), cut to
    ``max_length`` characters: MLflow servers refuse longer parameter values (500 before
    MLflow 2, 6,000 since). Log the whole plan as a file beside them.
    """
    flat: dict[str, str] = {}

    def walk(key: str, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            for k, v in value.items():
                walk(f"{key}.{k}" if key else str(k), v)
        elif isinstance(value, (list, tuple)) and value:
            for i, v in enumerate(value):
                walk(f"{key}.{i}", v)
        else:
            text = value if isinstance(value, str) else json.dumps(value)
            flat[key] = text if len(text) <= max_length else text[: max_length - 1] + "…"

    walk("", plan)
    return flat

"""The ``mlflow`` tracker: one MLflow run per ganzoo run, continued by ``--resume``."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from ganzoo.api import RunInfo, hookimpl
from ganzoo_trackers.naming import evaluation_values, metric_name, plan_params
from ganzoo_trackers.optional import import_optional
from ganzoo_trackers.run_ids import store_run_id, stored_run_id

RUN_ID_FILE = "mlflow_run_id"
_PARAMS_PER_CALL = 100  # MLflow's limit for one log_batch


class MlflowTracker:
    """The flattened plan as params (and whole, as ``plan.json``), each logged value and
    evaluation as a metric with its step, the last sample picture as an artifact, and the
    run's end (FINISHED, KILLED when interrupted, FAILED when training broke off).

    ``tracking_uri`` defaults to ``$MLFLOW_TRACKING_URI``, else a local file store in
    ``RUN_DIR/mlruns`` that needs no server.
    """

    def __init__(self, tracking_uri: str | None = None, experiment: str = "ganzoo",
                 run_name: str | None = None) -> None:
        self._mlflow = import_optional("mlflow", tracker="mlflow",
                                       package="mlflow-skinny (or mlflow)")
        self._tracking_uri = tracking_uri
        # --tracker options arrive parsed: experiment=2024 would be an int
        self._experiment = str(experiment)
        self._run_name = None if run_name is None else str(run_name)
        self._client: Any = None
        self._run_id: str | None = None
        self._logged_up_to = -1
        self._last_sample: Path | None = None

    @hookimpl
    def ganzoo_run_started(self, run: RunInfo) -> None:
        self._client = self._mlflow.MlflowClient(tracking_uri=self._uri(run))
        previous = self._reopen(stored_run_id(run, RUN_ID_FILE))
        if previous is None:
            self._run_id = self._client.create_run(
                self._experiment_id(), run_name=self._run_name or run.run_dir.name,
            ).info.run_id
            store_run_id(run, RUN_ID_FILE, self._run_id)
        else:
            self._run_id = previous.info.run_id
            self._client.update_run(self._run_id, status="RUNNING")
            # the interrupted run logged steps after its checkpoint, which come again
            self._logged_up_to = max(
                (m.step for key in previous.data.metrics
                 for m in self._client.get_metric_history(self._run_id, key)), default=-1)
        self._log_plan(run.plan.to_dict(), logged=previous.data.params if previous else {})

    def _uri(self, run: RunInfo) -> str:
        uri = (self._tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
               or (run.run_dir / "mlruns").resolve().as_uri())
        if urlparse(uri).scheme in ("", "file"):
            # MLflow 3 keeps its file store (in maintenance mode) behind this switch; it is
            # the store that needs neither a server nor a database
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        return uri

    def _reopen(self, run_id: str | None) -> Any:
        """The MLflow run a resumed run continues, if this store has it (``None`` starts a
        new one, e.g. when the run resumes with another tracking URI)."""
        if run_id is None:
            return None
        try:
            return self._client.get_run(run_id)
        except self._mlflow.exceptions.MlflowException:
            return None

    def _experiment_id(self) -> str:
        found = self._client.get_experiment_by_name(self._experiment)
        return found.experiment_id if found else self._client.create_experiment(self._experiment)

    def _log_plan(self, plan: dict[str, Any], logged: dict[str, str]) -> None:
        """The plan's flattened params not logged yet, and the whole plan as ``plan.json``."""
        params = [self._mlflow.entities.Param(k, v) for k, v in plan_params(plan).items()
                  if k not in logged]
        for i in range(0, len(params), _PARAMS_PER_CALL):
            self._client.log_batch(self._run_id, params=params[i:i + _PARAMS_PER_CALL])
        self._client.log_dict(self._run_id, plan, "plan.json")

    @hookimpl
    def ganzoo_step_logged(self, step: int, values: dict[str, float]) -> None:
        self._log(step, {metric_name(k): v for k, v in values.items()})

    @hookimpl
    def ganzoo_run_evaluated(self, step: int, figures: dict[str, dict[str, float]]) -> None:
        self._log(step, evaluation_values(figures))

    def _log(self, step: int, values: dict[str, float]) -> None:
        if step <= self._logged_up_to:
            return
        now = int(time.time() * 1000)
        metric = self._mlflow.entities.Metric
        self._client.log_batch(self._run_id, metrics=[
            metric(k, v, now, step) for k, v in values.items()])

    @hookimpl
    def ganzoo_samples_drawn(self, path: Path) -> None:
        self._last_sample = path

    @hookimpl
    def ganzoo_run_finished(self, result: Any) -> None:
        if self._last_sample is not None:
            self._client.log_artifact(self._run_id, str(self._last_sample), "samples")
        self._end("KILLED" if result.interrupted else "FINISHED")

    def close(self) -> None:
        self._end("FAILED")  # only if the run did not finish

    def _end(self, status: str) -> None:
        if self._run_id is not None:
            self._client.set_terminated(self._run_id, status)
            self._run_id = None

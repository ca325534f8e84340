"""ganzoo's trackers: TensorBoard, MLflow and Weights & Biases on the lifecycle hooks.

Registered lazily ("module:Class"), so ``ganzoo list`` imports none of the three libraries;
each tracker imports its library when it is built and names the extra to install if missing.
"""

from ganzoo.api import hookimpl

_TRACKERS = {
    "tensorboard": ("ganzoo_trackers.tensorboard_tracker:TensorBoardTracker",
                    "TensorBoard event files (RUN_DIR/tensorboard): scalars, the plan, samples"),
    "mlflow": ("ganzoo_trackers.mlflow_tracker:MlflowTracker",
               "an MLflow run (local store RUN_DIR/mlruns by default): params, metrics, samples"),
    "wandb": ("ganzoo_trackers.wandb_tracker:WandbTracker",
              "a Weights & Biases run (offline by default, in RUN_DIR/wandb)"),
    # the core's own log, always on; registered so that `ganzoo list trackers` shows it
    "jsonl": ("ganzoo.training.metrics_log:JsonlTracker",
              "one JSON object per logged step in RUN_DIR/metrics.jsonl (always on)"),
}


@hookimpl
def ganzoo_register_trackers(registry):
    for name, (target, summary) in _TRACKERS.items():
        registry.add("tracker", name, target, summary=summary)

"""``ganzoo bench --executor ray``: each cell a Ray task, on a local or remote Ray cluster.

A cell runs whole in a task (train, then evaluate, as :func:`ganzoo.bench.workers.run_cell_alone`
runs it in a worker process) with the installed plugins, asking Ray for one GPU with
``--device cuda`` and one CPU otherwise; Ray places as many at once as the cluster holds.
The bench's own process records each row as its task finishes, under the output folder's
lock, as with ``--jobs``.  The tasks write their run folders under ``--out``: on a cluster of
several machines that folder must be on a filesystem they share.

Ctrl-C cancels the tasks; a running cell stops at its next step with a checkpoint (Ray
interrupts the task as Ctrl-C would) and the same command resumes it.  A task that fails
outright (its worker died) fails only its cell.  Ray is an optional extra:
``pip install 'torch-ganzoo[ray]'``.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from ganzoo.bench.cells import Cell
from ganzoo.bench.results import FAILED
from ganzoo.bench.workers import POLL_S, run_cell_alone
from ganzoo.errors import GanzooError


def _cell_task(request: Any, cell: Cell, earlier: dict[str, Any] | None) -> dict[str, Any]:
    """What a Ray task runs: the cell's row, also when the task is interrupted."""
    try:
        return run_cell_alone(request, cell, earlier)
    except KeyboardInterrupt as exc:
        return exc.row  # type: ignore[attr-defined]


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise GanzooError(
            "--executor ray needs Ray, which is not installed. Install it with "
            "pip install 'torch-ganzoo[ray]' (or pip install ray), or run the bench without "
            "--executor ray."
        ) from None
    return ray


def run_on_ray(runner: Any, pending: list[Cell], show: Callable[[int, str], None],
               address: str | None) -> None:
    """Run ``pending`` cells as Ray tasks (on the cluster at ``address``, else a local Ray
    started for this bench); record each row as it comes back."""
    ray = _ray()
    request = runner.request
    started_here = not ray.is_initialized()
    if started_here:
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False,
                     logging_level=logging.WARNING)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise GanzooError(
                f"Could not start or reach Ray{f' at {address}' if address else ''} "
                f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}). "
                "Check the address (ray status on the head node shows it), or leave "
                "--address out to start a local Ray."
            ) from None
    gpus = 1 if request.device.startswith("cuda") else 0
    task = ray.remote(num_cpus=1, num_gpus=gpus, max_retries=0)(_cell_task)
    waiting = {task.remote(request, cell, runner.store.row(cell)): cell for cell in pending}
    finished = 0
    show(finished, f"{len(waiting)} cells submitted to Ray")
    try:
        while waiting:
            done, _ = ray.wait(list(waiting), num_returns=1, timeout=POLL_S)
            for ref in done:
                cell = waiting.pop(ref)
                try:
                    row = ray.get(ref)
                except ray.exceptions.RayError as exc:
                    row = runner.base_row(cell)
                    row.update(status=FAILED,
                               error=f"its Ray task failed ({type(exc).__name__}: "
                                     f"{str(exc).splitlines()[0] if str(exc) else ''})")
                finished += 1
                runner.record(cell, row)
                show(finished, f"{len(waiting)} cells still on Ray")
    except KeyboardInterrupt:
        for ref in waiting:
            ray.cancel(ref)
        raise
    finally:
        if started_here:
            ray.shutdown()

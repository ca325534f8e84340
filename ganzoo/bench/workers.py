"""``ganzoo bench --jobs N``: independent cells in N worker processes.

Cells share nothing but the output folder, so each runs whole (train, then evaluate) in a
worker process started fresh (``spawn``: no CUDA or thread state inherited) with the
installed plugins.  The parent alone writes ``results.jsonl``: a worker sends each cell's
row back and the parent records it as it arrives, under the bench's folder lock, so no row
is lost to two writers and a re-run resumes exactly as after a sequential bench.

On a machine with several GPUs each worker sees one (``CUDA_VISIBLE_DEVICES``, in turn);
on the CPU the cores are shared out (``torch.set_num_threads``).  A stop signal reaches the
parent (Ctrl-C, SIGTERM, SIGHUP); workers ignore Ctrl-C from the terminal and are sent
SIGTERM instead, so each checkpoints its cell, reports it interrupted and ends, as a
sequential bench does.  A worker that dies (killed, out of memory) fails only its cell.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import signal
import time
from typing import Any, Callable

from ganzoo.bench.cells import Cell
from ganzoo.bench.results import FAILED, INTERRUPTED, ResultsStore
from ganzoo.errors import GanzooError
from ganzoo.interrupts import signal_name, stop_signal

#: How long the parent waits for a message before checking that its workers still live (s).
POLL_S = 0.5
#: How long a stopped worker gets to checkpoint and report before it is killed (s).
GRACE_S = 120.0


def _gpus(device: str) -> int:
    """GPUs to spread workers over: the visible ones for ``cuda``, none otherwise (a
    ``cuda:K`` device names one GPU for every worker)."""
    if device != "cuda":
        return 0
    import torch

    return torch.cuda.device_count()


def run_cell_alone(request: Any, cell: Cell, earlier: dict[str, Any] | None) -> dict[str, Any]:
    """Train and evaluate ``cell`` away from the bench's own process (a worker process or a
    Ray task), with the installed plugins; returns its row, for the parent to record.  A
    stop signal propagates with the interrupted row attached (``exc.row``)."""
    from rich.console import Console

    from ganzoo.bench.runner import BenchRunner
    from ganzoo.plugins import default_plugins

    plugins = default_plugins()
    # the cell's earlier row only (a resumed cell adds to its recorded time); never
    # written: the parent records what comes back
    store = ResultsStore(request.out, request.settings, {cell.key: earlier} if earlier else {})
    runner = BenchRunner(request, plugins.registry, Console(quiet=True), progress=False,
                         hooks=plugins.manager, store=store)
    return runner.run_cell(cell)


def _worker(slot: int, request: Any, tasks: Any, messages: Any, threads: int,
            gpu: int | None) -> None:
    """A worker process: run cells from ``tasks`` until told to stop (``None``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)
    import torch

    from ganzoo.interrupts import stop_signals_raise

    torch.set_num_threads(threads)
    with stop_signals_raise():
        try:
            while (task := tasks.get()) is not None:
                cell, earlier = task
                messages.put(("started", slot, cell.key))
                try:
                    row = run_cell_alone(request, cell, earlier)
                except KeyboardInterrupt as exc:
                    messages.put(("row", slot, exc.row))  # type: ignore[attr-defined]
                    return
                messages.put(("row", slot, row))
        except KeyboardInterrupt:
            return  # stopped between cells: nothing to report


def run_in_workers(runner: Any, pending: list[Cell],
                   show: Callable[[int, str], None]) -> None:
    """Run ``pending`` cells in ``runner.request.jobs`` workers; record each row as it
    comes back.  A stop signal stops the workers (each keeps its checkpoint) and, once
    their rows are recorded, propagates."""
    request = runner.request
    jobs = min(request.jobs, len(pending))
    gpus = _gpus(request.device)
    threads = max(1, (os.cpu_count() or 1) // jobs)
    context = multiprocessing.get_context("spawn")
    tasks, messages = context.Queue(), context.Queue()
    for cell in pending:
        tasks.put((cell, runner.store.row(cell)))
    for _ in range(jobs):
        tasks.put(None)
    workers = [context.Process(target=_worker, name=f"ganzoo-bench-{slot}",
                               args=(slot, request, tasks, messages, threads,
                                     slot % gpus if gpus else None))
               for slot in range(jobs)]
    for worker in workers:
        worker.start()
    cells = {cell.key: cell for cell in pending}
    running: dict[int, str] = {}  # slot → key of the cell it runs
    finished = 0

    def describe() -> str:
        names = ", ".join(cells[key].describe() for key in running.values())
        return f"{len(running)} running: {names}" if running else "waiting for workers"

    def receive(message: tuple[str, int, Any]) -> None:
        nonlocal finished
        kind, slot, payload = message
        if kind == "started":
            running[slot] = payload
        else:
            running.pop(slot, None)
            finished += 1
            runner.record(cells[payload["cell"]], payload)
        show(finished, describe())

    def fail_dead_workers() -> None:
        """A worker gone without reporting its cell (killed, out of memory) fails it."""
        for slot, worker in enumerate(workers):
            if not worker.is_alive() and slot in running:
                drain()
                if slot in running:
                    key = running[slot]
                    row = _lost_row(runner, cells[key], worker.exitcode)
                    receive(("row", slot, row))

    def drain() -> None:
        while True:
            try:
                receive(messages.get_nowait())
            except queue.Empty:
                return

    try:
        while finished < len(pending):
            try:
                receive(messages.get(timeout=POLL_S))
            except queue.Empty:
                fail_dead_workers()
                if not any(w.is_alive() for w in workers):
                    drain()
                    if finished < len(pending):
                        raise GanzooError(
                            f"The bench's workers ended with {len(pending) - finished} cells "
                            "not run. Re-run the same command to run them."
                        )
    except KeyboardInterrupt as exc:
        _stop(workers, receive, messages, stop_signal(exc))
        raise
    finally:
        for worker in workers:
            worker.join(timeout=GRACE_S)
            if worker.is_alive():
                worker.kill()
                worker.join()


def _stop(workers: list[Any], receive: Callable[[tuple[str, int, Any]], None],
          messages: Any, signum: int) -> None:
    """Ask every worker to stop (SIGTERM: checkpoint and report), then record what they
    report until they have all ended (or :data:`GRACE_S` has passed)."""
    for worker in workers:
        if worker.is_alive():
            os.kill(worker.pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline and (any(w.is_alive() for w in workers)
                                           or not messages.empty()):
        try:
            kind, slot, payload = messages.get(timeout=POLL_S)
        except queue.Empty:
            continue
        if kind == "row" and payload["status"] == INTERRUPTED:
            payload["error"] = f"interrupted by {signal_name(signum)}"
        receive((kind, slot, payload))


def _lost_row(runner: Any, cell: Cell, exitcode: int | None) -> dict[str, Any]:
    """The row of a cell whose worker died before reporting it."""
    row = runner.base_row(cell)
    how = (f"was killed by signal {-exitcode}" if exitcode is not None and exitcode < 0
           else f"exited with code {exitcode}")
    row.update(status=FAILED, error=f"its worker process {how} before reporting (out of "
                                    "memory, or killed); re-run to retry it")
    return runner.finish_row(row, time.perf_counter())

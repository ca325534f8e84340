"""The PNG pictures a run, ``ganzoo sample`` and the bench report write.

Image batches become grids through ``torchvision.utils``; points, walks, loss curves and
figures over training are drawn with matplotlib's object API on the Agg canvas, never
through ``pyplot``, so nothing here changes a user's global matplotlib backend or leaks
figures.  Every picture is written
atomically (:mod:`ganzoo.files`): a killed process never leaves half a PNG.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

from torch import Tensor

from ganzoo.files import atomic_writer
from ganzoo.training.metrics_log import read_rows

#: Columns of metrics.jsonl that are not losses.
_NOT_LOSSES = {"step", "images_per_s", "elapsed_s"}


def save_image_grid(images: Tensor, path: str | Path, nrow: int | None = None) -> None:
    """Save a batch of images in [-1, 1] (``N, C, H, W``) as one grid; ``nrow`` images per row."""
    from torchvision.utils import save_image

    images = images.detach().float().cpu()
    nrow = nrow or max(1, math.ceil(math.sqrt(len(images))))
    with atomic_writer(path, fsync=False) as handle:
        save_image(images, handle, format="png", nrow=nrow, padding=2, normalize=True,
                   value_range=(-1, 1))


def _save(fig: Any, path: str | Path) -> None:
    with atomic_writer(path, fsync=False) as handle:
        fig.savefig(handle, format="png")


def _figure(size: tuple[float, float] = (5.0, 5.0)):  # type: ignore[no-untyped-def]
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=100, layout="tight")
    return fig, fig.subplots()


def _limits(points: Tensor, margin: float = 0.25) -> tuple[tuple[float, float], tuple[float, float]]:
    lo, hi = points.min(0).values, points.max(0).values
    pad = (hi - lo).clamp(min=1e-3) * margin
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))


def _points_axes(ax, reference: Tensor | None, samples: Tensor, title: str) -> None:  # type: ignore[no-untyped-def]
    """Equal-aspect axes framed on the real data (so a diverged generator shows as absent)."""
    if reference is not None:
        ref = reference.detach().float().cpu()
        ax.scatter(ref[:, 0], ref[:, 1], s=4, c="0.7", alpha=0.5, linewidths=0, label="real")
    xlim, ylim = _limits(ref if reference is not None else samples)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    if title:
        ax.set_title(title)


def save_scatter(points: Tensor, path: str | Path, reference: Tensor | None = None,
                 title: str = "") -> None:
    """Scatter 2-D samples over the real data (gray), framed on the real data."""
    pts = points.detach().float().cpu()
    if pts.dim() != 2 or pts.shape[1] != 2:
        raise ValueError(f"save_scatter draws 2-D points; got shape {tuple(pts.shape)}")
    fig, ax = _figure()
    _points_axes(ax, reference, pts, title)
    ax.scatter(pts[:, 0], pts[:, 1], s=4, c="tab:blue", alpha=0.6, linewidths=0,
               label="generated")
    ax.legend(loc="upper right", markerscale=3, fontsize="small")
    _save(fig, path)


def save_strip(walks: Tensor, path: str | Path, reference: Tensor | None = None,
               title: str = "") -> None:
    """Save latent walks: ``walks`` is ``(rows, steps, *sample_shape)``.

    Images become a grid with one walk per row; 2-D points become one line per walk,
    drawn over the real data.
    """
    walks = walks.detach().float().cpu()
    rows, steps = walks.shape[:2]
    if walks.dim() == 5:
        save_image_grid(walks.flatten(0, 1), path, nrow=steps)
        return
    if walks.dim() != 3 or walks.shape[2] != 2:
        raise ValueError(f"save_strip draws image or 2-D point walks; got shape {tuple(walks.shape)}")
    fig, ax = _figure()
    _points_axes(ax, reference, walks.flatten(0, 1), title)
    for walk in walks:
        ax.plot(walk[:, 0], walk[:, 1], "-o", markersize=2.5, linewidth=1, alpha=0.8)
    _save(fig, path)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def save_loss_curves(metrics_jsonl_path: str | Path, path: str | Path,
                     keys: Sequence[str] | None = None) -> None:
    """Plot the losses (and regularizer terms) of a metrics log against the step; torn
    lines and values that are not numbers are left out."""
    rows = read_rows(Path(metrics_jsonl_path))
    if keys is None:
        keys = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in _NOT_LOSSES]
    fig, ax = _figure((6.0, 3.5))
    for key in keys:
        pts = [(r["step"], r[key]) for r in rows if _is_number(r.get(key))]
        if pts:
            steps, values = zip(*pts)
            ax.plot(steps, values, label=key, linewidth=1)
    ax.set_xlabel("generator step")
    ax.set_ylabel("loss")
    ax.grid(alpha=0.3)
    if keys:
        ax.legend(fontsize="small")
    _save(fig, path)



Curve = Sequence[tuple[float, float]]


def save_curves(series: Mapping[str, Sequence[Curve]], path: str | Path, *, xlabel: str,
                ylabel: str, title: str = "") -> list[str]:
    """Plot each label's runs (seeds) of ``(x, y)`` points as one line, their mean, in a band
    from their minimum to their maximum; returns the legend's labels.

    Runs measured at other x (seconds differ from run to run) are interpolated onto the x
    of all of them, within the range they share.  Labels without points are left out.  The
    y axis is logarithmic for positive values spanning over two orders of magnitude (FID
    falls from hundreds to units).
    """
    import numpy as np

    fig, ax = _figure((6.0, 3.5))
    values = [y for runs in series.values() for run in runs for _, y in run]
    if values and min(values) > 0 and max(values) > 100 * min(values):
        ax.set_yscale("log")
    for label, runs in series.items():
        runs = [sorted(run) for run in runs if run]
        if not runs:
            continue
        low, high = max(run[0][0] for run in runs), min(run[-1][0] for run in runs)
        every_x = sorted({x for run in runs for x, _ in run})
        xs = np.array([x for x in every_x if low <= x <= high] or every_x, dtype=float)
        ys = np.stack([np.interp(xs, [x for x, _ in run], [y for _, y in run]) for run in runs])
        (line,) = ax.plot(xs, ys.mean(0), label=label, linewidth=1.5,
                          marker="o" if len(xs) <= 12 else None, markersize=3)
        if len(runs) > 1:
            ax.fill_between(xs, ys.min(0), ys.max(0), color=line.get_color(), alpha=0.2,
                            linewidth=0)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    labels = ax.get_legend_handles_labels()[1]
    if labels:
        ax.legend(fontsize="small")
    _save(fig, path)
    return labels

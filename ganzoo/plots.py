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


def save_walk_gif(walks: Tensor, path: str | Path, reference: Tensor | None = None,
                  frame_ms: int = 100) -> None:
    """Save latent walks (``rows, steps, *sample_shape``) as an animated GIF that goes
    forth and back and loops: frame ``s`` shows every walk at step ``s``, images as one grid
    (a walk per cell), 2-D points as one dot per walk over the real data and the walks'
    faint paths."""
    import numpy as np
    from PIL import Image

    walks = walks.detach().float().cpu()
    rows, steps = walks.shape[:2]
    order = [*range(steps), *range(steps - 2, 0, -1)]
    if walks.dim() == 5:
        from torchvision.utils import make_grid

        mode = "L" if walks.shape[2] == 1 else "RGB"
        frames = [Image.fromarray(make_grid(
            walks[:, s], nrow=max(1, math.ceil(math.sqrt(rows))), padding=2, normalize=True,
            value_range=(-1, 1)).mul(255).round().byte().permute(1, 2, 0).numpy()).convert(mode)
            for s in order]
    elif walks.dim() == 3 and walks.shape[2] == 2:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        fig, ax = _figure()
        canvas = FigureCanvasAgg(fig)
        _points_axes(ax, reference, walks.flatten(0, 1), "")
        for walk in walks:
            ax.plot(walk[:, 0], walk[:, 1], "-", linewidth=0.8, alpha=0.3)
        dots = ax.scatter(walks[:, 0, 0], walks[:, 0, 1], s=25, c="tab:blue", zorder=3)
        frames = []
        for s in order:
            dots.set_offsets(walks[:, s].numpy())
            canvas.draw()
            frames.append(Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB"))
    else:
        raise ValueError(f"save_walk_gif draws image or 2-D point walks; got shape "
                         f"{tuple(walks.shape)}")
    with atomic_writer(path, fsync=False) as handle:
        frames[0].save(handle, format="GIF", save_all=True, append_images=frames[1:],
                       duration=frame_ms, loop=0)


def _picture(image: Tensor) -> Any:
    """An image in [-1, 1] (``C, H, W``) as the array ``imshow`` draws, in [0, 1]."""
    x = (image.detach().float().cpu().clamp(-1, 1) + 1) / 2
    return x[0].numpy() if x.shape[0] == 1 else x.permute(1, 2, 0).numpy()


def save_arithmetic(exemplars: Sequence[Tensor], means: Tensor, labels: Sequence[str],
                    results: Tensor, path: str | Path, reference: Tensor | None = None) -> None:
    """Latent arithmetic as the DCGAN paper's figure 7 lays it out: per term a column headed
    by its sign and words, up to three exemplars above the image of their mean latent; then
    ``=`` and the results in a square, the exact result in its middle (``results[0]``; the
    others have noise added).  For 2-D points: one colour per term over the real data
    (exemplars small, their mean's output large), the results as black crosses, the exact
    one a star."""
    import torch

    results = results.detach().float().cpu()
    if means.dim() == 2:
        fig, ax = _figure()
        everything = torch.cat([t.detach().float().cpu() for t in (*exemplars, means, results)])
        _points_axes(ax, reference, everything, "")
        for i, (points, mean, label) in enumerate(zip(exemplars, means, labels)):
            colour = f"C{i % 10}"
            ax.scatter(points[:, 0], points[:, 1], s=12, c=colour, alpha=0.6, linewidths=0)
            ax.scatter([mean[0]], [mean[1]], s=80, c=colour, marker="o", label=label)
        ax.scatter(results[1:, 0], results[1:, 1], s=30, c="k", marker="x")
        ax.scatter(results[:1, 0], results[:1, 1], s=160, c="k", marker="*", label="= result")
        ax.legend(loc="upper right", fontsize="small")
        _save(fig, path)
        return
    from matplotlib.figure import Figure

    shown = min(3, max(len(e) for e in exemplars))
    side = max(1, math.ceil(math.sqrt(len(results))))
    terms, nrows = len(means), max(shown + 1, side)
    fig = Figure(figsize=(1.1 * (terms + side) + 0.5, 1.1 * nrows + 0.3), dpi=100,
                 layout="constrained")
    grid = fig.add_gridspec(nrows, terms + 1 + side, width_ratios=[1] * terms + [0.4] + [1] * side)
    gray = {"cmap": "gray", "vmin": 0, "vmax": 1}
    for col, (examples, mean, label) in enumerate(zip(exemplars, means, labels)):
        top = nrows - 1 - min(shown, len(examples))
        for row, image in enumerate(examples[:shown], start=top):
            ax = fig.add_subplot(grid[row, col])
            ax.imshow(_picture(image), **gray)
            ax.set_axis_off()
            if row == top:
                ax.set_title(label, fontsize="small")
        ax = fig.add_subplot(grid[nrows - 1, col])
        ax.imshow(_picture(mean), **gray)
        ax.set_axis_off()
        ax.set_title("mean" if len(examples) else label, fontsize="x-small")
    ax = fig.add_subplot(grid[nrows - 1, terms])
    ax.text(0.5, 0.5, "=", fontsize="xx-large", ha="center", va="center")
    ax.set_axis_off()
    middle = len(results) // 2
    order = [*range(1, middle + 1), 0, *range(middle + 1, len(results))]
    for place, index in enumerate(order):
        ax = fig.add_subplot(grid[nrows - side + place // side, terms + 1 + place % side])
        ax.imshow(_picture(results[index]), **gray)
        ax.set_axis_off()
        if index == 0:
            ax.set_title("result", fontsize="x-small")
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

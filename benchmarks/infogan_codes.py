"""How well an InfoGAN run's categorical code captures the classes of its (labeled) data.

Not a pass/fail test: it prints figures for docs/models/infogan.md.  InfoGAN never sees the
labels; the question is whether a categorical code (default ``c1``) came to mean the class.

- G's side: ``--per-value`` samples are drawn with each value of the code (noise and other
  codes random) and classified — images by ganzoo's domain CNN, trained here, seeded, on the
  run's training split (as ``class_fidelity.py`` does), points by their nearest mode.
- Q's side, the paper's figure (5% error on MNIST with c1 as a classifier): the argmax of
  Q's logits for the code on the real test split, against the true labels.

For each it prints the table of counts (code value × class), the purity (the share of
samples in their value's most frequent class) and the matched accuracy (one class per
value, the best one-to-one assignment; 1 − it is the paper's error).

    python benchmarks/infogan_codes.py runs/infogan-mnist-5k --per-value 200
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from scipy.optimize import linear_sum_assignment
from torch import Tensor

from ganzoo.api import PartsKit, load_run
from ganzoo.metrics.domain_cnn import train_domain_cnn
from ganzoo.training.checkpoint import load_checkpoint
from ganzoo.training.run import LoadedRun


def _images_and_labels(run: LoadedRun, split: str) -> tuple[Tensor, Tensor]:
    data = run.dataset(split)
    images, labels = (torch.stack(t) for t in zip(*(data[i] for i in range(len(data)))))
    return images, labels.long()


def _classifier(run: LoadedRun):
    """What says which class a sample is of: the domain CNN on images, the nearest mode on
    points."""
    if not run.spec.is_image:
        modes = run.dataset("test").modes.double()
        return lambda x: torch.cdist(x.double(), modes).argmin(1)
    model, info = train_domain_cnn(*_images_and_labels(run, "train"))
    print(f"  domain CNN held-out accuracy on real images: {info['val_accuracy']:.3f}")

    def classify(x: Tensor) -> Tensor:
        with torch.no_grad():
            return torch.cat([model(b)[1].argmax(1) for b in x.split(500)])
    return classify


def _discriminator(run: LoadedRun) -> torch.nn.Module:
    """The run's last discriminator (its Q head), in eval mode."""
    D = PartsKit(run.plan, run.registry).discriminator()
    state = load_checkpoint(run.run_dir / "checkpoints" / "last.pt")
    D.load_state_dict(state["networks"]["discriminator"])
    return D.eval()


def table(values: Tensor, classes: Tensor, num_values: int, num_classes: int) -> Tensor:
    """Counts of (code value, class) pairs."""
    counts = torch.zeros(num_values, num_classes, dtype=torch.long)
    counts.index_put_((values, classes), torch.ones_like(values), accumulate=True)
    return counts


def figures(counts: Tensor) -> dict[str, float]:
    """Purity, and the accuracy of the best one-to-one mapping of values to classes."""
    total = counts.sum().item()
    rows, cols = linear_sum_assignment(-counts.numpy())
    return {"purity": counts.max(1).values.sum().item() / total,
            "matched accuracy": counts[rows, cols].sum().item() / total}


def _print(name: str, counts: Tensor) -> None:
    found = figures(counts)
    print(f"  {name}: " + ", ".join(f"{k} {v:.3f}" for k, v in found.items()))
    print("    value: counts per class 0..K-1 (majority class)")
    for value, row in enumerate(counts.tolist()):
        majority = max(range(len(row)), key=row.__getitem__)
        print(f"    {value:>5}: {' '.join(f'{c:4d}' for c in row)}  ({majority})")


def report(run_dir: Path, code: str, per_value: int) -> None:
    run = load_run(run_dir)
    space = run.latent_space
    if space is None or space.code(code).kind != "categorical":
        raise SystemExit(f"{run_dir}: code {code!r} is not categorical")
    num_classes = run.spec.num_classes
    if not num_classes:
        raise SystemExit(f"{run_dir}: the dataset {run.plan.dataset!r} has no labels to "
                         "compare with")
    size = space.code(code).size
    print(f"{run_dir}: {run.plan.model} on {run.plan.dataset}, step {run.step}, code {code} "
          f"({size} values), {per_value} samples per value")
    classify = _classifier(run)
    sweep = run.sweep(code, rows=per_value, seed=1)  # (rows, values, *shape)
    values = torch.arange(size).repeat(per_value)
    _print("G(z, c) by the classifier", table(values, classify(sweep.flatten(0, 1)), size,
                                             num_classes))
    images, labels = _images_and_labels(run, "test")
    where = space.slices()[code]
    part = slice(where.start - space.noise_dim, where.stop - space.noise_dim)
    D = _discriminator(run)
    with torch.no_grad():
        logits = torch.cat([D.heads(b)[1][:, part] for b in images.split(500)])
    _print("Q(c | real test data) vs labels", table(logits.argmax(1), labels, size, num_classes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--code", default="c1")
    parser.add_argument("--per-value", type=int, default=200)
    args = parser.parse_args()
    torch.manual_seed(0)
    for run_dir in args.runs:
        report(run_dir, args.code, args.per_value)


if __name__ == "__main__":
    main()

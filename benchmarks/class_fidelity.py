"""Class fidelity of class-conditional runs: how often ``sample(labels=k)`` is of class k.

Not a pass/fail test: it prints figures for the docs of class-conditional models (cgan,
acgan, cgan-pd...).  For each run and each class k it draws ``--per-class`` samples of class
k from the run's EMA generator and judges them:

- points (ring8, grid25, whose labels are mode indices): a sample is of class k when its
  nearest mode is mode k; ``on mode`` also asks it to lie within 3 std of that mode (the
  mode-coverage metric's "high quality" threshold);
- images: ganzoo's domain CNN (``ganzoo.metrics.domain_cnn``), trained here, seeded, on the
  run's training split, classifies the samples; its held-out accuracy is printed beside.

    python benchmarks/class_fidelity.py runs/acgan-ring8 runs/cgan-pd-mnist-5k --per-class 200
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import Tensor

from ganzoo.api import load_run
from ganzoo.metrics.domain_cnn import train_domain_cnn
from ganzoo.training.run import LoadedRun

THRESHOLD_STDS = 3.0


def _class_samples(run: LoadedRun, per_class: int) -> tuple[Tensor, Tensor]:
    """``per_class`` samples of each class, and the class each was asked for."""
    classes = torch.arange(run.num_classes).repeat_interleave(per_class)
    return run.sample(len(classes), labels=classes, seed=1), classes


def _point_figures(run: LoadedRun, samples: Tensor, classes: Tensor) -> dict[str, Tensor]:
    data = run.dataset("test")
    distance = torch.cdist(samples.double(), data.modes.double())
    nearest = distance.argmin(1)
    on_mode = distance.gather(1, nearest[:, None]).squeeze(1) <= THRESHOLD_STDS * data.std
    return {"of its class": nearest == classes, "on its mode": (nearest == classes) & on_mode}


def _image_figures(run: LoadedRun, samples: Tensor, classes: Tensor) -> dict[str, Tensor]:
    train = run.dataset("train")
    images, labels = (torch.stack(t) for t in zip(*(train[i] for i in range(len(train)))))
    classifier, info = train_domain_cnn(images, labels.long())
    print(f"  domain CNN held-out accuracy on real images: {info['val_accuracy']:.3f}")
    with torch.no_grad():
        predicted = torch.cat([classifier(b)[1].argmax(1) for b in samples.split(500)])
    return {"of its class": predicted == classes}


def report(run_dir: Path, per_class: int) -> None:
    run = load_run(run_dir)
    if not run.num_classes:
        raise SystemExit(f"{run_dir}: the model {run.plan.model!r} is not class-conditional")
    print(f"{run_dir}: {run.plan.model} on {run.plan.dataset}, step {run.step}, "
          f"{per_class} samples per class")
    samples, classes = _class_samples(run, per_class)
    judge = _image_figures if run.spec.is_image else _point_figures
    for name, hits in judge(run, samples, classes).items():
        per = [hits[classes == k].double().mean().item() for k in range(run.num_classes)]
        print(f"  {name}: {hits.double().mean().item():.3f} overall; per class "
              + " ".join(f"{p:.2f}" for p in per))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--per-class", type=int, default=200)
    args = parser.parse_args()
    torch.manual_seed(0)
    for run_dir in args.runs:
        report(run_dir, args.per_class)


if __name__ == "__main__":
    main()

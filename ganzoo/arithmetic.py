"""Latent vector arithmetic (Radford et al. 2016, section 6.3 and figure 7).

``ganzoo sample RUN --arithmetic "A - B + C"``: each term is the mean of a few latent
vectors (the paper averaged three exemplars per concept, because single samples were
unstable); the terms are added and subtracted, and the result is decoded, with a few
variants around it (uniform noise of ±0.25 on its noise entries, as the paper showed).

A term names its exemplars in one of two ways:

- **saved latents** — ``"3,7,12 - 5,9 + 20"`` with ``--latents saved.pt``: the latent vectors
  of those sample indices in a file ``ganzoo sample --save-latents`` wrote
  (:func:`save_latents`); works for every model with a latent vector and any dataset;
- **a description** — ``"thick seven - thin seven + thin one"``: a group of samples the
  trained model draws, chosen by what they show.  The class ("seven") comes from the label
  of a class-conditional model, else from ganzoo's domain classifier (the CNN the offline
  FID trains on the labeled data); the attributes ("thick") are measured on the images.

Which words describe a dataset is the dataset plugin's business, so the core asks the
plugins through the ``ganzoo_dataset_attributes(dataset)`` hook, which returns a
:class:`Describer` (or ``None``).  A third-party dataset plugin supports described
arithmetic by implementing that hook for its dataset names: a ``parse`` from words to
wanted levels, a ``levels`` measuring images, and which key of ``parse``'s answer is the
class.  The core never imports a plugin module (see ``tests/test_layering.py``).

For class-conditional models the generator also takes each term's class; the classes of the
terms must cancel to one (``seven - seven + one`` leaves ``one``), with which the results
are drawn.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import torch
from torch import Tensor

from ganzoo.errors import GanzooError

if TYPE_CHECKING:
    from ganzoo.training.run import LoadedRun

#: exemplars averaged per term (the paper's three)
EXEMPLARS = 3
#: results drawn: the exact one, then this many minus one with noise added
VARIANTS = 9
#: half-width of the uniform noise added to the result's noise entries for the variants
NOISE = 0.25
#: layout of the files ``--save-latents`` writes
LATENTS_FORMAT = 1

_OPERATOR = re.compile(r"(?<!\w)([+-])|([+-])(?!\w)")
_INDICES = re.compile(r"\d+(\s*,\s*\d+)*")


@dataclass(frozen=True)
class Term:
    """One term of an expression: its sign, and either saved-latent indices or words."""

    sign: int
    text: str
    indices: tuple[int, ...] | None = None

    @property
    def label(self) -> str:
        return f"{'-' if self.sign < 0 else '+'} {self.text}"


@dataclass(frozen=True)
class Describer:
    """How a dataset plugin lets ``--arithmetic`` pick samples by description.

    ``parse("thick seven")`` gives the wanted level of each named attribute and the class,
    e.g. ``{"digit": 7, "thickness": 1}`` (unknown words: a GanzooError listing the known
    ones); ``levels(images)`` gives each attribute's level per image (``{name: (N,) long}``)
    for images in [-1, 1]; ``class_key`` is the key of ``parse``'s answer that names a
    class (decided by the label or the domain classifier, not measured), ``class_names``
    its words, for messages."""

    parse: Callable[[str], dict[str, int]]
    levels: Callable[[Tensor], dict[str, Tensor]]
    class_key: str | None = None
    class_names: tuple[str, ...] = ()

    def class_name(self, k: int) -> str:
        return self.class_names[k] if k < len(self.class_names) else f"class {k}"


@dataclass
class Resolved:
    """A term with the latent vectors (and class, for conditional models) it averages."""

    term: Term
    latents: Tensor
    label: int | None = None

    @property
    def mean(self) -> Tensor:
        return self.latents.mean(0)


@dataclass
class Arithmetic:
    """What ``--arithmetic`` computed: the terms, the result latents (the exact result
    first, then the noisy variants) and the class they are drawn with."""

    terms: list[Resolved]
    results: Tensor
    label: int | None

    @property
    def labels(self) -> list[str]:
        """Each term as written, with its sign (none before a first positive term)."""
        return [r.term.text if i == 0 and r.term.sign > 0 else r.term.label
                for i, r in enumerate(self.terms)]


def parse_expression(text: str) -> list[Term]:
    """``"3,7,12 - 5,9 + 20"`` or ``"thick seven - thin seven + thin one"`` as terms.

    ``+`` and ``-`` separate terms where they do not join two words or numbers (so
    "left-handed" stays one word; write ``3 - 5``, not ``3-5``); a first term without a
    sign counts positive."""
    terms: list[Term] = []
    sign: int | None = None
    for piece in (p.strip() for p in _OPERATOR.split(text) if p is not None):
        if piece in ("+", "-"):
            if sign is not None:
                raise GanzooError(_syntax(text, "two operators in a row"))
            sign = 1 if piece == "+" else -1
        elif piece:
            terms.append(_term(1 if sign is None else sign, piece, text))
            sign = None
    if sign is not None:
        raise GanzooError(_syntax(text, "it ends with an operator"))
    if not terms:
        raise GanzooError(_syntax(text, "it has no terms"))
    return terms


def _term(sign: int, piece: str, text: str) -> Term:
    if _INDICES.fullmatch(piece):
        return Term(sign, piece, tuple(int(i) for i in piece.split(",")))
    if piece[0].isdigit():
        raise GanzooError(_syntax(text, f"{piece!r} is neither a list of sample indices "
                                        "(3,7,12) nor a description"))
    return Term(sign, piece)


def _syntax(text: str, problem: str) -> str:
    return (f"Cannot read --arithmetic {text!r}: {problem}. Write terms joined by + and - with "
            "spaces around them: sample indices of --latents (\"3,7,12 - 5,9 + 20\", each "
            "term the mean of its samples' latents) or descriptions (\"thick seven - thin "
            "seven + thin one\").")


def combine(terms: Sequence[Resolved]) -> Tensor:
    """The signed sum of the terms' mean latents."""
    return torch.stack([r.term.sign * r.mean for r in terms]).sum(0)


def result_class(terms: Sequence[Resolved]) -> int | None:
    """The class the result is drawn with (class-conditional models): what is left when
    the terms' classes are added and subtracted, which must be one class, once."""
    if all(r.label is None for r in terms):
        return None
    net = Counter[int]()
    for r in terms:
        net[r.label] += r.term.sign  # type: ignore[index]
    left = {k: v for k, v in net.items() if v}
    if list(left.values()) == [1]:
        return next(iter(left))
    shown = ", ".join(f"{v:+d} × class {k}" for k, v in sorted(left.items())) or "nothing"
    raise GanzooError(
        f"The terms' classes add up to {shown}, not one class: a class-conditional model "
        "draws the result with one class, so the classes must cancel to one, as in "
        "\"thick seven - thin seven + thin one\" (seven - seven + one = one)."
    )


def variants(result: Tensor, noise_dim: int, seed: int = 0) -> Tensor:
    """:data:`VARIANTS` latents: ``result`` itself, then copies with uniform noise of
    ±:data:`NOISE` on the first ``noise_dim`` entries (named codes are left as they are)."""
    out = result.repeat(VARIANTS, 1)
    rng = torch.Generator().manual_seed(seed)
    out[1:, :noise_dim] += (torch.rand(VARIANTS - 1, noise_dim, generator=rng) * 2 - 1) * NOISE
    return out


# -- saved latents -----------------------------------------------------------------------

def save_latents(path: Path, latents: Tensor, labels: Tensor | None, run: LoadedRun, *,
                 seed: int, truncation: float | None, codes: dict[str, float]) -> None:
    """Write the latents (and class labels) of drawn samples, for picking exemplars by
    their index (their place in the grid, row by row).  The file is a ``torch.save``'d dict:
    ``format`` (1), ``index`` (N,), ``latents`` (N, D), ``labels`` (N,) or None, and how
    they were drawn: ``model``, ``dataset``, ``run``, ``seed``, ``truncation``, ``codes``."""
    from ganzoo.files import atomic_writer

    record = {
        "format": LATENTS_FORMAT,
        "index": torch.arange(len(latents)),
        "latents": latents.float().contiguous(),
        "labels": labels.long().contiguous() if labels is not None else None,
        "model": run.plan.model, "dataset": run.plan.dataset, "run": str(run.run_dir),
        "seed": seed, "truncation": truncation, "codes": dict(codes),
    }
    with atomic_writer(path, fsync=False) as handle:
        torch.save(record, handle)


def load_latents(path: Path, run: LoadedRun) -> dict[str, Any]:
    """A file :func:`save_latents` wrote, checked against ``run``'s latent vectors."""
    advice = (f"write one with: ganzoo sample {run.run_dir} -n 64 --out grid.png "
              f"--save-latents {path}")
    try:
        record = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise GanzooError(f"No saved latents at {path}: {advice}.") from None
    except Exception as exc:  # noqa: BLE001 - any unreadable file gets the same advice
        raise GanzooError(f"{path} is not a file of saved latents ({type(exc).__name__}: "
                          f"{exc}); {advice}.") from None
    if not (isinstance(record, dict) and record.get("format") == LATENTS_FORMAT
            and {"index", "latents", "labels"} <= record.keys()):
        raise GanzooError(f"{path} is not a file of saved latents; {advice}.")
    space = run.latent_space
    dim = record["latents"].shape[1]
    if space is not None and dim != space.dim:
        raise GanzooError(
            f"The latents in {path} have {dim} entries (saved from the {record.get('model')} "
            f"run {record.get('run')}); this model's latent vectors have {space.dim}. Save "
            f"latents from this run: {advice}."
        )
    if run.num_classes and record["labels"] is None:
        raise GanzooError(
            f"The latents in {path} have no class labels, and {run.plan.model!r} is "
            f"class-conditional: its exemplars need their classes; {advice}."
        )
    return record


def _saved_term(term: Term, record: dict[str, Any], path: Path, conditional: bool) -> Resolved:
    rows = {int(i): row for row, i in enumerate(record["index"])}
    missing = [i for i in term.indices or () if i not in rows]
    if missing:
        raise GanzooError(
            f"Term {term.text!r}: {path} has no sample {missing[0]} (it holds samples "
            f"0–{len(rows) - 1}); pick indices from the grid those latents drew."
        )
    picked = [rows[i] for i in term.indices or ()]
    label = None
    if conditional:
        classes = sorted(set(record["labels"][picked].tolist()))
        if len(classes) > 1:
            raise GanzooError(
                f"Term {term.text!r} mixes classes {classes}: for a class-conditional model "
                "every exemplar of a term must show the same class."
            )
        label = classes[0]
    return Resolved(term, record["latents"][picked], label)


# -- described terms ---------------------------------------------------------------------

def describer_for(dataset: str) -> Describer:
    """The :class:`Describer` a plugin gives for ``dataset`` (``ganzoo_dataset_attributes``
    hook), or an error saying how to do arithmetic without one."""
    from ganzoo.plugins import default_plugins

    found = default_plugins().manager.hook.ganzoo_dataset_attributes(dataset=dataset)
    if found is None:
        raise GanzooError(
            f"No installed plugin describes samples of {dataset!r} in words, so --arithmetic "
            "cannot pick them by description. Save latents and pick exemplars by their place "
            "in the grid instead: ganzoo sample RUN -n 64 --out grid.png --save-latents z.pt, "
            "then --arithmetic \"3,7,12 - 5,9 + 20\" --latents z.pt. (A dataset plugin adds "
            "descriptions by implementing the ganzoo_dataset_attributes hook.)"
        )
    return found  # type: ignore[no-any-return]


def domain_classes(run: LoadedRun, images: Tensor) -> tuple[Tensor, Tensor]:
    """The class of each image and the classifier's probability for it, by ganzoo's domain
    CNN for the run's dataset (trained once on its labeled data and cached, as for the
    offline FID)."""
    from ganzoo.metrics.features import DomainFeatureExtractor, _labeled_images, domain_extractor
    from ganzoo.metrics.fidelity import ImageSamples

    info = run.registry.get("dataset", run.plan.dataset).load()
    labeled = _labeled_images(run.dataset("train"), run.spec)
    if labeled is None:
        raise GanzooError(
            f"Dataset {run.plan.dataset!r} has no class labels to train ganzoo's domain "
            "classifier on, so a description cannot name a class; describe attributes only."
        )
    extractor = domain_extractor(run.plan.dataset, *labeled,
                                 target=info.extractor_accuracy_target)
    net = DomainFeatureExtractor("arithmetic", ["logits_unbiased"],
                                 feature_extractor_weights_path=str(extractor.weights_path))
    with torch.no_grad():
        logits = torch.cat([net(batch)[0] for batch in ImageSamples(images).images.split(256)])
    probability, classes = logits.softmax(1).max(1)
    return classes, probability


def _matching(levels: dict[str, Tensor], wanted: dict[str, int], n: int) -> Tensor:
    """Which of ``n`` samples have every wanted level."""
    mask = torch.ones(n, dtype=torch.bool)
    for name, level in wanted.items():
        if name not in levels:
            raise GanzooError(
                f"The dataset plugin's describer reads {name!r} in a description but measures "
                f"only {', '.join(levels) or 'nothing'}: a bug in that plugin."
            )
        mask &= levels[name] == level
    return mask


def _pick(term: Term, latents: Tensor, mask: Tensor, score: Tensor | None, label: int | None,
          shortfall: str) -> Resolved:
    """The :data:`EXEMPLARS` matching samples (the classifier's surest first), or a clear
    error when the draw holds too few."""
    members = mask.nonzero().flatten()
    if len(members) < EXEMPLARS:
        raise GanzooError(
            f"Only {len(members)} of the {len(latents)} samples drawn look like "
            f"{term.text!r}{shortfall}; a term averages {EXEMPLARS}. Draw more with a larger "
            f"-n (e.g. -n {4 * len(latents)}), or describe the term less narrowly."
        )
    if score is not None:
        members = members[score[members].argsort(descending=True, stable=True)]
    return Resolved(term, latents[members[:EXEMPLARS]], label)


def _described_terms(run: LoadedRun, terms: Sequence[Term], describer: Describer, pool: int,
                     seed: int, truncation: float | None) -> list[Resolved]:
    """Each described term's exemplars among ``pool`` samples the model draws (for
    class-conditional models, ``pool`` of the term's class)."""
    wanted = [describer.parse(t.text) for t in terms]
    key = describer.class_key
    out = []
    if run.num_classes:
        for i, (term, want) in enumerate(zip(terms, wanted)):
            label = want.pop(key, None) if key is not None else None
            if label is None:
                raise GanzooError(
                    f"{run.plan.model!r} is class-conditional: each described term must name "
                    f"its class ({', '.join(describer.class_names) or key}); {term.text!r} "
                    "does not."
                )
            z, cond = run.draw(pool, labels=label, seed=seed + i, truncation=truncation)
            assert z is not None  # arithmetic() refused models without latents
            images = run.generate(z, cond, truncation=truncation)
            mask = _matching(describer.levels(images), want, pool)
            out.append(_pick(term, z, mask, None, label, ""))
        return out
    z, _ = run.draw(pool, seed=seed, truncation=truncation)
    assert z is not None  # arithmetic() refused models without latents
    images = run.generate(z, None, truncation=truncation)
    levels = dict(describer.levels(images))
    score = None
    if key is not None and any(key in w for w in wanted):
        levels[key], score = domain_classes(run, images)
    for term, want in zip(terms, wanted):
        shortfall = ""
        if key is not None and key in want:
            count = int((levels[key] == want[key]).sum())
            shortfall = (f" (the domain classifier took {count} of them for "
                         f"{describer.class_name(want[key])})")
        out.append(_pick(term, z, _matching(levels, want, pool), score, None, shortfall))
    return out


# -- the whole computation ---------------------------------------------------------------

def arithmetic(run: LoadedRun, expression: str, *, latents_file: Path | None = None,
               pool: int = 2048, seed: int = 0, truncation: float | None = None) -> Arithmetic:
    """Resolve ``expression``'s terms (saved indices from ``latents_file``; descriptions
    among ``pool`` samples drawn with ``seed``) and compute the result and its variants."""
    space = run.latent_space
    if space is None:
        raise GanzooError(
            f"The model {run.plan.model!r} has no latent vector to do arithmetic on: it maps "
            "input images to outputs (its noise is dropout)."
        )
    if run.plan.conditioning not in ("none", "class"):
        raise GanzooError(
            f"--arithmetic adds latent vectors of models drawing from noise (and a class); "
            f"{run.plan.model!r} also takes {run.plan.conditioning} conditions, which the "
            "terms cannot combine."
        )
    terms = parse_expression(expression)
    resolved: dict[int, Resolved] = {}
    saved = [i for i, t in enumerate(terms) if t.indices is not None]
    if saved:
        if latents_file is None:
            raise GanzooError(
                f"--arithmetic {expression!r} names samples by index: give the file of their "
                "latents with --latents z.pt (written by ganzoo sample ... --save-latents z.pt)."
            )
        record = load_latents(latents_file, run)
        for i in saved:
            resolved[i] = _saved_term(terms[i], record, latents_file, bool(run.num_classes))
    described = [i for i, t in enumerate(terms) if t.indices is None]
    if described:
        found = _described_terms(run, [terms[i] for i in described],
                                 describer_for(run.plan.dataset), pool, seed, truncation)
        resolved.update(zip(described, found))
    ordered = [resolved[i] for i in range(len(terms))]
    label = result_class(ordered)
    return Arithmetic(ordered, variants(combine(ordered), space.noise_dim, seed), label)


def decode(run: LoadedRun, result: Arithmetic, truncation: float | None = None
           ) -> tuple[list[Tensor], Tensor, Tensor]:
    """The pictures of ``result``: each term's exemplars, each term's mean latent decoded,
    and the results (the exact one first)."""
    def generate(z: Tensor, label: int | None) -> Tensor:
        cond = torch.full((len(z),), label, dtype=torch.long) if label is not None else None
        return run.generate(z, cond, truncation=truncation)

    exemplars = [generate(r.latents, r.label) for r in result.terms]
    means = torch.cat([generate(r.mean[None], r.label) for r in result.terms])
    return exemplars, means, generate(result.results, result.label)

"""A part's options, checked before anything is built: the right type, within range.

A builder may declare ``option_ranges`` (``{option: OptionRange}``).  The resolver checks a
plan's options against them and against the builder's signature (a number where the
default is a number) before any run folder exists; the part's constructor checks the same
ranges with :func:`check_options`, so a part built from Python or from a hand-edited plan
refuses the same values.  Caps on sizes stop an absurd width before it is allocated.
"""

from __future__ import annotations

import inspect
import math
import types
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Union, get_args, get_origin

from ganzoo.errors import IncompatibleError

#: What a value of each type looks like, for error messages.
TYPE_WORDS: dict[Any, str] = {int: "an integer", float: "a number", str: "a string",
                              bool: "true or false"}


@dataclass(frozen=True)
class OptionRange:
    """Finite numbers from ``low`` to ``high`` (``None``: unbounded); ``low_open`` leaves
    ``low`` itself out; ``integer`` admits integers only."""

    low: float | None = None
    high: float | None = None
    integer: bool = False
    low_open: bool = False

    def admits(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, int if self.integer else (int, float)):
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return self.high is None or value <= self.high

    def describe(self) -> str:
        """``an integer from 1 to 8192``, ``a finite number ≥ 0``, ``a finite number > 0``."""
        kind = "an integer" if self.integer else "a finite number"
        low = f"{'>' if self.low_open else '≥'} {self.low:g}" if self.low is not None else ""
        if self.high is None:
            return f"{kind} {low}".rstrip()
        if self.low is not None and not self.low_open:
            return f"{kind} from {self.low:g} to {self.high:g}"
        return f"{kind} {low}{' and ' if low else ''}≤ {self.high:g}"


def check_options(part: str, ranges: Mapping[str, OptionRange], **values: Any) -> None:
    """Refuse the first of ``values`` outside its range (``None`` means "the default").

    ``part`` names the part in the message, e.g. ``"mlp generator"``.
    """
    for name, value in values.items():
        allowed = ranges.get(name)
        if value is not None and allowed is not None and not allowed.admits(value):
            raise IncompatibleError(
                f"The {part} option {name}={value!r} is out of range: {name} must be "
                f"{allowed.describe()}."
            )


def _simple_types(annotation: Any) -> frozenset[Any]:
    """``{int, NoneType}`` for ``int | None``; empty when the annotation is anything else."""
    args = get_args(annotation) if get_origin(annotation) in (Union, types.UnionType) else (annotation,)
    known = frozenset(args)
    return known if known and known <= {*TYPE_WORDS, type(None)} else frozenset()


def _expected_types(param: inspect.Parameter) -> frozenset[Any]:
    """The types an option takes: its annotation if simple, else its default's type."""
    kinds = _simple_types(param.annotation)
    if not kinds and type(param.default) in TYPE_WORDS:
        kinds = frozenset({type(param.default)})
    return kinds


def _fits(value: Any, kinds: frozenset[Any]) -> bool:
    """``value`` is of one of ``kinds``; an integer may stand for a float, a bool for nothing else."""
    if value is None:
        return type(None) in kinds
    if isinstance(value, bool):
        return bool in kinds
    if isinstance(value, int):
        return bool(kinds & {int, float})
    return type(value) in kinds


def _parameters(builder: Callable[..., Any]) -> Mapping[str, inspect.Parameter]:
    """The builder's parameters, with annotations evaluated where the builder's module can."""
    try:
        return inspect.signature(builder, eval_str=True).parameters
    except Exception:  # noqa: BLE001 - an annotation only a type checker can resolve
        return inspect.signature(builder).parameters


def check_option_types(part: str, builder: Callable[..., Any], options: Mapping[str, Any]) -> None:
    """Refuse an option whose value has another type than the builder declares for it
    (``weight=abc`` where ``weight: float = 10.0``); undeclared types are not checked."""
    params = _parameters(builder)
    for name, value in options.items():
        param = params.get(name)
        kinds = _expected_types(param) if param is not None else frozenset()
        if kinds and not _fits(value, kinds):
            words = " or ".join(TYPE_WORDS[k] for k in sorted(kinds - {type(None)}, key=str))
            raise IncompatibleError(f"The {part} option {name} takes {words}, not {value!r}.")

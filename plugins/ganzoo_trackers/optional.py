"""Importing a tracker's library when the tracker is built, with an install hint if it is
missing: the libraries are optional extras, and ``ganzoo list`` must not pay for them."""

from __future__ import annotations

import importlib
from types import ModuleType

from ganzoo.api import GanzooError


def import_optional(module: str, *, tracker: str, package: str) -> ModuleType:
    """``module``, or a :class:`GanzooError` naming ``package`` and the extra ``tracker``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise GanzooError(
            f"The {tracker} tracker needs the {package} package: "
            f"pip install 'torch-ganzoo[{tracker}]'"
        ) from exc

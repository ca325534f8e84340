"""User-facing errors.

Every error a user can cause is a :class:`GanzooError`: the CLI prints its message as one
paragraph and exits non-zero without a traceback (unless ``--debug``).  Anything else that
escapes is a bug and is reported as such.
"""

from __future__ import annotations


class GanzooError(Exception):
    """An error caused by input or environment, with a message that says what to do."""

    exit_code = 2


class UnknownNameError(GanzooError, KeyError):
    """A name that is not in the registry; the message lists close matches."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class DuplicateNameError(GanzooError):
    """Two plugins tried to register the same name for the same kind."""


class RegistrationError(GanzooError):
    """A plugin registered something ganzoo cannot use: an unknown kind, a malformed name
    or lazy target, or an object of the wrong type."""


class EntryLoadError(GanzooError):
    """A registered lazy ``"module:attr"`` target that fails to import."""


class IncompatibleError(GanzooError):
    """A part, recipe and dataset combination that cannot work, refused before training."""


class DatasetUnavailableError(GanzooError):
    """A dataset whose files are missing and cannot be downloaded here."""


class GanzooWarning(UserWarning):
    """Something the user should know that does not stop the command (data that changed
    under a resumed run, say); the CLI prints it as one line, without a source location."""

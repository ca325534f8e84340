"""ganzoo: a modular, plugin-based zoo of Generative Adversarial Networks."""

from importlib.metadata import PackageNotFoundError, version

#: The name ganzoo is installed under (``pip install torch-ganzoo``); the PyPI name
#: ``ganzoo`` belongs to an unrelated project.  Import package and command stay ``ganzoo``.
DISTRIBUTION = "torch-ganzoo"

try:
    __version__ = version(DISTRIBUTION)
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

__all__ = ["DISTRIBUTION", "__version__"]

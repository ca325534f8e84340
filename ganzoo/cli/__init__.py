"""The ``ganzoo`` command line."""

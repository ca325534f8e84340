"""``python -m ganzoo``: the ``ganzoo`` command, for when its script is not on ``PATH``."""

from ganzoo.cli.main import main

if __name__ == "__main__":
    main()

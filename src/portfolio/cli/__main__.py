"""`python -m portfolio.cli`: the command line alone, without the window's commands."""

import sys

from portfolio.cli import main

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

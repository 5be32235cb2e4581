"""`python -m portfolio`: the same as the `portfolio` command."""

import sys

from portfolio.launcher import main

if __name__ == "__main__":  # not when a reading child process (multiprocessing "spawn") imports this module
    sys.exit(main())

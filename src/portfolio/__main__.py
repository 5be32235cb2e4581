"""`python -m portfolio`: the same as the `portfolio` command."""

import sys

from portfolio.launcher import main

sys.exit(main())

"""``python -m graphrisk``: the same command line as the ``graphrisk`` script."""

import sys

from graphrisk.cli.main import main

sys.exit(main())

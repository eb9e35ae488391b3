"""``python -m geo``: the command line (see ``geo.commands.cli``)."""

import sys

from geo.commands.cli import main

sys.exit(main())

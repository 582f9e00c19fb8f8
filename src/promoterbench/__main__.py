"""``python -m promoterbench`` runs the command-line interface."""

import sys

from promoterbench.cli import main

sys.exit(main())

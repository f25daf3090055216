"""`python -m command_builder`: the same CLI as the `command-builder` script."""

import sys

from .cli import main

sys.exit(main())

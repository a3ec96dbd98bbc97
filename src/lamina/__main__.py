"""`python -m lamina ...` runs the `lamina` command line."""

import sys

from lamina.cli import main

sys.exit(main())

"""`python -m xlcustseg`: the `xlcustseg` command."""

import sys

from xlcustseg.cli import main

sys.exit(main())

"""``python -m loadctl``: see :mod:`loadctl.cli`."""

from __future__ import annotations

import sys

from loadctl.cli import main

if __name__ == "__main__":
    sys.exit(main())

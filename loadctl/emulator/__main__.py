"""``python -m loadctl.emulator``: serve the Neptune loader emulator until Ctrl-C."""

from __future__ import annotations

import sys

from loadctl.emulator.standalone import main

if __name__ == "__main__":
    sys.exit(main())

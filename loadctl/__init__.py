"""Local tools for the Neptune bulk-load workflow: the loader emulator, the local runner and the CLI."""

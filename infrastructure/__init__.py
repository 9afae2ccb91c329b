"""CDK infrastructure for the Neptune bulk-load workflow (constructs, stacks, settings)."""

"""Reusable constructs: the house Lambda, the load status poller, the workflow, monitoring."""

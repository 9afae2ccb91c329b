"""The batch-controller Lambda: load many sources as one batch (docs/contract.md, "Batch")."""

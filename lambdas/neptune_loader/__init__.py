"""Shared code of the Neptune bulk-load Lambdas: pure domain logic plus one neptunedata adapter.

Nothing here imports CDK; the package ships inside the Lambda asset (`lambdas/`).
"""

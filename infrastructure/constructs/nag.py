"""Acknowledge cdk-nag findings one at a time, on the construct that causes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Validations

if TYPE_CHECKING:
    from constructs import IConstruct


def acknowledge(scope: IConstruct, *, id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding, by its full id, on ``scope`` (the narrowest construct
    that causes it), with the reason it is acceptable."""
    Validations.of(scope).acknowledge(Acknowledgment(id=id, reason=reason))

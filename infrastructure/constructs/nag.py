"""Acknowledge cdk-nag findings one at a time, on the construct that causes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_cdk import Acknowledgment, Stack, Validations

if TYPE_CHECKING:
    from constructs import IConstruct


def acknowledge(scope: IConstruct, *, id: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding, by its full id, on ``scope`` (the narrowest construct
    that causes it), with the reason it is acceptable."""
    Validations.of(scope).acknowledge(Acknowledgment(id=id, reason=reason))


def nag_resource(scope: IConstruct, value: str) -> str:
    """``value`` (an ARN that may hold tokens) as cdk-nag spells it in a finding's id: literal
    where the stack's environment is known (``arn:aws:...``), ``<AWS::Partition>`` and friends
    where it is not."""
    resolved = Stack.of(scope).resolve(value)
    if isinstance(resolved, str):
        return resolved
    parts = resolved["Fn::Join"][1]
    return "".join(part if isinstance(part, str) else f"<{part['Ref']}>" for part in parts)

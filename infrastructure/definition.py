"""Read the synthesized state machine back as plain JSON, for local runners and validators.

The one reader of synthesized output in this repository: the infrastructure tests (asl-validator),
the local workflow runner, the demo and the end-to-end tests all go through it.

The CDK template holds the definition as an ``Fn::Join`` of strings and ``Fn::GetAtt`` tokens for
the function ARNs. :func:`resolve_definition` substitutes given ARNs and returns the exact ASL
that would be deployed; :func:`find_functions` says which function is which (by handler) and
what it is configured with (handler, environment, timeout, memory, asset folder). Pure stdlib: no
CDK import, so tools can use it without starting jsii.

Example::

    template = load_template("cdk.out")          # a cloud assembly folder, a template file or dict
    functions = find_functions(template)
    arns = placeholder_arns(functions)
    definition = resolve_definition(template, arns)
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .settings import DEFAULT_STACK_NAME as STACK_NAME

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[1] / "cdk.out" / f"{STACK_NAME}.template.json"

# The Lambda handlers (relative to the asset root lambdas/), named once: the function constructs
# build the functions with them, and this reader finds the functions by them.
STATUS_HANDLER = "loader_status.handler.handler"
START_HANDLER = "start_loader.handler.handler"
BATCH_HANDLER = "batch_loader.handler.handler"
FunctionRole = Literal["status", "start", "batch"]
HANDLER_ROLES: dict[str, FunctionRole] = {
    STATUS_HANDLER: "status",
    START_HANDLER: "start",
    BATCH_HANDLER: "batch",
}
# The functions every template has; the batch controller is optional (templates of older builds).
REQUIRED_ROLES: frozenset[FunctionRole] = frozenset({"status", "start"})
# Which state machine: the single-load workflow, or the batch workflow (found by its controller).
Machine = Literal["load", "batch"]

# Pseudo parameters a definition may reference; overridable in resolve_definition.
DEFAULT_PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::URLSuffix": "amazonaws.com",
}


class DefinitionError(ValueError):
    """The template does not hold what this module expects (no state machine, unknown token)."""


@dataclass(frozen=True)
class FunctionInfo:
    """One Lambda function of the template.

    Attributes
    ----------
    role
        ``"status"`` or ``"start"`` (from the handler string).
    logical_id
        Its CloudFormation logical id (what the definition's ``Fn::GetAtt`` references).
    handler
        The handler string, e.g. ``loader_status.handler.handler``.
    environment
        Its environment variables that are plain strings (tokens resolved only at deploy time,
        such as a ``Ref``, are left out).
    timeout_seconds
        The function timeout.
    memory_mb
        The function's ``MemorySize``.
    asset_path
        Its code folder relative to the cloud assembly (``aws:asset:path`` metadata), or ``None``
        when the template was synthesized without asset metadata.
    """

    role: FunctionRole
    logical_id: str
    handler: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int = 128
    asset_path: str | None = None


def load_template(
    source: str | Path | Mapping[str, Any] | Any = DEFAULT_TEMPLATE,
) -> dict[str, Any]:
    """Return the template as a dict.

    ``source`` is a template file, a cloud assembly folder (``cdk.out``: the stack template that
    holds the state machine, found through ``manifest.json``), a dict, or an
    ``assertions.Template``.
    """
    if hasattr(source, "to_json"):
        return dict(source.to_json())
    if isinstance(source, Mapping):
        return dict(source)
    path = Path(source)
    if path.is_dir():
        return _template_in_assembly(path)
    if not path.is_file():
        raise DefinitionError(f"{path} not found: run `make synth` first")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _template_in_assembly(cdk_out: Path) -> dict[str, Any]:
    manifest_path = cdk_out / "manifest.json"
    if not manifest_path.is_file():
        raise DefinitionError(f"{manifest_path} not found: run `make synth` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") != "aws:cloudformation:stack":
            continue
        path = cdk_out / artifact["properties"]["templateFile"]
        template = dict(json.loads(path.read_text(encoding="utf-8")))
        if _resources(template, "AWS::StepFunctions::StateMachine"):
            return template
    raise DefinitionError(f"no stack with a state machine in {cdk_out}: run `make synth` first")


def _resources(template: Mapping[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in template.get("Resources", {}).items()
        if resource.get("Type") == resource_type
    }


def find_functions(template: Mapping[str, Any]) -> dict[FunctionRole, FunctionInfo]:
    """The status and start functions of ``template`` (and the batch controller, if any), keyed
    by role."""
    found = _functions_by_role(template)
    missing = REQUIRED_ROLES - set(found)
    if missing:
        raise DefinitionError(f"no function with the handler for: {', '.join(sorted(missing))}")
    return found


def _functions_by_role(template: Mapping[str, Any]) -> dict[FunctionRole, FunctionInfo]:
    """The functions of ``template`` that run one of the known handlers, keyed by role."""
    found: dict[FunctionRole, FunctionInfo] = {}
    for logical_id, resource in _resources(template, "AWS::Lambda::Function").items():
        properties = resource.get("Properties", {})
        role = HANDLER_ROLES.get(properties.get("Handler", ""))
        if role is None:
            continue
        if role in found:
            raise DefinitionError(f"two functions with the {role} handler in the template")
        variables = properties.get("Environment", {}).get("Variables", {})
        found[role] = FunctionInfo(
            role=role,
            logical_id=logical_id,
            handler=properties["Handler"],
            environment={
                name: value for name, value in variables.items() if isinstance(value, str)
            },
            timeout_seconds=int(properties.get("Timeout", 3)),
            memory_mb=int(properties.get("MemorySize", 128)),
            asset_path=resource.get("Metadata", {}).get("aws:asset:path"),
        )
    return found


def placeholder_arns(
    functions: Mapping[FunctionRole, FunctionInfo],
    pseudo_parameters: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """A Lambda ARN per role, named after the function's logical id, for local runs and validators.

    Account and region come from ``pseudo_parameters`` (default :data:`DEFAULT_PSEUDO`).
    """
    pseudo = {**DEFAULT_PSEUDO, **(pseudo_parameters or {})}
    prefix = f"arn:{pseudo['AWS::Partition']}:lambda:{pseudo['AWS::Region']}:"
    return {
        role: f"{prefix}{pseudo['AWS::AccountId']}:function:{info.logical_id}"
        for role, info in functions.items()
    }


def state_machine_resource(
    template: Mapping[str, Any], machine: Machine = "load"
) -> tuple[str, dict[str, Any]]:
    """The (logical id, resource) of the template's single-load or batch state machine (the
    batch one is the one whose definition invokes the batch controller). The template need not
    hold the status and start functions (a user's own app may build only the status one)."""
    batch = _functions_by_role(template).get("batch")
    machines = {
        logical_id: resource
        for logical_id, resource in _resources(template, "AWS::StepFunctions::StateMachine").items()
        if (batch is not None and batch.logical_id in json.dumps(resource)) == (machine == "batch")
    }
    if len(machines) != 1:
        raise DefinitionError(
            f"expected one {machine} state machine in the template, found {len(machines)}"
        )
    return next(iter(machines.items()))


def resolve_definition(
    template: Mapping[str, Any],
    function_arns: Mapping[str, str],
    pseudo_parameters: Mapping[str, str] | None = None,
    machine: Machine = "load",
) -> dict[str, Any]:
    """The state machine definition as plain ASL JSON with the Lambda ARNs substituted.

    Parameters
    ----------
    template
        The synthesized template (see :func:`load_template`).
    function_arns
        ARN to use per function, keyed by role (``"status"``, ``"start"``) or logical id.
    pseudo_parameters
        Values for ``Ref`` to ``AWS::Partition``/``AWS::Region``/``AWS::AccountId``.
    machine
        ``"load"`` (the single-load workflow) or ``"batch"``.

    Raises
    ------
    DefinitionError
        If a token has no value (e.g. a function ARN was not given).
    """
    by_logical_id = dict(function_arns)
    # Keyed by logical id only, the template need not hold both functions (a user's own app).
    if set(function_arns) & set(HANDLER_ROLES.values()):
        for info in find_functions(template).values():
            if info.role in function_arns:
                by_logical_id[info.logical_id] = function_arns[info.role]
    pseudo = {**DEFAULT_PSEUDO, **(pseudo_parameters or {})}
    _, resource = state_machine_resource(template, machine)
    definition = resource["Properties"]["DefinitionString"]
    text = (
        definition if isinstance(definition, str) else _resolve(definition, by_logical_id, pseudo)
    )
    return dict(json.loads(text))


def _resolve(token: Any, arns: Mapping[str, str], pseudo: Mapping[str, str]) -> str:
    if isinstance(token, str):
        return token
    if isinstance(token, dict) and len(token) == 1:
        ((function, argument),) = token.items()
        if function == "Fn::Join":
            separator, parts = argument
            return str(separator).join(_resolve(part, arns, pseudo) for part in parts)
        if function == "Fn::GetAtt" and argument[1] == "Arn" and argument[0] in arns:
            return arns[argument[0]]
        if function == "Ref" and argument in pseudo:
            return pseudo[argument]
    raise DefinitionError(f"cannot resolve {token!r}: give a value for it")


def main(argv: list[str] | None = None) -> None:
    """Print the resolved definition (placeholder ARNs) for validators: ``python -m ...``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "template", nargs="?", default=str(DEFAULT_TEMPLATE), help="template file or cdk.out folder"
    )
    args = parser.parse_args(argv)
    template = load_template(args.template)
    arns = placeholder_arns(find_functions(template))
    json.dump(resolve_definition(template, arns), sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

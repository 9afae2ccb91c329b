"""Read the synthesized workflow from ``cdk.out``: the definition and the functions it invokes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadctl.runner.lambda_worker import LambdaFunctionSpec

PLACEHOLDER_REGION = "us-east-1"
PLACEHOLDER_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class SynthesizedWorkflow:
    """A state machine definition as plain JSON and the Lambda functions it references."""

    definition: dict[str, Any]
    functions: list[LambdaFunctionSpec]

    def function(self, handler_module: str) -> LambdaFunctionSpec:
        """The function whose handler lives in ``handler_module`` (e.g. ``loader_status``)."""
        for spec in self.functions:
            if spec.handler.startswith(handler_module + "."):
                return spec
        raise KeyError(f"no function with a handler in {handler_module}")


def _templates(cdk_out: Path) -> list[dict[str, Any]]:
    manifest = json.loads((cdk_out / "manifest.json").read_text())
    templates = []
    for artifact in manifest.get("artifacts", {}).values():
        if artifact.get("type") == "aws:cloudformation:stack":
            path = cdk_out / artifact["properties"]["templateFile"]
            templates.append(json.loads(path.read_text()))
    return templates


def _function_arn(logical_id: str) -> str:
    return f"arn:aws:lambda:{PLACEHOLDER_REGION}:{PLACEHOLDER_ACCOUNT}:function:{logical_id}"


def _resolve(value: Any, functions: dict[str, Any]) -> Any:
    """Resolve the intrinsic functions CDK uses in a definition string (Join, GetAtt, Ref)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Fn::Join":
            separator, parts = arg
            return separator.join(str(_resolve(part, functions)) for part in parts)
        if name == "Fn::GetAtt" and arg[0] in functions and arg[1] == "Arn":
            return _function_arn(arg[0])
        if name == "Ref":
            pseudo = {
                "AWS::Partition": "aws",
                "AWS::Region": PLACEHOLDER_REGION,
                "AWS::AccountId": PLACEHOLDER_ACCOUNT,
                "AWS::URLSuffix": "amazonaws.com",
            }
            if arg in pseudo:
                return pseudo[arg]
            if arg in functions:
                return arg
    raise ValueError(f"cannot resolve {json.dumps(value)[:200]} in the definition")


def load_synthesized_workflow(cdk_out: Path) -> SynthesizedWorkflow:
    """Find the one state machine in ``cdk_out`` and the asset, handler and environment of each
    Lambda function its definition references."""
    for template in _templates(cdk_out):
        resources: dict[str, Any] = template.get("Resources", {})
        functions = {
            logical_id: resource
            for logical_id, resource in resources.items()
            if resource.get("Type") == "AWS::Lambda::Function"
        }
        for resource in resources.values():
            if resource.get("Type") != "AWS::StepFunctions::StateMachine":
                continue
            properties = resource["Properties"]
            raw = properties.get("DefinitionString") or json.dumps(properties["Definition"])
            text = _resolve(raw, functions)
            specs = []
            for logical_id, function in functions.items():
                if _function_arn(logical_id) not in text:
                    continue
                props = function["Properties"]
                metadata = function.get("Metadata", {})
                asset_path = metadata.get("aws:asset:path")
                if not asset_path:
                    raise ValueError(f"{logical_id} has no aws:asset:path metadata")
                variables = props.get("Environment", {}).get("Variables", {})
                specs.append(
                    LambdaFunctionSpec(
                        arn=_function_arn(logical_id),
                        handler=props["Handler"],
                        asset_dir=cdk_out / asset_path,
                        environment={k: v for k, v in variables.items() if isinstance(v, str)},
                        timeout_seconds=float(props.get("Timeout", 3)),
                        memory_mb=int(props.get("MemorySize", 128)),
                    )
                )
            return SynthesizedWorkflow(json.loads(text), specs)
    raise FileNotFoundError(f"no state machine in {cdk_out}: run `make synth` first")

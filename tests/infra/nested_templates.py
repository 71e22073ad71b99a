"""The app's templates as one: the root stack and its nested stacks (decision 71), read from a
cloud assembly directory.

`stack_templates` gives each template on its own (the resource budget is per template);
`flattened` merges them into one template-shaped dict in which a nested stack's parameter is
replaced by what its parent passes (e.g. {"Fn::GetAtt": [function, "Arn"]}) and a parent's
`Outputs.X` of a nested stack by the output's value, so a Ref or GetAtt names the resource it
means whichever template holds it. The tests that follow references across the system read that.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

NESTED_STACK = "AWS::CloudFormation::Stack"


def stack_templates(outdir: Path, stack_name: str) -> dict[str, dict[str, Any]]:
    """{file name: template} for the root stack's template and each nested stack's."""
    root_file = f"{stack_name}.template.json"
    templates = {root_file: _read(outdir / root_file)}
    for file in _nested_files(outdir, stack_name, templates[root_file]).values():
        templates[file] = _read(outdir / file)
    return templates


def flattened(outdir: Path, stack_name: str) -> dict[str, Any]:
    root = copy.deepcopy(_read(outdir / f"{stack_name}.template.json"))
    nested = {
        logical_id: _read(outdir / file)
        for logical_id, file in _nested_files(outdir, stack_name, root).items()
    }
    resources: dict[str, Any] = {}
    outputs: dict[tuple[str, str], Any] = {}
    for logical_id, template in nested.items():
        passed = root["Resources"][logical_id]["Properties"].get("Parameters", {})
        template = _replace(template, lambda node: passed[node["Ref"]] if _is_ref_to(node, passed) else None)
        for name, output in template.get("Outputs", {}).items():
            outputs[(logical_id, f"Outputs.{name}")] = output["Value"]
        for child_id, resource in template["Resources"].items():
            assert child_id not in resources, f"logical id {child_id} is in two nested templates"
            resources[child_id] = resource
    for logical_id, resource in root["Resources"].items():
        if resource["Type"] != NESTED_STACK:
            assert logical_id not in resources, f"logical id {logical_id} is in the root and a nested template"
            resources[logical_id] = resource

    def output_value(node: dict[str, Any]) -> Any:
        target = node.get("Fn::GetAtt")
        if isinstance(target, list) and len(target) == 2 and tuple(target) in outputs:
            return outputs[tuple(target)]
        return None

    # An output may be passed on to another nested stack: replace until nothing changes.
    for _ in range(len(nested) + 1):
        resources = _replace(resources, output_value)
    return {**root, "Resources": resources}


def _read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _nested_files(outdir: Path, stack_name: str, root: dict[str, Any]) -> dict[str, str]:
    """{nested stack's logical id in the root: its template file}, through the assets manifest
    (a nested template is an asset whose object key ends the resource's TemplateURL)."""
    assets = _read(outdir / f"{stack_name}.assets.json")["files"]
    files = {}
    for logical_id, resource in root["Resources"].items():
        if resource["Type"] != NESTED_STACK:
            continue
        url = json.dumps(resource["Properties"]["TemplateURL"])
        [asset_hash] = [h for h in assets if f"/{h}.json" in url]
        files[logical_id] = assets[asset_hash]["source"]["path"]
    return files


def _is_ref_to(node: dict[str, Any], names: dict[str, Any]) -> bool:
    return set(node) == {"Ref"} and node["Ref"] in names


def _replace(value: Any, replacement_of: Any) -> Any:
    """`value` with each dict node for which `replacement_of` answers something replaced by it."""
    if isinstance(value, dict):
        replaced = replacement_of(value)
        if replaced is not None:
            return copy.deepcopy(replaced)
        return {key: _replace(item, replacement_of) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, replacement_of) for item in value]
    return value

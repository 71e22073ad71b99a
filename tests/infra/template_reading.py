"""Small readers for the synthesized CloudFormation template, shared by the infra tests."""

from __future__ import annotations

from typing import Any

from infra.naming import TOPOLOGY_KEY_TAG


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    tags = resource.get("Properties", {}).get("Tags", [])
    if isinstance(tags, dict):  # some resource types (e.g. SSM) use a map
        return dict(tags)
    return {tag["Key"]: tag["Value"] for tag in tags}


def by_topology_key(resources: dict[str, dict[str, Any]]) -> dict[str, str]:
    """topology key -> logical id, for the resources that carry the topology-key tag."""
    keyed: dict[str, str] = {}
    for logical_id, resource in resources.items():
        key = tags_of(resource).get(TOPOLOGY_KEY_TAG)
        if key is not None:
            assert key not in keyed, f"two {resource['Type']} resources claim topology key {key!r}"
            keyed[key] = logical_id
    return keyed


def referenced_id(value: Any) -> str | None:
    """The logical id behind {"Ref": id} or {"Fn::GetAtt": [id, attr]}, else None."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


def referenced_ids(value: Any) -> set[str]:
    """Every logical id referenced anywhere inside `value` (Ref, GetAtt, nested in Joins)."""
    found: set[str] = set()
    if isinstance(value, dict):
        direct = referenced_id(value)
        if direct is not None and not direct.startswith("AWS::"):
            found.add(direct)
        for item in value.values():
            found |= referenced_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= referenced_ids(item)
    return found


def invoked_function(value: Any, resources: dict[str, dict[str, Any]]) -> str | None:
    """The Lambda function (logical id) a caller invokes through `value`: a Ref or GetAtt of the
    function, or of one of its aliases (the alias's ARN), as CDK also writes it for an event
    source mapping (`<name>:<alias>` joined from the alias's ARN)."""
    for logical_id in referenced_ids(value):
        resource = resources.get(logical_id, {})
        if resource.get("Type") == "AWS::Lambda::Function":
            return logical_id
        if resource.get("Type") == "AWS::Lambda::Alias":
            return referenced_id(resource["Properties"]["FunctionName"])
    return None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policy_statements(resources: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(logical id, statement) for every IAM identity-policy statement in the template."""
    statements: list[tuple[str, dict[str, Any]]] = []
    for logical_id, resource in resources.items():
        properties = resource.get("Properties", {})
        if resource["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            documents = [properties["PolicyDocument"]]
        elif resource["Type"] in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            documents = [policy["PolicyDocument"] for policy in properties.get("Policies", [])]
        else:
            continue
        for document in documents:
            statements += [(logical_id, s) for s in as_list(document["Statement"])]
    return statements


def policies_of_role(resources: dict[str, dict[str, Any]], role_id: str) -> list[dict[str, Any]]:
    """Statements of the role's inline policies and of the policies attached to it."""
    attached = {
        logical_id: resource
        for logical_id, resource in resources.items()
        if logical_id == role_id
        or role_id in referenced_ids(resource.get("Properties", {}).get("Roles", []))
    }
    return [statement for _, statement in policy_statements(attached)]


def dead_letter_queue_ids(resources: dict[str, dict[str, Any]]) -> set[str]:
    """Queues named as a dead-letter target by a queue's redrive policy or a rule target."""
    targets: set[str] = set()
    for resource in resources.values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in properties:
            targets.add(referenced_id(properties["RedrivePolicy"]["deadLetterTargetArn"]))
        if resource["Type"] == "AWS::Events::Rule":
            for target in properties.get("Targets", []):
                if "DeadLetterConfig" in target:
                    targets.add(referenced_id(target["DeadLetterConfig"]["Arn"]))
    return targets

"""local/moto_speed.py writes what moto's own serializer writes, and its caches change no answer."""

from __future__ import annotations

import inspect

import boto3
import pytest
from moto import mock_aws
from moto.core import serialize
from moto.core.serialize import BaseJSONSerializer
from moto.core.utils import get_service_model
from moto.dynamodb.parsing.expressions import UpdateExpressionParser

from local import moto_speed, moto_validation

ITEM = {
    "pk": {"S": "ORDER#1"},
    "empty": {"S": ""},
    "chinese": {"S": "上海市浦东新区"},
    "money": {"N": "19.90"},
    "blob": {"B": b"\x00\x01binary\xff"},
    "strings": {"SS": ["a", "b"]},
    "numbers": {"NS": ["1", "2.5"]},
    "blobs": {"BS": [b"x", b"\xfe"]},
    "flag": {"BOOL": False},
    "nothing": {"NULL": True},
    "nested": {"M": {"lines": {"L": [{"M": {"sku": {"S": "SKU-1"}, "qty": {"N": "2"}}}, {"NULL": True}, {"B": b"z"}]}, "empty": {"M": {}}}},
    "list": {"L": []},
}


def _serializer(operation: str, service: str) -> serialize.JSONSerializer:
    model = get_service_model(service).operation_model(operation)
    return serialize.JSONSerializer(operation_model=model, value_picker=serialize.XFormedAttributePicker())


def generic(result: dict, operation: str = "GetItem", service: str = "dynamodb") -> str:
    """What moto's model-driven serializer writes for `result`, without the fast path."""
    serializer = _serializer(operation, service)
    saved = BaseJSONSerializer._serialize_type_structure
    BaseJSONSerializer._serialize_type_structure = moto_speed._original_structure
    try:
        return serializer.serialize(result)["body"]
    finally:
        BaseJSONSerializer._serialize_type_structure = saved


def fast(result: dict, operation: str = "GetItem", service: str = "dynamodb") -> str:
    moto_speed.install()
    serializer = _serializer(operation, service)
    return serializer.serialize(result)["body"]


@pytest.mark.parametrize(
    ("service", "operation", "result"),
    [
        ("dynamodb", "GetItem", {"Item": ITEM}),
        ("dynamodb", "Query", {"Items": [ITEM, {"pk": {"S": "ORDER#2"}}], "Count": 2, "ScannedCount": 2, "LastEvaluatedKey": {"pk": {"S": "ORDER#2"}}}),
        ("dynamodb", "BatchGetItem", {"Responses": {"orders": [ITEM]}, "UnprocessedKeys": {}}),
        ("dynamodb", "UpdateItem", {"Attributes": ITEM}),
        ("dynamodbstreams", "GetRecords", {"Records": [{"eventID": "1", "eventName": "MODIFY", "dynamodb": {"Keys": {"pk": {"S": "ORDER#1"}}, "NewImage": ITEM, "OldImage": {"pk": {"S": "ORDER#1"}}, "SequenceNumber": "7", "StreamViewType": "NEW_AND_OLD_IMAGES"}}], "NextShardIterator": "it"}),
    ],
)
def test_the_fast_attribute_values_are_what_moto_writes(service, operation, result):
    assert fast(result, operation, service) == generic(result, operation, service)


def test_other_services_keep_moto_serializer():
    # A structure named otherwise goes through moto's own writer (the fast path only knows AttributeValue).
    result = {"executionArn": "arn:aws:states:us-east-1:123456789012:execution:m:e", "startDate": 0}
    assert fast(result, "StartExecution", "stepfunctions") == generic(result, "StartExecution", "stepfunctions")


def test_an_update_expression_is_parsed_once_and_a_bad_one_still_fails():
    moto_speed.install()
    first = UpdateExpressionParser.make("SET #s = :s, version = version + :one")
    assert UpdateExpressionParser.make("SET #s = :s, version = version + :one") is first
    with pytest.raises(Exception):
        UpdateExpressionParser.make("SET = :broken")
    with pytest.raises(Exception):
        UpdateExpressionParser.make("SET = :broken")


def test_updates_through_the_cached_parse_still_resolve_each_request(fake_aws):
    moto_speed.install()
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(TableName="t", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        for pk, status in (("a", "RECEIVED"), ("b", "ROUTED"), ("a", "RELEASED")):
            db.update_item(TableName="t", Key={"pk": {"S": pk}}, UpdateExpression="SET #s = :s ADD n :one", ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": status}, ":one": {"N": "1"}})
        a = db.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]
        b = db.get_item(TableName="t", Key={"pk": {"S": "b"}})["Item"]
        assert a == {"pk": {"S": "a"}, "status": {"S": "RELEASED"}, "n": {"N": "2"}} and b["status"] == {"S": "ROUTED"}
        item = db.get_item(TableName="t", Key={"pk": {"S": "a"}})["Item"]
        db.put_item(TableName="t", Item={"pk": {"S": "bin"}, "b": {"B": b"\x00\xff"}, "m": {"M": {"x": {"L": [{"BOOL": True}]}}}})
        assert db.get_item(TableName="t", Key={"pk": {"S": "bin"}})["Item"] == {"pk": {"S": "bin"}, "b": {"B": b"\x00\xff"}, "m": {"M": {"x": {"L": [{"BOOL": True}]}}}}
        assert item["n"] == {"N": "2"}


def _table(db, name: str, keys: list[str]) -> None:
    db.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": k, "KeyType": kind} for k, kind in zip(keys, ("HASH", "RANGE"))],
        AttributeDefinitions=[{"AttributeName": k, "AttributeType": "S"} for k in keys],
        BillingMode="PAY_PER_REQUEST",
    )


def test_an_expression_that_passed_its_checks_is_checked_again_with_other_names_or_keys(fake_aws):
    """The remembered checks (clause counts, overlapping paths, key attributes) are per expression,
    attribute names and table keys: the same text with names that collide, or on a table where it
    would change a key, is still refused, every time, as by DynamoDB."""
    moto_speed.install()
    with mock_aws():
        db = boto3.client("dynamodb", region_name="us-east-1")
        _table(db, "t", ["pk"])
        _table(db, "keyed_by_x", ["x"])
        update = {"UpdateExpression": "SET #a = :a, #b = :b", "ExpressionAttributeValues": {":a": {"S": "1"}, ":b": {"S": "2"}}}
        for _ in range(2):
            db.update_item(TableName="t", Key={"pk": {"S": "p"}}, ExpressionAttributeNames={"#a": "x", "#b": "y"}, **update)
        assert db.get_item(TableName="t", Key={"pk": {"S": "p"}})["Item"] == {"pk": {"S": "p"}, "x": {"S": "1"}, "y": {"S": "2"}}
        for _ in range(2):
            with pytest.raises(db.exceptions.ClientError, match="Two document paths overlap"):
                db.update_item(TableName="t", Key={"pk": {"S": "p"}}, ExpressionAttributeNames={"#a": "x", "#b": "x"}, **update)
            with pytest.raises(db.exceptions.ClientError, match="part of the key"):
                db.update_item(TableName="keyed_by_x", Key={"x": {"S": "p"}}, ExpressionAttributeNames={"#a": "x", "#b": "y"}, **update)
            with pytest.raises(db.exceptions.ClientError, match="section can only be used once"):
                db.update_item(TableName="t", Key={"pk": {"S": "p"}}, UpdateExpression="SET x = :a SET y = :b", ExpressionAttributeValues={":a": {"S": "1"}, ":b": {"S": "2"}})


def _shape(node, parent=None):
    """A tree as nested tuples (class, attributes but the links, children), checking every parent link."""
    from moto.dynamodb.parsing.ast_nodes import Node

    if not isinstance(node, Node):
        return node
    assert node.parent is parent
    attributes = tuple(sorted((k, v) for k, v in vars(node).items() if k not in ("parent", "children")))
    return (type(node).__name__, attributes, tuple(_shape(c, node) for c in node.children or []))


@pytest.mark.parametrize(
    "expression",
    [
        "SET #s = :s, version = version + :one REMOVE #order, #plan",
        "SET a.b[2].c = if_not_exists(a.b[2].c, :zero) + :n, l = list_append(l, :more) ADD n :one DELETE tags :old",
        "SET on_hand = :count, safety_stock = :safety, available = :free - reserved, as_of = :as_of",
    ],
)
def test_the_validators_copy_of_a_tree_is_deepcopys(expression):
    import copy

    parsed = moto_speed._original_make(expression)
    copied = moto_validation.copy_tree(parsed)
    assert _shape(copied) == _shape(copy.deepcopy(parsed)) == _shape(parsed)
    assert not {id(n) for n in _nodes(copied)} & {id(n) for n in _nodes(parsed)}  # nothing shared: the walks change their copy


def _nodes(node) -> list:
    return [node] + [n for child in getattr(node, "children", None) or [] if hasattr(child, "children") for n in _nodes(child)]


def test_remembered_name_conversions_are_moto_own():
    moto_speed.install()
    for name in ("ReceiveMessage", "ApproximateNumberOfMessagesNotVisible", "TransactWriteItems", "KmsMasterKeyId", "FifoQueue", ""):
        assert moto_speed._camelcase_to_underscores(name) == moto_speed._original_camelcase_to_underscores(name)


def test_the_patched_spots_still_exist():
    assert "self.node_to_validate = deepcopy(expression)" in inspect.getsource(__import__("moto.dynamodb.parsing.validators", fromlist=["Validator"]).Validator.__init__)
    assert "method_names_from_class(self.__class__)" in inspect.getsource(__import__("moto.core.responses", fromlist=["BaseResponse"]).BaseResponse.call_action)
    assert "shape.is_document_type" in inspect.getsource(moto_speed._original_structure)
    processors = inspect.getsource(moto_validation._original_processors)
    assert all(f"{check.__name__}(" in processors for check in moto_validation._EXPRESSION_ONLY_CHECKS)
    assert "self._create_account_specific_backend(account_id)" in inspect.getsource(moto_speed._original_backend_getitem)
    assert "camelcase_to_underscores(attribute)" in inspect.getsource(__import__("moto.sqs.models", fromlist=["Queue"]).Queue.attributes.fget)


class _Run:
    def __init__(self, name: str, finished: bool):
        self.name, self.stop_date = name, ("2026-12-02" if finished else None)


def test_only_the_oldest_finished_runs_beyond_the_kept_number_are_forgotten():
    runs = [_Run("a", True), _Run("b", False), _Run("c", True), _Run("d", True), _Run("e", False), _Run("f", True)]
    assert moto_speed.forget_old_finished_runs(runs, kept=2) == 2
    assert [r.name for r in runs] == ["b", "d", "e", "f"]  # every running one stays, and the newest finished
    assert moto_speed.forget_old_finished_runs(runs, kept=2) == 0


def test_a_state_machine_keeps_its_newest_finished_runs(fake_aws, monkeypatch):
    monkeypatch.setattr(moto_speed, "FINISHED_EXECUTIONS_KEPT", 3)
    moto_speed.install()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(name="m", definition='{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}', roleArn="arn:aws:iam::123456789012:role/r", type="EXPRESS")["stateMachineArn"]
        for i in range(20):
            sfn.start_execution(stateMachineArn=arn, name=f"run-{i:02d}")
            deadline = __import__("time").monotonic() + 10
            while sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"] and __import__("time").monotonic() < deadline:
                __import__("time").sleep(0.01)
        names = sorted(e["name"] for e in sfn.list_executions(stateMachineArn=arn)["executions"])
        assert len(names) <= 3 + 10 and "run-19" in names and "run-00" not in names


def test_a_handled_workflow_error_is_not_dumped_unless_the_engine_is_debugged(caplog):
    from moto.stepfunctions.parser.asl.component import eval_component

    moto_speed.install()

    class Component:
        def __repr__(self):
            raise AssertionError("the repr is built only when debugging the engine")

    failure = __import__("types").SimpleNamespace(failure_event=__import__("types").SimpleNamespace(error_name=None, event_details=None))
    eval_component.LOG.setLevel("WARNING")
    eval_component.EvalComponent._log_failure_event_exception(Component(), failure)
    assert not caplog.records
    eval_component.LOG.setLevel("DEBUG")
    try:
        with pytest.raises(AssertionError, match="only when debugging"):
            eval_component.EvalComponent._log_failure_event_exception(Component(), failure)
    finally:
        eval_component.LOG.setLevel("NOTSET")
    assert "_log_failure_event_exception(\n                    failure_event_exception=failure_event_exception" in inspect.getsource(eval_component.EvalComponent.eval)


def test_a_stream_keeps_its_newest_records_and_iterators_with_their_numbers(fake_aws, monkeypatch):
    from moto.dynamodb.models import dynamodb_backends
    from moto.dynamodbstreams.models import ShardIterator, dynamodbstreams_backends

    monkeypatch.setattr(moto_speed, "STREAM_RECORDS_KEPT", 20)
    monkeypatch.setattr(moto_speed, "SHARD_ITERATORS_KEPT", 5)
    moto_speed.install()
    with mock_aws():  # the records and iterators read through moto's models (its GetRecords route is server-mode only)
        db = boto3.client("dynamodb", region_name="us-east-1")
        db.create_table(
            TableName="s", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST", StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        shard = dynamodb_backends["123456789012"]["us-east-1"].tables["s"].stream_shard
        streams = dynamodbstreams_backends["123456789012"]["us-east-1"]
        iterator = ShardIterator(streams, shard, "TRIM_HORIZON")
        seen = []
        for i in range(60):
            db.put_item(TableName="s", Item={"pk": {"S": f"k{i:02d}"}})
            answer = iterator.get()  # a consumer that keeps up reads every record
            seen += [r["dynamodb"]["NewImage"]["pk"]["S"] for r in answer["Records"]]
            iterator = streams.shard_iterators[answer["NextShardIterator"]]
        assert seen == [f"k{i:02d}" for i in range(60)]
        numbers = [int(r["dynamodb"]["SequenceNumber"]) for r in ShardIterator(streams, shard, "TRIM_HORIZON").get()["Records"]]
        assert 20 <= len(numbers) <= 22 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))  # the newest, numbered as before
        assert numbers[-1] == numbers[0] + len(numbers) - 1 and len(streams.shard_iterators) <= 6


def test_eventbridge_input_paths_are_parsed_once_and_fill_the_template_as_before(monkeypatch):
    import jsonpath_ng.ext
    from moto.events.utils import EventTemplateParser

    assert "from jsonpath_ng.ext import parse" in inspect.getsource(EventTemplateParser.parse)  # read at each call
    moto_speed.install()
    assert jsonpath_ng.ext.parse is moto_speed._parsed_ext_path
    event = {"version": "0", "id": "e-1", "detail-type": "OrderAccepted", "source": "oms", "account": "123456789012", "time": 1762819200.0,
             "region": "us-east-1", "resources": [], "detail": {"order_id": "O-1", "城市": "上海"}, "ingestion-time": 1.0}
    template, paths = '{"order": "<order>", "whole": <aws.events.event.json>}', {"order": "$.detail.order_id"}
    moto_speed._parsed_ext_path.cache_clear()
    cached = [EventTemplateParser.parse(template, paths, event), EventTemplateParser.parse(None, None, event), EventTemplateParser.parse(None, None, {**event, "id": "e-2"})]
    monkeypatch.setattr(jsonpath_ng.ext, "parse", moto_speed._original_ext_parse)
    fresh = [EventTemplateParser.parse(template, paths, event), EventTemplateParser.parse(None, None, event), EventTemplateParser.parse(None, None, {**event, "id": "e-2"})]
    assert cached == fresh and cached[2]["id"] == "e-2"
    info = moto_speed._parsed_ext_path.cache_info()
    assert info.misses == 1 + len(EventTemplateParser.DEFAULT_EVENT_INPUT_PATHS_MAP)  # each path text parsed once
    assert info.hits == len(EventTemplateParser.DEFAULT_EVENT_INPUT_PATHS_MAP)  # the third fill read them all from the cache

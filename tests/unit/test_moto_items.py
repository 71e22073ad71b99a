"""local/moto_items.py (patches 14-16, 18, 19), the update-expression walk (17) and the remembered
condition tokens (20, local/moto_validation.py) change no answer: the
same DynamoDB requests, run on moto with and without them, answer byte for byte the same, and
what a request hands out never aliases what the table keeps."""

from __future__ import annotations

import copy
import inspect

import boto3
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.dynamodb import responses as dynamodb_responses
from moto.dynamodb.comparisons import ConditionExpressionParser
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models import table as table_module
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser

from local import moto_items, moto_patches, moto_speed, moto_validation

ACCOUNT, REGION = "123456789012", "us-east-1"

# (owner, attribute, moto's, ours); Table.query's "moto's" is whatever ours wraps (the scoped Query)
_SWAPS = [
    (DynamoType, "__deepcopy__", moto_items._original_type_deepcopy, moto_items._copy_type),
    (Item, "__deepcopy__", moto_items._original_item_deepcopy, moto_items._copy_item),
    (DynamoType, "to_regular_json", moto_items._original_regular_json, moto_items._regular_json),
    (Item, "size", moto_items._original_item_size, moto_items._item_size),
    (DepthFirstTraverser, "traverse_node_recursively", moto_validation._original_traverse, moto_validation._traverse),
    (ConditionExpressionParser, "_lex_condition_expression", moto_validation._original_lex, moto_validation._lex_once),
    (dynamodb_responses, "dynamo_to_dict", moto_items._original_dynamo_to_dict, moto_items._to_dict),
    (table_module, "copy", copy, moto_items._TableCopies),
    (dynamodb_responses.DynamoHandler, "query", moto_items._original_handler_query, moto_items._without_copying_found_items(moto_items._original_handler_query)),
    (dynamodb_responses.DynamoHandler, "scan", moto_items._original_handler_scan, moto_items._without_copying_found_items(moto_items._original_handler_scan)),
]


@pytest.fixture
def switch(fake_aws):
    """switch(True) puts patches 14-20 in, switch(False) leaves moto's own methods (and every
    other patch of the local runtime) in place."""
    moto_patches.install_dynamodb_fidelity()
    moto_speed.install()
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _, _ in _SWAPS] + [(Table, "query", Table.__dict__["query"])]

    def to(patched: bool) -> None:
        for owner, name, original, ours in _SWAPS:
            setattr(owner, name, ours if patched else original)
        Table.query = moto_items._query_measuring_each_item_once if patched else moto_items._original_query

    yield to
    for owner, name, value in saved:
        setattr(owner, name, value)


NESTED = {
    "M": {
        "lines": {"L": [{"M": {"sku": {"S": "SKU-1"}, "qty": {"N": "2"}, "tags": {"SS": ["b", "a", "c"]}}}, {"NULL": True}, {"B": b"z\x00"}, {"L": [{"N": "1e2"}, {"N": "00012"}]}]},
        "empty": {"M": {}},
        "address": {"M": {"city": {"S": "上海市"}, "zip": {"N": "200120"}, "deep": {"M": {"deeper": {"M": {"x": {"BOOL": True}}}}}}},
        "blobs": {"BS": [b"x", b"\xfe"]},
    }
}


def _item(pk: str, sk: str, **extra: dict) -> dict:
    item = {
        "pk": {"S": pk}, "sk": {"S": sk}, "gk": {"S": "G"}, "status": {"S": "NEW"}, "money": {"N": "19.90"}, "big": {"N": "1E+2"},
        "blob": {"B": b"\x00\x01binary\xff"}, "strings": {"SS": ["zeta", "alpha", "mu"]}, "numbers": {"NS": ["3", "1.5", "-2"]},
        "flag": {"BOOL": False}, "nothing": {"NULL": True}, "nested": NESTED, "list": {"L": [{"S": "a"}, {"M": {"k": {"SS": ["q", "p"]}}}]},
    }
    item.update(extra)
    return item


def _create(db) -> None:
    index = lambda name, projection: {"IndexName": name, "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}], "Projection": projection}  # noqa: E731
    db.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk", "gk")],
        GlobalSecondaryIndexes=[
            index("keys", {"ProjectionType": "KEYS_ONLY"}),
            index("some", {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["nested", "strings"]}),
            index("all", {"ProjectionType": "ALL"}),
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def _scenario() -> list:
    """Every answer (raw body of each response, or the error) of a fixed series of requests."""
    answers: list = []
    with mock_aws():
        db = boto3.client("dynamodb", region_name=REGION)

        def call(operation: str, **kwargs) -> dict:
            try:
                return getattr(db, operation)(**kwargs)
            except db.exceptions.ClientError as error:
                answers.append(("error", operation, error.response["Error"], error.response.get("Item")))
                return {}
            except ValueError as error:  # moto lets a condition that does not parse out as it is
                answers.append(("raised", operation, type(error).__name__, str(error)))
                return {}

        _create(db)  # its answer holds the time it was created: not compared
        db.meta.events.register("before-parse.dynamodb.*", lambda response_dict, **_: answers.append(response_dict["body"]))
        for i in range(6):
            call("put_item", TableName="t", Item=_item("ORDER#1", f"LINE#{i}", n={"N": str(i)}))
        call("put_item", TableName="t", Item=_item("ORDER#2", "META"))
        projection = "nested.lines[0].sku, nested.lines[3], nested.address.deep, #s, strings, numbers, blob, big, nested.blobs, list[1].k, missing.x"
        names = {"#s": "status"}
        call("get_item", TableName="t", Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "LINE#0"}})
        call("get_item", TableName="t", Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "LINE#0"}}, ProjectionExpression=projection, ExpressionAttributeNames=names)
        call("get_item", TableName="t", Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "LINE#0"}}, ReturnConsumedCapacity="TOTAL")
        key = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "ORDER#1"}}}
        call("query", TableName="t", **key)
        call("query", TableName="t", ScanIndexForward=False, ReturnConsumedCapacity="INDEXES", **key)
        call("query", TableName="t", ProjectionExpression=projection, ExpressionAttributeNames=names, **key)
        call("query", TableName="t", Select="COUNT", **key)
        call("query", TableName="t", KeyConditionExpression="pk = :p AND sk BETWEEN :a AND :b", ExpressionAttributeValues={":p": {"S": "ORDER#1"}, ":a": {"S": "LINE#1"}, ":b": {"S": "LINE#4"}})
        call("query", TableName="t", FilterExpression="n >= :two AND contains(strings, :mu)", ExpressionAttributeValues={":p": {"S": "ORDER#1"}, ":two": {"N": "2"}, ":mu": {"S": "mu"}}, KeyConditionExpression="pk = :p")
        page: dict = {"Limit": 2}
        while True:  # pages by count, each from the last page's key
            answer = call("query", TableName="t", **key, **page)
            if "LastEvaluatedKey" not in answer:
                break
            page = {"Limit": 2, "ExclusiveStartKey": answer["LastEvaluatedKey"]}
        for index in ("keys", "some", "all"):
            call("query", TableName="t", IndexName=index, KeyConditionExpression="gk = :g", ExpressionAttributeValues={":g": {"S": "G"}})
            call("query", TableName="t", IndexName=index, KeyConditionExpression="gk = :g", ExpressionAttributeValues={":g": {"S": "G"}}, Limit=3, ScanIndexForward=False)
        call("scan", TableName="t")
        call("scan", TableName="t", ProjectionExpression=projection, ExpressionAttributeNames=names)
        line0 = {"pk": {"S": "ORDER#1"}, "sk": {"S": "LINE#0"}}
        for returns in ("NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"):
            call(
                "update_item", TableName="t", Key=line0, ReturnValues=returns,
                UpdateExpression="SET nested.lines[0].qty = nested.lines[0].qty + :one, nested.address.deep.deeper.y = :s, #s = :s, l2 = list_append(if_not_exists(l2, :empty), :more) ADD strings :add, version :one REMOVE flag DELETE numbers :drop",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={":one": {"N": "1"}, ":s": {"S": returns}, ":empty": {"L": []}, ":more": {"L": [{"M": {"r": {"S": returns}}}]}, ":add": {"SS": [returns.lower()]}, ":drop": {"NS": ["3"]}},
            )
        call("update_item", TableName="t", Key=line0, UpdateExpression="SET copied = nested, copied_list = #l", ExpressionAttributeNames={"#l": "list"}, ReturnValues="ALL_NEW")
        call("update_item", TableName="t", Key=line0, UpdateExpression="SET nested.address.city = :c", ExpressionAttributeValues={":c": {"S": "北京"}}, ReturnValues="ALL_NEW")
        call("update_item", TableName="t", Key={"pk": {"S": "ORDER#9"}, "sk": {"S": "NEW"}}, UpdateExpression="SET m = :m", ExpressionAttributeValues={":m": NESTED}, ReturnValues="ALL_NEW")
        call("update_item", TableName="t", Key=line0, UpdateExpression="SET #s = :s", ConditionExpression="#s = :other", ExpressionAttributeNames=names, ExpressionAttributeValues={":s": {"S": "X"}, ":other": {"S": "nope"}}, ReturnValuesOnConditionCheckFailure="ALL_OLD")
        for status in ("A", "B", "B"):  # the same condition texts again and again, passing and failing
            call(
                "update_item", TableName="t", Key=line0, UpdateExpression="SET #s = :s", ExpressionAttributeNames=names, ReturnValues="UPDATED_OLD",
                ConditionExpression="attribute_exists(pk) AND (#s <> :s OR size(nested) > :zero) AND NOT contains(strings, :s)",
                ExpressionAttributeValues={":s": {"S": status}, ":zero": {"N": "0"}},
            )
            call("update_item", TableName="t", Key=line0, UpdateExpression="SET #s = :s", ExpressionAttributeNames=names, ConditionExpression="#s === :s", ExpressionAttributeValues={":s": {"S": status}})
            call("update_item", TableName="t", Key=line0, UpdateExpression="SET #s = :s", ExpressionAttributeNames=names, ConditionExpression="#s = :s AND", ExpressionAttributeValues={":s": {"S": status}})
            call("query", TableName="t", FilterExpression="#s IN (:a, :b) OR n BETWEEN :lo AND :hi", ExpressionAttributeNames=names, ExpressionAttributeValues={":p": {"S": "ORDER#1"}, ":a": {"S": "A"}, ":b": {"S": status}, ":lo": {"N": "1"}, ":hi": {"N": "3"}}, KeyConditionExpression="pk = :p")
            call("put_item", TableName="t", Item=_item("ORDER#3", status), ConditionExpression="attribute_not_exists(pk) OR begins_with(#s, :s)", ExpressionAttributeNames=names, ExpressionAttributeValues={":s": {"S": "NE"}})
        call("update_item", TableName="t", Key=line0, UpdateExpression="SET a = :a, a = :a", ExpressionAttributeValues={":a": {"S": "1"}})
        call("update_item", TableName="t", Key=line0, UpdateExpression="SET pk = :a", ExpressionAttributeValues={":a": {"S": "1"}})
        call(
            "transact_write_items",
            TransactItems=[
                {"Update": {"TableName": "t", "Key": line0, "UpdateExpression": "SET nested.lines[0].qty = :z", "ExpressionAttributeValues": {":z": {"N": "0"}}}},
                {"Put": {"TableName": "t", "Item": _item("ORDER#1", "LINE#1", changed={"S": "yes"}), "ConditionExpression": "attribute_not_exists(pk)"}},
            ],
        )  # cancelled: the update is undone from its copy
        call("get_item", TableName="t", Key=line0)
        call("delete_item", TableName="t", Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "LINE#5"}}, ReturnValues="ALL_OLD")
        call("query", TableName="t", **key)
        # the 1 MB page: twelve items of about 100 KB in one partition
        for i in range(12):
            call("put_item", TableName="t", Item=_item("BIG", f"B#{i:02d}", payload={"S": "x" * 95_000}, more={"M": {"l": {"L": [{"S": "y" * 1_000}] * 3}}}))
        big: dict = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "BIG"}}}
        start: dict = {}
        while True:
            answer = call("query", TableName="t", **big, **start)
            if "LastEvaluatedKey" not in answer:
                break
            start = {"ExclusiveStartKey": answer["LastEvaluatedKey"]}
        call("query", TableName="t", IndexName="all", KeyConditionExpression="gk = :g", ExpressionAttributeValues={":g": {"S": "G"}})
        shard = dynamodb_backends[ACCOUNT][REGION].tables["t"].stream_shard
        for record in shard.items:  # the stream's images (its ids, its times and the sizes that count them are each run's)
            answers.append(repr({k: v for k, v in record.record["dynamodb"].items() if k not in ("ApproximateCreationDateTime", "SizeBytes")}))
            answers.append(record.record["eventName"])
    return answers


def test_every_answer_is_unpatched_motos(switch):
    switch(False)
    expected = _scenario()
    switch(True)
    answers = _scenario()
    assert len(answers) == len(expected) > 100
    for got, want in zip(answers, expected):
        assert got == want
    pages = [a for a in answers if isinstance(a, bytes) and b'"BIG"' in a and b"LastEvaluatedKey" in a]
    assert len(pages) == 2  # the 1 MB limit ended the table's first page (after ten items of ~100 KB) and the index's
    assert any(p.startswith(b'{"Items": [{"pk": {"S": "BIG"}, "sk": {"S": "B#00"}') and b'"Count": 10,' in p and p.endswith(b'"LastEvaluatedKey": {"pk": {"S": "BIG"}, "sk": {"S": "B#09"}}}') for p in pages)


def _store_after_reads(switch_to, read) -> tuple:
    """Stores an item, runs `read` (which may change what it was handed), and gives what the table holds then."""
    switch_to(True)
    with mock_aws():
        db = boto3.client("dynamodb", region_name=REGION)
        _create(db)
        db.put_item(TableName="t", Item=_item("ORDER#1", "LINE#0"))
        table = dynamodb_backends[ACCOUNT][REGION].tables["t"]
        before = repr(table.get_item(DynamoType({"S": "ORDER#1"}), DynamoType({"S": "LINE#0"})).to_json())
        read(table, db)
        after = repr(table.get_item(DynamoType({"S": "ORDER#1"}), DynamoType({"S": "LINE#0"})).to_json())
        answer = db.get_item(TableName="t", Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "LINE#0"}})["Item"]
    return before, after, answer


def _mutate_item(item: Item) -> None:
    item.attrs["nested"].value["lines"].value[0].value["sku"].value = "CHANGED"
    item.attrs["nested"].value["lines"].value[0].value["tags"].value.append("CHANGED")
    item.attrs["nested"].value["blobs"].value.append(b"CHANGED")
    item.attrs["strings"].value.append("CHANGED")
    item.attrs["list"].value[1].value["k"].value.append("CHANGED")
    item.attrs["nested"].value["address"].value["deep"].value["deeper"].value["x"] = DynamoType({"S": "CHANGED"})


def _mutate_json(value) -> None:
    if isinstance(value, dict):
        for inner in list(value.values()):
            _mutate_json(inner)
        value["CHANGED"] = {"S": "CHANGED"}
    elif isinstance(value, list):
        for inner in list(value):
            _mutate_json(inner)
        value.append("CHANGED")


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda table, db: [_mutate_item(i) for i in table.query(DynamoType({"S": "ORDER#1"}), None, [], None, None, True, None)[0]], id="a Query's items"),
        pytest.param(lambda table, db: [_mutate_item(i) for i in table.query(None, None, [], None, None, True, None, index_name="all", hash_key_conditions=[("gk", DynamoType({"S": "G"}))])[0]], id="an index Query's items"),
        pytest.param(lambda table, db: _mutate_item(copy.deepcopy(table.get_item(DynamoType({"S": "ORDER#1"}), DynamoType({"S": "LINE#0"})))), id="a deep copy"),
        pytest.param(lambda table, db: _mutate_json(table.get_item(DynamoType({"S": "ORDER#1"}), DynamoType({"S": "LINE#0"})).to_json()), id="an item's JSON"),
        pytest.param(lambda table, db: _mutate_json(table.get_item(DynamoType({"S": "ORDER#1"}), DynamoType({"S": "LINE#0"})).attrs["nested"].to_regular_json()), id="a value's regular JSON"),
        pytest.param(lambda table, db: [_mutate_json(r.record) for r in table.stream_shard.items], id="a stream record"),
        pytest.param(
            lambda table, db: db.update_item(TableName="t", Key={"pk": {"S": "ORDER#1"}, "sk": {"S": "LINE#1"}}, UpdateExpression="SET #n = :n", ExpressionAttributeNames={"#n": "nested"}, ExpressionAttributeValues={":n": NESTED}),
            id="an update of another item",
        ),
    ],
)
def test_what_a_read_hands_out_is_not_what_the_table_keeps(switch, read):
    before, after, answer = _store_after_reads(switch, read)
    assert after == before
    assert "CHANGED" not in repr(answer)


values = st.recursive(
    st.one_of(
        st.text(max_size=6).map(lambda s: {"S": s}),
        st.integers(-999, 999).map(lambda n: {"N": str(n)}),
        st.binary(max_size=4).map(lambda b: {"B": b}),
        st.text(alphabet="YWJjZA", min_size=4, max_size=4).map(lambda s: {"B": s}),  # as moto holds a binary from the wire
        st.booleans().map(lambda b: {"BOOL": b}),
        st.just({"NULL": True}),
        st.lists(st.text(max_size=4), min_size=1, max_size=3, unique=True).map(lambda v: {"SS": v}),
        st.lists(st.binary(min_size=1, max_size=3), min_size=1, max_size=3, unique=True).map(lambda v: {"BS": v}),
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=4).map(lambda v: {"L": v}), st.dictionaries(st.text(max_size=4), inner, max_size=4).map(lambda v: {"M": v})),
    max_leaves=20,
)


def _shape(value):
    """A value with the type of every container and every DynamoType spelled out."""
    if isinstance(value, DynamoType):
        return ("DynamoType", value.type, _shape(value.value))
    if isinstance(value, dict):
        return (type(value).__name__, [(k, _shape(v)) for k, v in value.items()])
    if isinstance(value, list):
        return (type(value).__name__, [_shape(v) for v in value])
    return (type(value).__name__, value)


def _objects(value) -> list:
    if isinstance(value, DynamoType):
        return [value] + _objects(value.value)
    if isinstance(value, dict):
        return [value] + [o for v in value.values() for o in _objects(v)]
    if isinstance(value, list):
        return [value] + [o for v in value for o in _objects(v)]
    return []


@settings(max_examples=300, deadline=None)
@given(values)
def test_a_values_copy_and_regular_json_are_motos(value):
    typed = DynamoType(value)
    ours, theirs = moto_items._copy_type(typed, {}), moto_items._original_type_deepcopy(typed, {})
    assert _shape(ours) == _shape(theirs) == _shape(typed)
    assert not {id(o) for o in _objects(ours)} & {id(o) for o in _objects(typed)}  # no container or value shared
    assert _shape(moto_items._regular_json(typed)) == _shape(moto_items._original_regular_json(typed))
    assert not {id(o) for o in _objects(moto_items._regular_json(typed))} & {id(o) for o in _objects(typed)}
    as_dict = moto_items._to_dict({"Item": {"a": typed}, "Count": 1})
    assert _shape(as_dict) == _shape(moto_items._original_dynamo_to_dict({"Item": {"a": typed}, "Count": 1}))
    assert not {id(o) for o in _objects(as_dict)} & {id(o) for o in _objects(typed)}


def test_a_query_answer_shares_nothing_with_the_table(switch, monkeypatch):
    """The items a Query or Scan response is handed uncopied (19.) are the table's own: what the
    response makes of them (18.) holds none of their containers."""
    switch(True)
    made: list = []
    monkeypatch.setattr(dynamodb_responses, "dynamo_to_dict", lambda result: made.append(moto_items._to_dict(result)) or made[-1])
    with mock_aws():
        db = boto3.client("dynamodb", region_name=REGION)
        _create(db)
        for i in range(3):
            db.put_item(TableName="t", Item=_item("ORDER#1", f"LINE#{i}"))
        made.clear()
        db.query(TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "ORDER#1"}}, Limit=2)
        db.query(TableName="t", IndexName="all", KeyConditionExpression="gk = :g", ExpressionAttributeValues={":g": {"S": "G"}})
        db.scan(TableName="t")
        table = dynamodb_backends[ACCOUNT][REGION].tables["t"]
        kept = {id(o) for item in table.all_items() for value in item.attrs.values() for o in _objects(value)}
        kept |= {id(item.attrs) for item in table.all_items()}
    assert len(made) == 3 and all(len(answer["Items"]) >= 2 for answer in made)
    assert not {id(o) for answer in made for o in _objects(answer)} & kept


def test_a_value_met_twice_is_copied_once_as_by_moto():
    shared = DynamoType({"M": {"a": {"S": "x"}}})
    typed = DynamoType({"L": []})
    typed.value = [shared, shared]
    for copier in (moto_items._copy_type, moto_items._original_type_deepcopy):
        copied = copier(typed, {})
        assert copied.value[0] is copied.value[1] and copied.value[0] is not shared


def test_the_patched_spots_still_have_motos_shape():
    regular = inspect.getsource(moto_items._original_regular_json)
    assert "value = copy.deepcopy(self.value)" in regular and "base64.b64decode(value)" in regular
    copies = inspect.getsource(moto_items._original_type_deepcopy)
    assert "result.value = list(self.value)" in copies and "result.value = self.value" in copies
    item_copy = inspect.getsource(moto_items._original_item_deepcopy)
    assert "dict.__setitem__(attrs_copy, key, copy.deepcopy(value, memo))" in item_copy
    assert "return sum(bytesize(key) + value.size() for key, value in self.attrs.items())" in inspect.getsource(moto_items._original_item_size)
    query = inspect.getsource(moto_patches._original_query)
    assert query.count("result.size()") == 5 and "results = copy.deepcopy(results)" in query
    assert "nodes = self._lex_condition_expression()" in inspect.getsource(ConditionExpressionParser.parse)
    assert inspect.getsource(ConditionExpressionParser._parse_paths).count("nodes.popleft()") == 1
    walk = inspect.getsource(moto_validation._original_traverse)
    assert "self.pre_processing_of_child(node, i)" in walk and "isinstance(node, self.nodes_to_be_processed())" in walk


@pytest.mark.parametrize(
    "text",
    ["attribute_exists(pk) AND (#s <> :s OR size(nested.lines[0]) > :zero)", "#s IN (:a, :b) OR n BETWEEN :a AND :b", "NOT begins_with(a.b, :c)"],
)
def test_a_condition_texts_tokens_are_motos_and_each_parse_gets_its_own(text):
    parser = lambda: ConditionExpressionParser(text, {"#s": "status"}, {":s": {"S": "x"}, ":zero": {"N": "0"}, ":a": {"S": "a"}, ":b": {"S": "b"}, ":c": {"S": "c"}})  # noqa: E731
    expected = list(moto_validation._original_lex(parser()))
    first, second = moto_validation._lex_once(parser()), moto_validation._lex_once(parser())
    assert list(first) == list(second) == expected and first is not second
    first.clear()  # a parse consumes its deque: the next one still gets every token
    assert list(moto_validation._lex_once(parser())) == expected


def test_a_text_that_does_not_lex_raises_every_time():
    for _ in range(2):
        with pytest.raises(ValueError, match="Cannot parse condition"):
            moto_validation._lex_once(ConditionExpressionParser("a = :v ~ b", {}, {":v": {"S": "x"}}))
    assert not [key for key in moto_validation._lexed if key[1] == "a = :v ~ b"]

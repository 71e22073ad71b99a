"""The entries-on-META measurement (benchmarks/meta_entries.py, decision 197): an entry carried on
META is paid for by every later META write, so it saves a unit only while no write crosses a KB."""

from benchmarks.meta_entries import Entry, Life, Lives, Step, carried


def _entry(on_meta: int) -> Entry:
    return Entry(item=on_meta + 60, on_meta=on_meta, compact=on_meta - 40, adopted_key=12, document=None)


def _life(entry_bytes: int) -> Life:
    """intake, a plain step with its entry, then a transactional write that adds 55 bytes."""
    return Life([Step("intake", 0, 444, False), Step("review", 444, 483, False, _entry(entry_bytes)), Step("notification", 483, 538, True)])


def test_a_small_entry_on_meta_saves_its_item():
    now, after, counts = carried([_life(300)], "oracle")
    assert (now, after, counts) == (1 + 2 + 2, 1 + 1 + 2, {"review": 1})


def test_an_entry_that_would_push_a_later_write_over_a_kb_is_not_carried_by_the_oracle():
    # 538 + 500 - 12 = 1,026 bytes at the transactional write: 4 units instead of 2.
    assert carried([_life(500)], "oracle")[1:] == (5, {"review": 0})


def test_a_rule_without_the_future_pays_for_an_entry_a_later_write_carries_over_a_kb():
    # after review: 483 + 500 - 12 = 971, under 1 KB with no reserve; the release then bills 2 KB twice.
    now, after, counts = carried([_life(500)], "reserve", reserve=0)
    assert (now, after, counts) == (5, 1 + 1 + 4, {"review": 1})
    assert carried([_life(500)], "reserve", reserve=55)[1] == 5


def test_the_bound_carries_every_entry_at_no_size():
    assert carried([_life(5000)], "free")[1:] == (4, {"review": 1})


def test_the_compact_encoding_is_weighed_instead_of_the_map():
    assert carried([_life(520)], "oracle", "map")[2] == {"review": 0}
    assert carried([_life(520)], "oracle", "compact")[2] == {"review": 1}


def test_lives_pair_each_meta_write_with_the_entry_its_step_put_before_it():
    lives = Lives()
    key = {"pk": {"S": "ORDER#1"}}
    entry = {**key, "sk": {"S": "TL#000002!abcdef12"}, "entry": {"M": {"at": {"S": "2026-12-02T00:00:00Z"}, "from_status": {"S": "RECEIVED"}, "to_status": {"S": "APPROVED"}, "cause": {"S": "x"}, "actor": {"M": {"kind": {"S": "system"}, "name": {"S": "review"}}}, "details": {"M": {}}}}}
    meta = {**key, "sk": {"S": "META"}, "status": {"S": "APPROVED"}}
    lives.observe("review", None, entry, False)
    lives.observe("review", dict(meta), meta, False)
    lives.observe("routing", dict(meta), meta, False)
    steps = lives.orders["ORDER#1"].steps
    assert [s.function for s in steps] == ["review", "routing"]
    assert steps[0].entry is not None and steps[0].entry.adopted_key == len("2!abcdef12") + 1 and steps[1].entry is None


def test_the_recorder_tells_its_observer_each_item_written_before_and_after():
    from types import SimpleNamespace

    from benchmarks.footprint.recorder import Recorder
    from benchmarks.footprint.units import TableShape

    seen = []
    recorder = Recorder(on_write=lambda *write: seen.append(write))
    recorder._shapes = {"orders": TableShape("orders", "pk", "sk", ())}
    stored = iter([None, {"pk": {"S": "ORDER#1"}, "sk": {"S": "META"}}])
    recorder._stored = lambda table, key: next(stored)
    client = SimpleNamespace(meta=SimpleNamespace(service_model=SimpleNamespace(service_name="dynamodb")))
    item = {"pk": {"S": "ORDER#1"}, "sk": {"S": "META"}}
    recorder._call(client, "PutItem", {"TableName": "orders", "Item": item}, lambda *_: {})
    assert seen == [("-", None, item, False)]

"""The shipped data stays reproducible, and the default rules keep their quality on it."""

import json
from pathlib import Path

from benchmarks import review_quality, review_samples
from local import refresh_divisions


def test_the_labelled_sample_set_is_what_its_generator_writes():
    shipped = [json.loads(line) for line in review_samples.TARGET.read_text("utf-8").splitlines()]
    assert shipped == json.loads(json.dumps(review_samples.build()))


def test_the_division_table_is_the_pinned_packages():
    assert refresh_divisions.TARGET.read_text("utf-8") == refresh_divisions.render(refresh_divisions.build())


def test_default_rules_catch_every_seeded_error_kind_and_hold_few_clean_orders():
    q = review_quality.quality(review_quality.load())
    assert q["missed"] == []
    assert q["caught"] == q["seeded"] and len(q["seeded"]) == 25
    assert len(q["clean_held"]) / q["clean"] <= 0.05
    assert all(label.startswith("clean:") for label, _, _ in q["clean_held"])  # only the unusual-but-correct ones
    assert q["decisions"]["ON_HOLD"] / q["orders"] <= 0.12


def test_samples_are_in_placed_order():
    times = [json.loads(line)["order"]["placed_at"] for line in Path(review_samples.TARGET).read_text("utf-8").splitlines()]
    assert times == sorted(times)

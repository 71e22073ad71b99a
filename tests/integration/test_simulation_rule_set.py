"""`python -m simulation --rules active` simulates with the rule set in force in the review table."""

import copy
from pathlib import Path

from shared.aws.stores import rule_set_store
from shared.review import default_document
from shared.usecases import rule_sets
from simulation import ACTIVE, rule_set_for


def test_the_rule_set_in_force_is_the_one_simulated(seeded):
    assert rule_set_for(Path(ACTIVE)).version == 0  # the shipped default until an operator activates another
    document = copy.deepcopy(default_document())
    next(r for r in document["rules"] if r["id"] == "price.discount.limit")["params"]["max_discount_rate"] = "20%"
    version, _ = rule_sets.propose(rule_set_store(), document, "li.na@example.com", "tighter for Double 11", True)
    assert rule_set_for(Path(ACTIVE)).version == version.version == 1

"""The merge rule as data (rule.json): the automatic sweep and the operator's preview read it."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from shared.lifecycle import OrderStatus

RULE = Path(__file__).resolve().parent / "rule.json"


class MergeRule(BaseModel, defer_build=True):
    description: str = ""
    window_minutes: int = Field(ge=1, le=7 * 24 * 60, description="Members placed at most this far apart")
    min_saving_yuan: Decimal = Field(ge=0, description="Merge automatically only when it saves at least this much")
    min_saving_share: Decimal = Field(ge=0, le=1, description="... and at least this share of the separate cost")
    statuses: list[OrderStatus] = Field(min_length=1, description="Statuses a member may be in: not yet routed")
    max_members: int = Field(ge=2, le=20)
    automatic: bool = True

    def worth_it(self, separate: Decimal, saving: Decimal) -> bool:
        return saving >= self.min_saving_yuan and separate > 0 and saving / separate >= self.min_saving_share


@lru_cache(maxsize=1)
def merge_rule() -> MergeRule:
    return MergeRule.model_validate_json(RULE.read_text("utf-8"))

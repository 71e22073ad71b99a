"""The two kinds of capacity an order waits for.

AutomatedLine: one first-come-first-served server at a fixed rate (orders/s) plus a fixed
  latency per order: done = max(arrival, previous done) + 1/rate, then + latency. Traditional:
  serial processing at 400 orders/s. oms: the capacity model of docs/architecture.md (1,200
  orders/s, the SQS buffer holding the rest) and 4 Lambda tasks of ~100 ms each.
Staff: c people working a daily shift (China time), first come first served: an item goes to the
  person free first, waits for the shift if it arrives outside it, and work not finished at the
  shift's end continues at the next shift's start.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

DAY = 86400.0


@dataclass
class AutomatedLine:
    rate: float  # orders per second
    latency: float = 0.0  # seconds every order spends in the pipeline besides waiting
    last_done: float = 0.0
    busiest_backlog: int = 0  # the most orders waiting at once
    longest_wait: float = 0.0
    _done: list[float] = field(default_factory=list)

    def serve(self, arrival: float) -> float:
        start = max(arrival, self.last_done)
        self.longest_wait = max(self.longest_wait, start - arrival)
        self.last_done = start + 1 / self.rate
        waiting = self._done
        while waiting and waiting[0] <= arrival:
            heapq.heappop(waiting)
        heapq.heappush(waiting, self.last_done)
        self.busiest_backlog = max(self.busiest_backlog, len(waiting))
        return self.last_done + self.latency


@dataclass
class Staff:
    people: int
    shift_start_hour: float
    shift_end_hour: float
    free_at: list[float] = field(default_factory=list)
    busy_seconds: float = 0.0
    items: int = 0

    def __post_init__(self) -> None:
        if self.people < 1 or not 0 <= self.shift_start_hour < self.shift_end_hour <= 24:
            raise ValueError("staff needs at least one person and a shift within the day")
        self.free_at = [0.0] * self.people

    def _shift(self, t: float) -> tuple[float, float]:
        """The shift that is running at t, or the next one."""
        day = t // DAY
        start, end = day * DAY + self.shift_start_hour * 3600, day * DAY + self.shift_end_hour * 3600
        if t >= end:
            start, end = start + DAY, end + DAY
        return start, end

    def serve(self, arrival: float, seconds: float) -> float:
        """When the item is done (first come first served over the free person)."""
        free = heapq.heappop(self.free_at)
        t, left = max(arrival, free), seconds
        while True:
            start, end = self._shift(t)
            t = max(t, start)
            if t + left <= end:
                t += left
                break
            left -= end - t
            t = end
        heapq.heappush(self.free_at, t)
        self.busy_seconds += seconds
        self.items += 1
        return t

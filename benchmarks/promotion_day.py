"""A simulated promotion day (Double 11) through oms's domain code, the seed's KPI table side by
side (traditional vs oms), and the simulation's speed in orders per CPU second.

    python -m benchmarks.promotion_day                       # the default day: 50,000 orders, seed 11
    python -m benchmarks.promotion_day --seed 12 --html day.html

The same as `python -m simulation` (see simulation/__init__.py and docs/simulation.md).
"""

from __future__ import annotations

import sys

from simulation.__main__ import main

if __name__ == "__main__":
    sys.exit(main())

"""Step Functions cost per 1,000 orders: Standard vs Express, and how a held order waits.

Counts the state transitions of each path through statemachines/order_fulfilment.asl.json (the
figure Standard bills) and prices both workflow types. Prices are AWS's published us-east-1 list
prices (Standard: per 1,000 state transitions; Express: per request plus GB-seconds billed in
64 MB steps); pass --help to change them or the assumed Express duration.

  python -m benchmarks.workflow_cost
"""

from __future__ import annotations

import argparse
import json

from infra.topology import FULFILMENT

STANDARD_PER_1000_TRANSITIONS = 0.025
EXPRESS_PER_MILLION_REQUESTS = 1.00
EXPRESS_PER_GB_SECOND = 0.00001667
EXPRESS_MEMORY_GB = 0.0625  # the smallest 64 MB step: our execution data is a few KB


def path_states(definition: dict, outcome: str) -> list[str]:
    """The states one order passes through to reach the terminal state `outcome`."""
    choices = {
        "ReviewDecision": {"Rejected": "REJECTED", "HeldForManualReview": "ON_HOLD"}.get(outcome, "APPROVED"),
        "RoutingOutcome": "BACKORDERED" if outcome == "Backordered" else "ROUTED",
    }
    path, name = [], definition["StartAt"]
    while True:
        path.append(name)
        state = definition["States"][name]
        if state["Type"] in ("Succeed", "Fail") or state.get("End"):
            return path
        if state["Type"] == "Choice":
            wanted = choices[name]
            name = next((c["Next"] for c in state["Choices"] if c.get("StringEquals") == wanted), state.get("Default"))
        else:
            name = state["Next"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--express-seconds", type=float, default=2.0, help="assumed duration of one automated run on AWS")
    parser.add_argument("--held-share", type=float, default=0.12, help="share of orders held for a person")
    args = parser.parse_args()

    definition = json.loads(FULFILMENT.definition.read_text("utf-8"))
    released = path_states(definition, "Released")
    held = path_states(definition, "HeldForManualReview")
    print(f"transitions per order: released {len(released)} ({' → '.join(released)}), held {len(held)}")

    express_run = EXPRESS_PER_MILLION_REQUESTS / 1e6 + args.express_seconds * EXPRESS_MEMORY_GB * EXPRESS_PER_GB_SECOND
    standard_run = len(released) * STANDARD_PER_1000_TRANSITIONS / 1000
    # Standard + task token: the held order waits inside its run (waiting is free), 2 more transitions to resume.
    standard_token = standard_run + args.held_share * 2 * STANDARD_PER_1000_TRANSITIONS / 1000
    # Express + event-driven resume: the run ends ON_HOLD; the operator's decision starts a second run.
    express_resume = express_run * (1 + args.held_share)
    print(f"per 1,000 orders ({args.held_share:.0%} held, Express run {args.express_seconds:.1f} s at 64 MB):")
    print(f"  Standard, held orders wait on a task token    ${1000 * standard_token:8.4f}")
    print(f"  Express, held orders resume with a new run    ${1000 * express_resume:8.4f}   ({standard_token / express_resume:.0f}x cheaper)")


if __name__ == "__main__":
    main()

"""`oms simulate`, `oms routing policy` and `oms routing what-if`: a promotion day through oms's
domain code in this process (no API needed), the routing policy in force a candidate starts from,
and a candidate routing policy replayed on stored or simulated orders."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from oms_cli.main import Settings, api_command, cli, pass_settings
from oms_cli.output import as_json, errors, table

STEP = 500  # orders per redraw: the bar costs nothing next to the orders


def rich_phases(progress: Progress) -> Callable[[str, int], Callable[[int], None]]:
    """The simulation's phases as rich tasks, redrawn every STEP orders."""

    def phase(name: str, total: int) -> Callable[[int], None]:
        task = progress.add_task(name, total=total)
        pending = 0

        def advance(n: int) -> None:
            nonlocal pending
            pending += n
            if pending >= STEP or progress.tasks[task].completed + pending >= total:
                progress.advance(task, pending)
                pending = 0

        return advance

    return phase


def _refused(message: str) -> None:
    errors.print(f"[bold red]refused[/]: {message}", highlight=False)
    sys.exit(2)


@cli.command()
@click.option("--orders", default=50_000, show_default=True, type=click.IntRange(1), help="Orders on the first day (later days: the assumptions' later_days_scale)")
@click.option("--days", default=1, show_default=True, type=click.IntRange(1, 30))
@click.option("--seed", default=11, show_default=True, type=int)
@click.option("--warehouses", type=click.IntRange(4, 16), help="Network size (default: the assumptions file's)")
@click.option("--rules", "rule_set", help="A review rule-set document (JSON file), or 'active' for the set in force (default: the shipped default set)")
@click.option("--routing-policy", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A routing policy like shared/data/routing_policy.json")
@click.option("--assumptions", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Another simulation/data/assumptions.json")
@click.option("--json", "json_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write the whole report as JSON to this file")
@click.option("--html", "html_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write a self-contained HTML report with ECharts plots")
@click.option("--quiet", is_flag=True, help="No progress bar")
@pass_settings
def simulate(settings: Settings, orders: int, days: int, seed: int, warehouses: int | None, rule_set: str | None, routing_policy: Path | None, assumptions: Path | None, json_file: Path | None, html_file: Path | None, quiet: bool) -> None:
    """A promotion day (Double 11) through oms's real domain code (channel adapters, review,
    routing with splitting, reservation against depleting and replenished stock), the seed's KPI
    table side by side for a traditional process and for oms, and the run's speed in orders per
    CPU second. `oms --json simulate` prints the whole report as JSON instead of the table.
    docs/simulation.md explains every row and assumption."""
    import io

    from shared.review_rules.problems import RuleSetInvalid
    from shared.routing import RoutingConfigError
    from simulation import simulate as run

    rules_path = None if rule_set is None else Path(rule_set)
    if rules_path is not None and rule_set != "active" and not rules_path.is_file():
        _refused(f"--rules {rule_set}: no such file")
    progress = Progress(TextColumn("{task.description:<32}"), BarColumn(), MofNCompleteColumn(), TextColumn("orders"), TimeElapsedColumn(), console=errors, disable=quiet)
    out = io.StringIO() if settings.json else sys.stdout
    try:
        with progress:
            document = run(orders, days, seed, warehouses, rules_path, routing_policy, assumptions, json_file, html_file, show_progress=False, out=out, progress=rich_phases(progress))
    except RuleSetInvalid as refused:
        for p in refused.problems:
            errors.print(f"{rule_set}: {p.location}: {p.message}", highlight=False)
        sys.exit(2)
    except (RoutingConfigError, ValueError, FileNotFoundError) as refused:
        _refused(str(refused))
    if settings.json:
        as_json(json.loads(json.dumps(document, default=str)))


@cli.group()
def routing() -> None:
    """Routing: replay a candidate policy before it is put in force."""


@routing.command("policy")
@pass_settings
@api_command
def routing_policy(settings: Settings) -> None:
    """The routing policy in force (GET /routing/policy): each strategy with its ranking and split
    limit, the strategy each channel uses, the carriers each warehouse may use. A candidate for
    `oms routing what-if` names what it changes against these."""
    policy = settings.client.get("/routing/policy")
    if settings.json:
        return as_json(policy)
    by_channel = ", ".join(f"{c}: {s}" for c, s in policy["strategy_by_channel"].items())
    table(
        f"strategies (in force: {policy['default_strategy']}{'; ' + by_channel if by_channel else ''})",
        ("strategy", "ranks by", "split limit", "description"),
        [(s["name"], " > ".join(s["objective"]), s["max_packages"], s["description"]) for s in policy["strategies"]],
    )
    table(
        "carriers per warehouse",
        ("warehouse", "name", "carriers", "from"),
        [(w["warehouse_id"], w["name"], ", ".join(w["carriers"]), "its own list" if w["own_list"] else "the policy's default") for w in policy["warehouses"]],
    )


@routing.command("what-if")
@click.argument("candidate", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--strategy", help="Route every order by this strategy of the policy (oms routing policy lists them)")
@click.option("--max-packages", type=click.IntRange(1, 10), help="The split limit for every strategy (1 = never split)")
@click.option("--carriers", "carrier_rules", multiple=True, metavar="WAREHOUSE=C1,C2", help="The carriers a warehouse may use; repeat per warehouse")
@click.option("--simulated", is_flag=True, help="On a simulated day's orders and opening stock (in this process)")
@click.option("--orders", default=2000, show_default=True, type=click.IntRange(1), help="With --simulated: how many orders")
@click.option("--seed", default=11, show_default=True, type=int, help="With --simulated")
@click.option("--warehouses", type=click.IntRange(4, 16), help="With --simulated: network size")
@click.option("--last", default=500, show_default=True, type=click.IntRange(1, 2000), help="Without --simulated: the last N stored orders, through the API (POST /routing/whatif)")
@pass_settings
@api_command
def routing_what_if(
    settings: Settings, candidate: Path | None, strategy: str | None, max_packages: int | None, carrier_rules: tuple[str, ...],
    simulated: bool, orders: int, seed: int, warehouses: int | None, last: int,
) -> None:
    """Cost in yuan, packages, late orders and load per warehouse of a candidate routing policy
    against the policy in force, with the exact optimum as the reference and every order that
    changes plan explained. The candidate is CANDIDATE (JSON: a strategy, split limit, carrier
    rules, rate cards or a whole policy; shared/routing_whatif/candidate.py), the options
    --strategy, --max-packages and --carriers, or both (the options win)."""
    from shared.routing import RoutingConfigError
    from shared.routing_whatif.candidate import CandidatePolicy
    from shared.routing_whatif.replay import RoutingWhatIfReport

    try:
        document = json.loads(candidate.read_text("utf-8")) if candidate is not None else {}
        if not isinstance(document, dict):
            _refused(f"{candidate}: a candidate is a JSON object (shared/routing_whatif/candidate.py), not {type(document).__name__}")
        document = {**document, **_options_candidate(strategy, max_packages, carrier_rules)}
        if not document:
            _refused("name a candidate: a CANDIDATE file, --strategy, --max-packages or --carriers (oms routing policy shows what is in force)")
        if simulated:
            from simulation.whatif import simulated as replay_simulated

            report = replay_simulated(CandidatePolicy.model_validate(document), orders, seed, warehouses)
        else:
            report = RoutingWhatIfReport.model_validate(settings.client.post("/routing/whatif", {"candidate": document, "last": last}))
    except RoutingConfigError as refused:
        _refused("; ".join(str(p) for p in refused.problems))
    except ValueError as refused:  # pydantic's ValidationError and a file that is not JSON included: it names the field
        _refused(f"{candidate or 'the candidate'}: {refused}")
    if settings.json:
        return as_json(json.loads(report.model_dump_json()))
    from simulation.whatif import print_report

    print_report(report)


def _options_candidate(strategy: str | None, max_packages: int | None, carrier_rules: tuple[str, ...]) -> dict:
    """The candidate the command's options name: "WH-SH=sf,zto" per --carriers."""
    document: dict = {}
    if strategy:
        document["strategy"] = strategy
    if max_packages is not None:
        document["max_packages"] = max_packages
    carriers = {}
    for rule in carrier_rules:
        warehouse, _, listed = rule.partition("=")
        if not warehouse.strip() or not listed.strip():
            raise click.BadParameter(f"{rule!r}: write WAREHOUSE=CARRIER[,CARRIER…], e.g. WH-BJ=sf,zto", param_hint="--carriers")
        carriers[warehouse.strip()] = [c.strip() for c in listed.split(",") if c.strip()]
    if carriers:
        document["carriers"] = carriers
    return document

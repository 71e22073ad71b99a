"""What the `oms` command prints: rich tables for people, `--json` (UTF-8, Chinese as Chinese)
for scripts, errors in the API's shape on stderr."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from oms_cli.client import ApiError

console = Console()
errors = Console(stderr=True)


def as_json(value: Any) -> None:
    console.out(json.dumps(value, ensure_ascii=False, indent=2), highlight=False)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    view = Table(title=title, show_lines=False, header_style="bold")
    for i, column in enumerate(columns):  # the first column is an id: never folded
        view.add_column(column, overflow="fold", no_wrap=i == 0)
    for row in rows:
        view.add_row(*("" if cell is None else str(cell) for cell in row))
    console.print(view)


def fields(title: str, pairs: Sequence[tuple[str, Any]]) -> None:
    table(title, ("field", "value"), pairs)


def problem(error: ApiError) -> None:
    status = f"HTTP {error.status}" if error.status else "no answer"
    errors.print(f"[bold red]{status}[/]: {error.answer.get('message') if isinstance(error.answer, dict) else error.answer}", highlight=False)
    for p in error.problems:
        errors.print(f"  {p.get('field')}: {p.get('message')} ({p.get('rule')})", highlight=False)

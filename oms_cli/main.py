"""`oms` entry point: the global options and the commands that run oms itself (serve, demo)."""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click

from oms_cli.client import LOCAL_API, ApiError, Client
from oms_cli.output import as_json, problem


@dataclass
class Settings:
    client: Client
    json: bool


pass_settings = click.make_pass_decorator(Settings)


def api_command(function: Callable[..., Any]) -> Callable[..., Any]:
    """An API call's errors printed in the API's shape, exit code 1 (2 when oms could not be reached)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except ApiError as error:
            settings = click.get_current_context().find_object(Settings)
            if settings and settings.json:
                as_json({"status": error.status, **(error.answer if isinstance(error.answer, dict) else {"message": error.answer})})
            else:
                problem(error)
            sys.exit(1 if error.status else 2)

    return wrapper


def read_utf8(path: Any) -> str:
    """A file the user named, as text; one that is not UTF-8 (a GBK export, say) is an ApiError
    naming the file and the byte, before anything is sent."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        message = f"{path} is not UTF-8 text (byte {error.start}); save it as UTF-8 and try again"
        raise ApiError(400, {"message": message, "errors": [{"field": f"byte {error.start}", "rule": "utf8", "message": message}]}) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--api", "api", envvar="OMS_API", default=LOCAL_API, show_default=True, help="The local runtime's API (OMS_API)")
@click.option("--stage", envvar="OMS_STAGE", help="A deployed stage's API URL: requests are signed with SigV4 (botocore credentials)")
@click.option("--token", envvar="OMS_TOKEN", help="A console token (Authorization: Bearer) instead of SigV4")
@click.option("--region", envvar="AWS_REGION", help="The stage's region (default: read from its URL)")
@click.option("--json", "json_output", is_flag=True, help="Print the API's JSON answers, for scripts")
@click.pass_context
def cli(context: click.Context, api: str, stage: str | None, token: str | None, region: str | None, json_output: bool) -> None:
    """oms, the order middle-platform: run it locally, look at orders, decide on held ones,
    change review rules, lay out stock and import ERP files."""
    client = Client(base_url=stage or api, sign=bool(stage) and not token, token=token, region=region)
    context.obj = Settings(client=client, json=json_output)


@cli.command()
@click.option("--empty", is_flag=True, help="Start from nothing: forget the kept state, load the seed data only (warehouses, stock, catalog, secrets), post no demo orders")
@click.option("--no-demo", is_flag=True, help="On a fresh start, do not post the demo's sample orders")
@click.option("--data-dir", default=None, help="Where the state is kept across restarts (default: $OMS_DATA_DIR or .oms-data)")
@click.option("--port", default=8080, show_default=True, help="The API's port on 127.0.0.1")
@click.option("--no-platforms", is_flag=True, help="Without the platforms' sandbox (local stand-ins of Shopify's, Taobao's, JD's and Douyin's APIs for the seed's shops): every shipment's write-back to a platform then fails")
def serve(empty: bool, no_demo: bool, data_dir: str | None, port: int, no_platforms: bool) -> None:
    """Run oms on this machine (moto, no AWS account) and keep serving its API until Ctrl-C.
    The state (orders, stock, rule sets, queued messages) is kept in the data folder: a restart
    goes on where the last run stopped; a fresh start posts the demo's orders unless told not to."""
    from local import persistence
    from local.demo import run

    sys.exit(run(serve=True, api_port=port, data_dir=persistence.data_dir(data_dir), empty=empty, demo=not (empty or no_demo), platforms=not no_platforms))


@cli.command()
def demo() -> None:
    """Run the whole demo once (every channel's samples through the real workflow) and stop."""
    from local.demo import run

    sys.exit(run(serve=False, api_port=0))


def main() -> None:
    from oms_cli import imports, operations, reconcile, rules, simulate  # noqa: F401  (they add their commands to `cli`)

    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    cli()
